/**
 * Order aggregate (core context): the customer's order of one product, in the seed's spelling.
 *
 *   payPending → ordered (paid, waiting for stock) → deliveryPrepared → deliveryStarted → deliveryCompleted
 *   ordered | deliveryPrepared → canceled (the customer, until the delivery has started; then 409)
 *   ordered → rejected (out of stock: the pay is cancelled by compensation)
 *   payPending → payFailed (declined, unavailable or timed out: never established)
 *
 * A cancel is decided by the delivery context, which owns the pivot (the courier starting): the order asks
 * it, and cancels once it accepted — or when its acceptance arrives as a fact (DeliveryCanceled), should this
 * context have crashed before writing the answer.
 *
 * The order follows the other contexts' facts forward only. A cancel and the product's refusal can cross
 * (the customer cancels while the product finds no stock): the order ends `rejected` whichever came first,
 * and the pay, cancelled by both, is cancelled once.
 */
import { advance, DomainError, illegalTransition, later, StateMachine, touch, type Decision, type PlacementOutcome, type Tracked } from "../../domain";
import { lineOf, productOrderEvent, type OrderLine, type OutOfStockReason, type ProductOrderEvents } from "./events";

export type OrderStatus = "payPending" | "payFailed" | "ordered" | "deliveryPrepared" | "deliveryStarted" | "deliveryCompleted" | "canceled" | "rejected";
export type OrderDeliveryStatus = "prepared" | "started" | "completed" | "canceled";
export type OrderPayStatus = "approved" | "canceled";

/** What a placement takes: the line and whose order it is. */
export interface OrderInput extends OrderLine {
	customer: string;
}

export interface Order extends Tracked<OrderStatus>, OrderInput {
	/** orderQty × price, paid when the order is placed. */
	amount: number;
	payStatus?: OrderPayStatus;
	deliveryStatus?: OrderDeliveryStatus;
	/** Why the placement failed (payFailed). */
	failureReason?: string;
	/** Why the product refused it (rejected). */
	rejectReason?: OutOfStockReason;
}

export const orderMachine = new StateMachine<OrderStatus>("Order", {
	payPending: ["ordered", "payFailed"],
	payFailed: [],
	ordered: ["deliveryPrepared", "deliveryStarted", "deliveryCompleted", "canceled", "rejected"],
	deliveryPrepared: ["deliveryStarted", "deliveryCompleted", "canceled"],
	deliveryStarted: ["deliveryCompleted"],
	deliveryCompleted: [],
	// A cancel accepted while the product was refusing the order: the refusal is the last word.
	canceled: ["rejected"],
	rejected: []
});

/** How far an order has got: facts fold its status forward only, by this rank. */
export const ORDER_PROGRESS: Readonly<Record<OrderStatus, number>> = {
	payPending: 0,
	ordered: 1,
	deliveryPrepared: 2,
	deliveryStarted: 3,
	deliveryCompleted: 4,
	canceled: 8,
	payFailed: 9,
	rejected: 9
};

export const DELIVERY_PROGRESS: Readonly<Record<OrderDeliveryStatus, number>> = { prepared: 1, started: 2, completed: 3, canceled: 3 };
export const PAY_PROGRESS: Readonly<Record<OrderPayStatus, number>> = { approved: 1, canceled: 2 };

const CANCELLABLE: readonly OrderStatus[] = ["ordered", "deliveryPrepared"];

/** The failure reason of a declined pay (a final answer: replayed as 402). */
export const DECLINED = "PAYMENT_DECLINED";

/** A new order, waiting for its pay: nothing is published until it is paid. */
export function startPlacement(id: string, input: OrderInput, now: string): Decision<Order> {
	return { state: { id, customer: input.customer, ...lineOf(input), amount: input.orderQty * input.price, status: "payPending", createdAt: now, updatedAt: now }, events: [] };
}

/** What the pay step takes for this order. */
export function payRequest(o: Order): ProductOrderEvents["Ordered"] {
	return { orderId: o.id, customer: o.customer, amount: o.amount, ...lineOf(o) };
}

/** Paid: the order is established and told (Ordered) — null when it is no longer waiting (closed meanwhile). */
export function paySucceeded(order: Order, now: string): Decision<Order> | null {
	if (order.status !== "payPending") return null;
	const ordered = touch(order, now, { status: "ordered", payStatus: "approved" });
	return { state: ordered, events: [productOrderEvent("Ordered", payRequest(ordered))] };
}

/** The pay was declined, unavailable or of unknown outcome: the order is not established, and a pay that lands late is cancelled. */
export function payFailed(order: Order, reason: string, now: string): Decision<Order> | null {
	if (order.status !== "payPending") return null;
	return {
		state: touch(order, now, { status: "payFailed", failureReason: reason }),
		events: [productOrderEvent("OrderPlacementFailed", { orderId: order.id, customer: order.customer, reason })]
	};
}

/** What a placement came to, for a repeat of its request (same Idempotency-Key). */
export function placementOutcome(order: Order): PlacementOutcome<DomainError> {
	if (order.status === "payPending") return "pending";
	if (order.status !== "payFailed") return "established";
	if (order.failureReason === DECLINED) return new DomainError("Declined", "Pay declined", { orderId: order.id });
	return "retry";
}

/** Refuses at once a cancel the order itself rules out (409 with its status). */
export function checkCancel(order: Order): void {
	if (!CANCELLABLE.includes(order.status)) throw illegalTransition("Order", order.status, "cancel");
}

/** What the delivery context (the pivot's owner) is asked. */
export interface CancelRequest {
	orderId: string;
	customer: string;
	itemcd: string;
}

export function cancelRequest(order: Order): CancelRequest {
	return { orderId: order.id, customer: order.customer, itemcd: order.itemcd };
}

/** The delivery refused: the courier has started (or finished). The 409 names the order's real status. */
export function cancelRefused(order: Order, refusal: { status: string }): DomainError {
	const status: OrderStatus = refusal.status === "completed" ? "deliveryCompleted" : refusal.status === "started" ? "deliveryStarted" : order.status;
	return illegalTransition("Order", status, "cancel", { deliveryStatus: refusal.status });
}

/** The delivery accepted the cancel: the order is cancelled; its pay is cancelled and its units come back (OrderCanceled). */
export function cancel(order: Order, now: string): Decision<Order> | null {
	if (order.status === "canceled") return null; // the delivery's DeliveryCanceled got here first
	checkCancel(order);
	return {
		state: touch(order, now, { status: "canceled", deliveryStatus: advance(DELIVERY_PROGRESS, order.deliveryStatus, "canceled") }),
		events: [productOrderEvent("OrderCanceled", { orderId: order.id, customer: order.customer, itemcd: order.itemcd, orderQty: order.orderQty })]
	};
}

export type OrderFact = keyof Pick<ProductOrderEvents, "DeliveryPrepared" | "OutOfStock" | "DeliveryStarted" | "DeliveryCompleted" | "DeliveryCanceled" | "PayCanceled">;

/** What the order learns from each fact: the status it moves towards and the fields it moves forward. */
const LEARNS: Readonly<Record<OrderFact, { status?: OrderStatus; delivery?: OrderDeliveryStatus; pay?: OrderPayStatus }>> = {
	DeliveryPrepared: { status: "deliveryPrepared", delivery: "prepared" },
	OutOfStock: { status: "rejected" },
	DeliveryStarted: { status: "deliveryStarted", delivery: "started" },
	DeliveryCompleted: { status: "deliveryCompleted", delivery: "completed" },
	DeliveryCanceled: { delivery: "canceled" },
	PayCanceled: { pay: "canceled" }
};

export const ORDER_FACTS = Object.keys(LEARNS) as OrderFact[];

/**
 * Facts arrive on separate channels, in any order: each moves the order forward only — the status by rank
 * (when the machine allows it), each field by its own progress, `updatedAt` to the latest fact — so any
 * permutation folds to the same order. A DeliveryCanceled for an order still cancellable is the delivery's
 * acceptance of a cancel whose answer this context did not get to write: the order is cancelled now.
 */
export function onFact(order: Order, fact: OrderFact, data: Readonly<Record<string, unknown>>, now: string): Decision<Order> | null {
	if (order.status === "payPending" || order.status === "payFailed") return null; // never established: no facts about it
	if (fact === "DeliveryCanceled" && CANCELLABLE.includes(order.status)) return cancel(order, now);
	const learns = LEARNS[fact];
	const patch: Partial<Order> = {};
	if (learns.status && ORDER_PROGRESS[learns.status] > ORDER_PROGRESS[order.status] && orderMachine.can(order.status, learns.status)) patch.status = learns.status;
	if (learns.delivery) patch.deliveryStatus = advance(DELIVERY_PROGRESS, order.deliveryStatus, learns.delivery);
	if (learns.pay) patch.payStatus = advance(PAY_PROGRESS, order.payStatus, learns.pay);
	if (fact === "OutOfStock" && order.rejectReason === undefined && (data.reason === "short" || data.reason === "unknownItem")) patch.rejectReason = data.reason;
	const changed = Object.entries(patch).some(([k, v]) => order[k as keyof Order] !== v) || later(order.updatedAt, now) !== order.updatedAt;
	return changed ? { state: touch(order, now, patch), events: [] } : null;
}
