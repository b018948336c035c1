/**
 * Order aggregate (core context): the customer's order and its life cycle.
 *
 * PaymentPending → Placed → Accepted → Decorated → Delivering → Delivered;
 * Placed | Accepted | Decorated → Cancelled (customer); Placed | Accepted → Rejected (store);
 * PaymentPending → PaymentFailed (declined, unavailable or timed out: never established).
 *
 * A cancel is decided by the delivery context, which owns the saga's pivot (the rider starting): the order
 * asks it (`cancelRequest`), and cancels only once it accepted (`cancel`), or when its acceptance arrives as
 * a fact (DeliveryCancelled) — so a refunded order is never delivered, whatever the interleaving.
 */
import { advance, DomainError, illegalTransition, later, StateMachine, touch, type Decision, type PlacementOutcome } from "../../domain";
import { flowerEvent, type FlowerEvents } from "./events";

export type OrderStatus = "PaymentPending" | "PaymentFailed" | "Placed" | "Accepted" | "Decorated" | "Delivering" | "Delivered" | "Cancelled" | "Rejected";
export type OrderDeliveryStatus = "Requested" | "Started" | "Completed" | "Cancelled";

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
	deliveryStatus?: OrderDeliveryStatus;
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
	Rejected: 9,
	// Above Rejected: the order learns its own cancel at once, a rejection only as an event; when a store's reject
	// crosses a cancel the delivery accepted, every fold (the order, MyPage) ends Cancelled, whatever came first.
	Cancelled: 10
};

export const DELIVERY_PROGRESS: Record<OrderDeliveryStatus, number> = { Requested: 1, Started: 2, Completed: 3, Cancelled: 3 };
const PAYMENT_PROGRESS = { Approved: 1, Refunded: 2 } as const;

const CANCELLABLE: readonly OrderStatus[] = ["Placed", "Accepted", "Decorated"];

/** The failure reason of a declined payment (a final answer: replayed as 402). */
export const DECLINED = "PAYMENT_DECLINED";

function orderPlaced(o: Order) {
	return flowerEvent("OrderPlaced", { orderId: o.id, storeName: o.storeName, itemName: o.itemName, qty: o.qty, itemPrice: o.itemPrice, userName: o.userName });
}

/** A new order waiting for its payment: nothing is published until payment succeeds. */
export function startPlacement(id: string, input: OrderInput, now: string): Decision<Order> {
	return {
		state: { id, ...input, amount: input.qty * input.itemPrice, status: "PaymentPending", createdAt: now, updatedAt: now },
		events: []
	};
}

/** What the pay step takes for this order. */
export function payRequest(o: Order): { orderId: string; userName: string; amount: number } {
	return { orderId: o.id, userName: o.userName, amount: o.amount };
}

/** Paid: the order is established (null when it is no longer waiting: closed meanwhile). */
export function paymentSucceeded(order: Order, now: string): Decision<Order> | null {
	if (order.status !== "PaymentPending") return null;
	const placed = touch(order, now, { status: "Placed", paymentStatus: "Approved" });
	return { state: placed, events: [orderPlaced(placed)] };
}

/** Payment declined, unavailable or of unknown outcome: the order is not established, and any late charge is refunded. */
export function paymentFailed(order: Order, reason: string, now: string): Decision<Order> | null {
	if (order.status !== "PaymentPending") return null;
	return {
		state: touch(order, now, { status: "PaymentFailed", failureReason: reason }),
		events: [flowerEvent("OrderPlacementFailed", { orderId: order.id, userName: order.userName, reason })]
	};
}

/** What a placement came to, for a repeat of its request (same Idempotency-Key). */
export function placementOutcome(order: Order): PlacementOutcome<DomainError> {
	if (order.status === "PaymentPending") return "pending";
	if (order.status !== "PaymentFailed") return "established";
	if (order.failureReason === DECLINED) return new DomainError("Declined", "Payment declined", { orderId: order.id });
	return "retry";
}

/** Refuses at once a cancel the order itself rules out (409 with its status). */
export function checkCancel(order: Order): void {
	if (!CANCELLABLE.includes(order.status)) throw illegalTransition("Order", order.status, "cancel");
}

/** What the delivery context (the pivot's owner) is asked: the order, so a delivery cancelled before it was requested is a full record. */
export function cancelRequest(order: Order): { orderId: string; userName: string; storeName: string; itemName: string; qty: number } {
	return { orderId: order.id, userName: order.userName, storeName: order.storeName, itemName: order.itemName, qty: order.qty };
}

/** The delivery refused: the rider has started (or finished). The 409 names the order's real status. */
export function cancelRefused(order: Order, refusal: { status: string }): DomainError {
	const status: OrderStatus = refusal.status === "Completed" ? "Delivered" : refusal.status === "Started" ? "Delivering" : order.status;
	return illegalTransition("Order", status, "cancel", { deliveryStatus: refusal.status });
}

/** The delivery accepted the cancel: the order is cancelled, its payment refunded and its store order dropped (OrderCancelled). */
export function cancel(order: Order, now: string): Decision<Order> | null {
	if (order.status === "Cancelled") return null; // the delivery's DeliveryCancelled got here first
	checkCancel(order);
	return {
		state: touch(order, now, { status: "Cancelled", deliveryStatus: advance(DELIVERY_PROGRESS, order.deliveryStatus, "Cancelled") }),
		events: [flowerEvent("OrderCancelled", { orderId: order.id, userName: order.userName, storeName: order.storeName })]
	};
}

export type OrderFact = keyof Pick<FlowerEvents, "OrderAccepted" | "DecorationCompleted" | "OrderRejected" | "DeliveryStarted" | "DeliveryCompleted" | "DeliveryCancelled" | "PaymentCancelled">;

/** What the order learns from each fact: the status it moves towards and the fields it moves forward. */
const LEARNS: Readonly<Record<OrderFact, { status?: OrderStatus; delivery?: OrderDeliveryStatus; payment?: "Refunded" }>> = {
	OrderAccepted: { status: "Accepted" },
	DecorationCompleted: { status: "Decorated" },
	OrderRejected: { status: "Rejected" },
	DeliveryStarted: { status: "Delivering", delivery: "Started" },
	DeliveryCompleted: { status: "Delivered", delivery: "Completed" },
	DeliveryCancelled: { delivery: "Cancelled" },
	PaymentCancelled: { payment: "Refunded" }
};

export const ORDER_FACTS = Object.keys(LEARNS) as OrderFact[];

/**
 * Facts arrive on separate channels, in any order: each moves the order forward only — the status by rank,
 * each field by its own progress, `updatedAt` to the latest fact — so any permutation folds to the same order.
 * A DeliveryCancelled for an order still cancellable is the delivery's acceptance of a cancel whose answer
 * this context did not get to write (it crashed): the order is cancelled now, with its compensations.
 */
export function onFact(order: Order, type: OrderFact, data: Readonly<Record<string, unknown>>, now: string): Decision<Order> | null {
	if (order.status === "PaymentPending" || order.status === "PaymentFailed") return null; // never established: no facts about it
	if (type === "DeliveryCancelled" && CANCELLABLE.includes(order.status)) return cancel(order, now);
	const learns = LEARNS[type];
	const patch: Partial<Order> = {};
	if (learns.status && ORDER_PROGRESS[learns.status] > ORDER_PROGRESS[order.status] && orderMachine.can(order.status, learns.status)) patch.status = learns.status;
	if (learns.delivery) patch.deliveryStatus = advance(DELIVERY_PROGRESS, order.deliveryStatus, learns.delivery);
	if (learns.payment) patch.paymentStatus = advance(PAYMENT_PROGRESS, order.paymentStatus, learns.payment);
	if (type === "OrderRejected" && order.rejectReason === undefined && typeof data.reason === "string") patch.rejectReason = data.reason;
	const changed = Object.entries(patch).some(([k, v]) => order[k as keyof Order] !== v) || later(order.updatedAt, now) !== order.updatedAt;
	return changed ? { state: touch(order, now, patch), events: [] } : null;
}
