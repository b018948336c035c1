/**
 * Delivery aggregate: a rider's job for one decorated order. It owns the saga's pivot: once the rider has
 * started, the order can no longer be cancelled. A cancel is asked of it (`acceptCancel`), and its answer is
 * final: either the delivery is cancelled (and will never start) or the rider has started (the cancel is
 * refused). Both are decided on this one aggregate, so a cancel and a start that cross are serialized.
 * Requested → Started → Completed; Requested → Cancelled (the order's cancel, accepted).
 */
import { earlier, illegalTransition, StateMachine, touch, type Decision } from "../../domain";
import { flowerEvent, type FlowerEvents } from "./events";

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

export type DecorationCompletedData = FlowerEvents["DecorationCompleted"];

/** What the order asks when its customer cancels: the order itself (a delivery cancelled before it was requested is still a full record). */
export interface CancelRequest {
	orderId: string;
	userName: string;
	storeName: string;
	itemName: string;
	qty: number;
}

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	Requested: ["Started", "Cancelled"],
	Started: ["Completed"],
	Completed: [],
	Cancelled: []
});

/** A decorated order asks for a rider. Once; never for an order whose cancel was accepted first. */
export function onDecorationCompleted(current: Delivery | null, d: DecorationCompletedData, now: string): Decision<Delivery> | null {
	const details = { storeName: d.storeName, itemName: d.itemName, qty: d.qty, userName: d.userName };
	if (!current) {
		const delivery: Delivery = { id: d.orderId, orderId: d.orderId, ...details, status: "Requested", createdAt: now, updatedAt: now };
		return { state: delivery, events: [flowerEvent("DeliveryRequested", { orderId: d.orderId, storeName: d.storeName, userName: d.userName })] };
	}
	// Requested already, or cancelled first (it never will be): only the earliest time it was heard of moves.
	if (current.createdAt <= now) return null;
	return { state: { ...current, createdAt: earlier(current.createdAt, now) }, events: [] };
}

function move(dl: Delivery, to: DeliveryStatus, command: string, now: string): Delivery {
	return touch(dl, now, { status: deliveryMachine.move(dl.status, to, command) });
}

/** The rider starts: the pivot. Refused (409) once the order's cancel was accepted. */
export function start(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "Started", "start", now), events: [flowerEvent("DeliveryStarted", { orderId: dl.orderId, userName: dl.userName })] };
}

export function complete(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "Completed", "complete", now), events: [flowerEvent("DeliveryCompleted", { orderId: dl.orderId, userName: dl.userName })] };
}

function cancelledRecord(req: CancelRequest, now: string): Delivery {
	return { id: req.orderId, orderId: req.orderId, storeName: req.storeName, itemName: req.itemName, qty: req.qty, userName: req.userName, status: "Cancelled", createdAt: now, updatedAt: now };
}

/**
 * The order asks to be cancelled (the synchronous step of its cancel). Accepted until the rider starts —
 * also before a delivery was even requested (a cancelled record then stops it from ever being requested) —
 * and told (DeliveryCancelled), so the order cancels even if it crashes before writing the answer.
 * Asked again, an accepted cancel is accepted again; after the start it is refused with the status (409).
 */
export function acceptCancel(current: Delivery | null, req: CancelRequest, now: string): Decision<Delivery> | null {
	if (current?.status === "Cancelled") return null;
	if (current && !deliveryMachine.can(current.status, "Cancelled")) throw illegalTransition("Delivery", current.status, "cancel");
	const cancelled = current ? touch(current, now, { status: "Cancelled" }) : cancelledRecord(req, now);
	return { state: cancelled, events: [flowerEvent("DeliveryCancelled", { orderId: req.orderId, userName: req.userName })] };
}

/** The order was cancelled (after this context accepted it, which left its record): nothing is left to do but make sure. */
export function onOrderCancelled(current: Delivery | null, d: FlowerEvents["OrderCancelled"], now: string): Decision<Delivery> | null {
	if (!current) return null;
	if (!deliveryMachine.can(current.status, "Cancelled")) return null;
	return { state: touch(current, now, { status: "Cancelled" }), events: [flowerEvent("DeliveryCancelled", { orderId: d.orderId, userName: current.userName })] };
}
