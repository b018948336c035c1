/**
 * Delivery aggregate: the shop's own rider brings a taken order to the customer.
 * Started (automatically, when the shop took the order) → Completed (the rider);
 * Started → Canceled (the order was canceled: the rider is called back).
 */
import { cancelOrMark, StateMachine, type Decision, type Tracked } from "../shared/domain";
import { detailsOf, fishEvent, type CancelReason, type FishOrderDetails, type OrderDetailsData } from "./events";

export type DeliveryStatus = "Started" | "Completed" | "Canceled";

export interface Delivery extends Tracked<DeliveryStatus>, FishOrderDetails {
	orderId: string;
}

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	Started: ["Completed", "Canceled"],
	Completed: [],
	Canceled: []
});

function delivery(order: OrderDetailsData, status: DeliveryStatus, now: string): Delivery {
	return { id: order.orderId, orderId: order.orderId, ...detailsOf(order), status, createdAt: now, updatedAt: now };
}

/** Packing done (OrderTaken): the rider sets off. Once per order; never for an order canceled first. */
export function onOrderTaken(current: Delivery | null, order: OrderDetailsData, now: string): Decision<Delivery> | null {
	if (current) return null;
	return {
		state: delivery(order, "Started", now),
		events: [fishEvent("DeliveryStarted", { orderId: order.orderId, customerName: order.customerName, address: order.address })]
	};
}

export function complete(d: Delivery, now: string): Decision<Delivery> {
	return {
		state: { ...d, status: deliveryMachine.move(d.status, "Completed", "complete"), updatedAt: now },
		events: [fishEvent("DeliveryCompleted", { orderId: d.orderId, customerName: d.customerName })]
	};
}

/**
 * The order was canceled. The order refuses a cancel once it knows the delivery started; one that crossed
 * the start on the way still calls the rider back. Arriving before OrderTaken, it leaves a canceled marker.
 * An order whose payment failed was never established, so it was never taken: nothing to do.
 */
export function onOrderCanceled(current: Delivery | null, order: OrderDetailsData & { reason: CancelReason }, now: string): Decision<Delivery> | null {
	if (order.reason === "payment-failed") return null;
	return cancelOrMark(deliveryMachine, current, "Canceled", now, () => delivery(order, "Canceled", now), d => [
		fishEvent("DeliveryCanceled", { orderId: d.orderId, customerName: d.customerName })
	]);
}
