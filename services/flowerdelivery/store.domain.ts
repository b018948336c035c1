/**
 * StoreOrder aggregate (the seed's "ordermanagement"): the shop owner's view of an order to decorate.
 * Received → Accepted → Decorated; Received | Accepted → Rejected; any but Rejected → Cancelled (customer).
 */
import { earlier, StateMachine, touch, type Decision } from "../../domain";
import { flowerEvent, type FlowerEvents } from "./events";

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

export type OrderPlacedData = FlowerEvents["OrderPlaced"];

export const storeOrderMachine = new StateMachine<StoreOrderStatus>("StoreOrder", {
	Received: ["Accepted", "Rejected", "Cancelled"],
	Accepted: ["Decorated", "Rejected", "Cancelled"],
	Decorated: ["Cancelled"],
	Rejected: [],
	Cancelled: []
});

/**
 * A placed order reaches the shop. Once; a cancel that overtook it left a cancelled marker, which now only
 * learns the order's details (so both arrival orders end in the same record).
 */
export function onOrderPlaced(current: StoreOrder | null, d: OrderPlacedData, now: string): Decision<StoreOrder> | null {
	const details = { storeName: d.storeName, itemName: d.itemName, qty: d.qty, userName: d.userName };
	if (!current) return { state: { id: d.orderId, orderId: d.orderId, ...details, status: "Received", createdAt: now, updatedAt: now }, events: [] };
	if (current.itemName !== "") return null; // known already
	return { state: { ...touch(current, now, details), createdAt: earlier(current.createdAt, now) }, events: [] };
}

function move(o: StoreOrder, to: StoreOrderStatus, command: string, now: string, patch: Partial<StoreOrder> = {}): StoreOrder {
	return touch(o, now, { ...patch, status: storeOrderMachine.move(o.status, to, command) });
}

export function accept(o: StoreOrder, now: string): Decision<StoreOrder> {
	return { state: move(o, "Accepted", "accept", now), events: [flowerEvent("OrderAccepted", { orderId: o.orderId, storeName: o.storeName })] };
}

export function reject(o: StoreOrder, reason: string, now: string): Decision<StoreOrder> {
	return {
		state: move(o, "Rejected", "reject", now, { rejectReason: reason }),
		events: [flowerEvent("OrderRejected", { orderId: o.orderId, storeName: o.storeName, reason })]
	};
}

export function decorate(o: StoreOrder, now: string): Decision<StoreOrder> {
	return {
		state: move(o, "Decorated", "complete decoration", now),
		events: [flowerEvent("DecorationCompleted", { orderId: o.orderId, storeName: o.storeName, itemName: o.itemName, qty: o.qty, userName: o.userName })]
	};
}

/** The customer cancelled: stop work on it. Arriving before OrderPlaced, it leaves a cancelled marker. */
export function onOrderCancelled(current: StoreOrder | null, d: FlowerEvents["OrderCancelled"], now: string): Decision<StoreOrder> | null {
	if (!current) {
		return { state: { id: d.orderId, orderId: d.orderId, storeName: d.storeName, itemName: "", qty: 0, userName: d.userName, status: "Cancelled", createdAt: now, updatedAt: now }, events: [] };
	}
	if (!storeOrderMachine.can(current.status, "Cancelled")) return null;
	return { state: touch(current, now, { status: "Cancelled" }), events: [] };
}
