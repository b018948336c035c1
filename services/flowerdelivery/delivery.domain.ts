/**
 * Delivery aggregate: a rider's job for one decorated order.
 * Requested → Started → Completed; Requested | Started → Cancelled (the order was cancelled).
 */
import { StateMachine, type Decision } from "../shared/domain";

export type DeliveryStatus = "Requested" | "Started" | "Completed" | "Cancelled";

export interface Delivery {
	id: string;
	orderId: string;
	storeName: string;
	itemName: string;
	qty: number;
	userName: string;
	status: DeliveryStatus;
	createdAt: string;
	updatedAt: string;
}

export interface DecorationCompletedData {
	orderId: string;
	storeName: string;
	itemName: string;
	qty: number;
	userName: string;
}

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	Requested: ["Started", "Cancelled"],
	// The order context accepts a cancel until it has heard DeliveryStarted; a cancel it accepted while that
	// event was on its way recalls the rider, so a refunded order is never delivered.
	Started: ["Completed", "Cancelled"],
	Completed: [],
	Cancelled: []
});

export function onDecorationCompleted(current: Delivery | null, d: DecorationCompletedData, now: string): Decision<Delivery> | null {
	if (current) return null; // already requested, or the order was cancelled first
	const delivery: Delivery = { id: d.orderId, orderId: d.orderId, storeName: d.storeName, itemName: d.itemName, qty: d.qty, userName: d.userName, status: "Requested", createdAt: now, updatedAt: now };
	return { state: delivery, events: [{ type: "DeliveryRequested", data: { orderId: d.orderId, storeName: d.storeName, userName: d.userName } }] };
}

function move(dl: Delivery, to: DeliveryStatus, command: string, now: string): Delivery {
	return { ...dl, status: deliveryMachine.move(dl.status, to, command), updatedAt: now };
}

export function start(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "Started", "start", now), events: [{ type: "DeliveryStarted", data: { orderId: dl.orderId, userName: dl.userName } }] };
}

export function complete(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "Completed", "complete", now), events: [{ type: "DeliveryCompleted", data: { orderId: dl.orderId, userName: dl.userName } }] };
}

/**
 * The order was cancelled: a waiting (or just started: the rider is recalled) delivery is cancelled; one not
 * requested yet never will be; a completed one stays completed.
 */
export function onOrderCancelled(current: Delivery | null, d: { orderId: string; storeName: string; userName: string }, now: string): Decision<Delivery> | null {
	if (!current) {
		return { state: { id: d.orderId, orderId: d.orderId, storeName: d.storeName, itemName: "", qty: 0, userName: d.userName, status: "Cancelled", createdAt: now, updatedAt: now }, events: [] };
	}
	if (!deliveryMachine.can(current.status, "Cancelled")) return null;
	return { state: { ...current, status: "Cancelled", updatedAt: now }, events: [{ type: "DeliveryCancelled", data: { orderId: d.orderId, userName: current.userName } }] };
}
