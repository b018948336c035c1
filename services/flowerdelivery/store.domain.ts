/**
 * StoreOrder aggregate (the seed's "ordermanagement"): the shop owner's view of an order to decorate.
 * Received → Accepted → Decorated; Received | Accepted → Rejected; any but Rejected → Cancelled (customer).
 */
import { StateMachine, type Decision } from "../shared/domain";

export type StoreOrderStatus = "Received" | "Accepted" | "Decorated" | "Rejected" | "Cancelled";

export interface StoreOrder {
	id: string;
	orderId: string;
	storeName: string;
	itemName: string;
	qty: number;
	userName: string;
	status: StoreOrderStatus;
	rejectReason?: string;
	createdAt: string;
	updatedAt: string;
}

export interface OrderPlacedData {
	orderId: string;
	storeName: string;
	itemName: string;
	qty: number;
	userName: string;
}

export const storeOrderMachine = new StateMachine<StoreOrderStatus>("StoreOrder", {
	Received: ["Accepted", "Rejected", "Cancelled"],
	Accepted: ["Decorated", "Rejected", "Cancelled"],
	Decorated: ["Cancelled"],
	Rejected: [],
	Cancelled: []
});

export function onOrderPlaced(current: StoreOrder | null, d: OrderPlacedData, now: string): Decision<StoreOrder> | null {
	if (current) return null; // already known (or cancelled before it arrived)
	return {
		state: { id: d.orderId, orderId: d.orderId, storeName: d.storeName, itemName: d.itemName, qty: d.qty, userName: d.userName, status: "Received", createdAt: now, updatedAt: now },
		events: []
	};
}

function move(o: StoreOrder, to: StoreOrderStatus, command: string, now: string, patch: Partial<StoreOrder> = {}): StoreOrder {
	return { ...o, ...patch, status: storeOrderMachine.move(o.status, to, command), updatedAt: now };
}

export function accept(o: StoreOrder, now: string): Decision<StoreOrder> {
	return { state: move(o, "Accepted", "accept", now), events: [{ type: "OrderAccepted", data: { orderId: o.orderId, storeName: o.storeName } }] };
}

export function reject(o: StoreOrder, reason: string, now: string): Decision<StoreOrder> {
	return {
		state: move(o, "Rejected", "reject", now, { rejectReason: reason }),
		events: [{ type: "OrderRejected", data: { orderId: o.orderId, storeName: o.storeName, reason } }]
	};
}

export function decorate(o: StoreOrder, now: string): Decision<StoreOrder> {
	return {
		state: move(o, "Decorated", "complete decoration", now),
		events: [{ type: "DecorationCompleted", data: { orderId: o.orderId, storeName: o.storeName, itemName: o.itemName, qty: o.qty, userName: o.userName } }]
	};
}

/** The customer cancelled: stop work on it. Arriving before OrderPlaced, it leaves a cancelled marker. */
export function onOrderCancelled(current: StoreOrder | null, d: { orderId: string; storeName: string; userName: string }, now: string): Decision<StoreOrder> | null {
	if (!current) {
		return { state: { id: d.orderId, orderId: d.orderId, storeName: d.storeName, itemName: "", qty: 0, userName: d.userName, status: "Cancelled", createdAt: now, updatedAt: now }, events: [] };
	}
	if (!storeOrderMachine.can(current.status, "Cancelled")) return null;
	return { state: { ...current, status: "Cancelled", updatedAt: now }, events: [] };
}
