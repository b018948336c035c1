/**
 * FishOrder aggregate: the fish shop's copy of a paid order (the seed's "fishstore").
 * Received (paid, reached the shop) → Taken (the owner takes it and prepares the dish: OrderTaken);
 * Received | Taken → Canceled (the order was canceled).
 */
import { cancelOrMark, earlier, StateMachine, touch, type Decision, type Tracked } from "../../domain";
import { detailsOf, fishEvent, type CancelReason, type FishOrderDetails, type OrderDetailsData } from "./events";

export type FishOrderStatus = "Received" | "Taken" | "Canceled";

export interface FishOrder extends Tracked<FishOrderStatus>, FishOrderDetails {
	orderId: string;
}

export const fishOrderMachine = new StateMachine<FishOrderStatus>("Fish order", {
	Received: ["Taken", "Canceled"],
	Taken: ["Canceled"],
	Canceled: []
});

function fishOrder(order: OrderDetailsData, status: FishOrderStatus, now: string): FishOrder {
	return { id: order.orderId, orderId: order.orderId, ...detailsOf(order), status, createdAt: now, updatedAt: now };
}

/**
 * Paid orders reach the shop (PayApproved), once. A cancel that overtook it left a canceled marker (with the
 * order's details): nothing to do but keep the earliest time heard of.
 */
export function onPayApproved(current: FishOrder | null, order: OrderDetailsData, now: string): Decision<FishOrder> | null {
	if (!current) return { state: fishOrder(order, "Received", now), events: [] };
	if (current.createdAt <= now) return null;
	return { state: { ...current, createdAt: earlier(current.createdAt, now) }, events: [] };
}

/** The owner takes the order and prepares the dish; the shop's rider will deliver it. */
export function take(o: FishOrder, now: string): Decision<FishOrder> {
	return {
		state: touch(o, now, { status: fishOrderMachine.move(o.status, "Taken", "take") }),
		events: [fishEvent("OrderTaken", { orderId: o.orderId, ...detailsOf(o) })]
	};
}

/**
 * The order was canceled: stop preparing it. Arriving before the order itself, it leaves a canceled marker.
 * An order whose payment failed was never established, so it never reached the shop: nothing to do.
 */
export function onOrderCanceled(current: FishOrder | null, order: OrderDetailsData & { reason: CancelReason }, now: string): Decision<FishOrder> | null {
	if (order.reason === "payment-failed") return null;
	return cancelOrMark(fishOrderMachine, current, "Canceled", now, () => fishOrder(order, "Canceled", now));
}
