/**
 * Order aggregate (core context): the customer's order and its life cycle.
 *
 * PaymentPending → Placed → Accepted → Decorated → Delivering → Delivered;
 * Placed | Accepted | Decorated → Cancelled (customer); Placed | Accepted → Rejected (store);
 * PaymentPending → PaymentFailed (declined, unavailable or timed out: never established).
 */
import { DomainError, StateMachine, type Decision, type EventDraft } from "../shared/domain";

export type OrderStatus = "PaymentPending" | "PaymentFailed" | "Placed" | "Accepted" | "Decorated" | "Delivering" | "Delivered" | "Cancelled" | "Rejected";

export interface OrderInput {
	storeName: string;
	itemName: string;
	qty: number;
	itemPrice: number;
	userName: string;
}

export interface Order extends OrderInput {
	id: string;
	amount: number;
	status: OrderStatus;
	paymentStatus?: "Approved" | "Refunded";
	deliveryStatus?: "Requested" | "Started" | "Completed" | "Cancelled";
	failureReason?: string;
	rejectReason?: string;
	createdAt: string;
	updatedAt: string;
}

export const orderMachine = new StateMachine<OrderStatus>("Order", {
	PaymentPending: ["Placed", "PaymentFailed"],
	PaymentFailed: [],
	Placed: ["Accepted", "Decorated", "Delivering", "Delivered", "Cancelled", "Rejected"],
	Accepted: ["Decorated", "Delivering", "Delivered", "Cancelled", "Rejected"],
	Decorated: ["Delivering", "Delivered", "Cancelled"],
	Delivering: ["Delivered"],
	Delivered: [],
	Cancelled: [],
	Rejected: []
});

/** How far an established order has progressed; facts from other contexts only ever move it forward. */
export const ORDER_PROGRESS: Record<OrderStatus, number> = {
	PaymentPending: 0,
	Placed: 1,
	Accepted: 2,
	Decorated: 3,
	Delivering: 4,
	Delivered: 5,
	PaymentFailed: 9,
	Cancelled: 9,
	Rejected: 9
};

const CANCELLABLE: OrderStatus[] = ["Placed", "Accepted", "Decorated"];

function touch(order: Order, now: string, patch: Partial<Order>): Order {
	return { ...order, ...patch, updatedAt: now };
}

function orderPlaced(o: Order): EventDraft {
	return { type: "OrderPlaced", data: { orderId: o.id, storeName: o.storeName, itemName: o.itemName, qty: o.qty, itemPrice: o.itemPrice, userName: o.userName } };
}

/** A new order waiting for its payment: nothing is published until payment succeeds. */
export function startPlacement(id: string, input: OrderInput, now: string): Decision<Order> {
	return {
		state: { id, ...input, amount: input.qty * input.itemPrice, status: "PaymentPending", createdAt: now, updatedAt: now },
		events: []
	};
}

export function paymentSucceeded(order: Order, now: string): Decision<Order> {
	const status = orderMachine.move(order.status, "Placed", "complete placement");
	const placed = touch(order, now, { status, paymentStatus: "Approved" });
	return { state: placed, events: [orderPlaced(placed)] };
}

/** Payment declined, unavailable or of unknown outcome: the order is not established, and any late charge is refunded. */
export function paymentFailed(order: Order, reason: string, now: string): Decision<Order> | null {
	if (order.status !== "PaymentPending") return null;
	return {
		state: touch(order, now, { status: "PaymentFailed", failureReason: reason }),
		events: [{ type: "OrderPlacementFailed", data: { orderId: order.id, userName: order.userName, reason } }]
	};
}

export function cancel(order: Order, now: string): Decision<Order> {
	if (!CANCELLABLE.includes(order.status)) throw new DomainError("IllegalTransition", `Order is ${order.status}: cannot cancel`, { status: order.status, command: "cancel" });
	return {
		state: touch(order, now, { status: "Cancelled" }),
		events: [{ type: "OrderCancelled", data: { orderId: order.id, userName: order.userName, storeName: order.storeName } }]
	};
}

/** A fact from another context moves the order forward; late or duplicate facts change nothing. */
export function progress(order: Order, to: OrderStatus, now: string, patch: Partial<Order> = {}): Decision<Order> | null {
	if (ORDER_PROGRESS[to] <= ORDER_PROGRESS[order.status] || !orderMachine.can(order.status, to)) {
		return Object.keys(patch).length ? { state: touch(order, now, patch), events: [] } : null;
	}
	return { state: touch(order, now, { ...patch, status: to }), events: [] };
}

export type OrderFact =
	| { type: "OrderAccepted" }
	| { type: "DecorationCompleted" }
	| { type: "OrderRejected"; reason: string }
	| { type: "DeliveryStarted" }
	| { type: "DeliveryCompleted" }
	| { type: "DeliveryCancelled" }
	| { type: "PaymentCancelled" };

/** How the order folds the facts it subscribes to. */
export function onFact(order: Order, fact: OrderFact, now: string): Decision<Order> | null {
	switch (fact.type) {
		case "OrderAccepted":
			return progress(order, "Accepted", now);
		case "DecorationCompleted":
			return progress(order, "Decorated", now);
		case "OrderRejected":
			return progress(order, "Rejected", now, { rejectReason: fact.reason });
		case "DeliveryStarted":
			return progress(order, "Delivering", now, { deliveryStatus: "Started" });
		case "DeliveryCompleted":
			return progress(order, "Delivered", now, { deliveryStatus: "Completed" });
		case "DeliveryCancelled":
			return { state: touch(order, now, { deliveryStatus: "Cancelled" }), events: [] };
		case "PaymentCancelled":
			return { state: touch(order, now, { paymentStatus: "Refunded" }), events: [] };
	}
}
