/**
 * Delivery aggregate: the shop's own rider brings a taken order to the customer. It owns the saga's pivot:
 * the delivery starts by itself when the shop took the order (OrderTaken), and from then on the order can
 * no longer be canceled. A cancel is asked of it (`acceptCancel`) and decided here, on this one aggregate,
 * so a cancel and the start that cross are serialized: one of them is refused.
 * Started → Completed (the rider); a cancel accepted before the start leaves it Canceled (never started).
 */
import { earlier, illegalTransition, StateMachine, touch, type Decision, type Tracked } from "../../domain";
import { detailsOf, fishEvent, type CancelReason, type FishOrderDetails, type OrderDetailsData } from "./events";

export type DeliveryStatus = "Started" | "Completed" | "Canceled";

export interface Delivery extends Tracked<DeliveryStatus>, FishOrderDetails {
	orderId: string;
}

/** What the order asks when its customer cancels: the order itself (a delivery cancelled before it was taken is still a full record). */
export type CancelRequest = OrderDetailsData;

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	Started: ["Completed"],
	Completed: [],
	Canceled: []
});

function delivery(order: OrderDetailsData, status: DeliveryStatus, now: string): Delivery {
	return { id: order.orderId, orderId: order.orderId, ...detailsOf(order), status, createdAt: now, updatedAt: now };
}

/** Packing done (OrderTaken): the rider sets off — the pivot. Once per order; never for an order whose cancel was accepted first. */
export function onOrderTaken(current: Delivery | null, order: OrderDetailsData, now: string): Decision<Delivery> | null {
	if (!current) {
		return {
			state: delivery(order, "Started", now),
			events: [fishEvent("DeliveryStarted", { orderId: order.orderId, customerName: order.customerName, address: order.address })]
		};
	}
	// Started already, or canceled first (it never starts): only the earliest time it was heard of moves.
	if (current.createdAt <= now) return null;
	return { state: { ...current, createdAt: earlier(current.createdAt, now) }, events: [] };
}

export function complete(d: Delivery, now: string): Decision<Delivery> {
	return {
		state: touch(d, now, { status: deliveryMachine.move(d.status, "Completed", "complete") }),
		events: [fishEvent("DeliveryCompleted", { orderId: d.orderId, customerName: d.customerName })]
	};
}



/**
 * The order asks to be canceled (the synchronous step of its cancel): accepted until the delivery has
 * started, and told (DeliveryCanceled), so the order cancels even if it crashes before writing the answer.
 * Asked again, an accepted cancel is accepted again; once started it is refused with the status (409).
 */
export function acceptCancel(current: Delivery | null, req: CancelRequest, now: string): Decision<Delivery> | null {
	if (current?.status === "Canceled") return null;
	if (current) throw illegalTransition("Delivery", current.status, "cancel");
	return { state: delivery(req, "Canceled", now), events: [fishEvent("DeliveryCanceled", { orderId: req.orderId, customerName: req.customerName })] };
}

/**
 * The order was canceled (its cancel accepted here first, or its payment failed: then it was never taken).
 * Nothing is left to do but make sure a delivery never starts for it.
 */
export function onOrderCanceled(current: Delivery | null, order: OrderDetailsData & { reason: CancelReason }, now: string): Decision<Delivery> | null {
	if (order.reason === "payment-failed" || current) return null;
	return { state: delivery(order, "Canceled", now), events: [] };
}
