/**
 * Order aggregate (core context): the customer's sashimi order.
 *
 * PaymentPending → Placed (paid) → Taken (the shop took it) → Delivering → Delivered;
 * Placed | Taken → Canceled (the customer, until the delivery has started);
 * PaymentPending → PaymentFailed (payment failed or timed out: the order is never established).
 *
 * A cancel is decided by the delivery context, which owns the pivot (the delivery starting): the order asks
 * it, and cancels once it accepted — or when its acceptance arrives as a fact (DeliveryCanceled).
 */
import { advance, DomainError, illegalTransition, later, StateMachine, touch, type Decision, type PlacementOutcome, type Tracked } from "../../domain";
import { detailsOf, fishEvent, type FishEvents, type FishOrderDetails, type OrderDetailsData } from "./events";

export type OrderStatus = "PaymentPending" | "PaymentFailed" | "Placed" | "Taken" | "Delivering" | "Delivered" | "Canceled";

export interface Order extends Tracked<OrderStatus>, FishOrderDetails {
	paymentStatus?: "Approved" | "Canceled";
	deliveryStatus?: "Started" | "Completed" | "Canceled";
	/** Why the payment failed (PaymentFailed only). */
	failureReason?: string;
}

export const orderMachine = new StateMachine<OrderStatus>("Order", {
	PaymentPending: ["Placed", "PaymentFailed"],
	PaymentFailed: [],
	Placed: ["Taken", "Delivering", "Delivered", "Canceled"],
	Taken: ["Delivering", "Delivered", "Canceled"],
	Delivering: ["Delivered"],
	Delivered: [],
	Canceled: []
});

/** How far an order has got: statuses are folded forward only, by this rank. */
export const ORDER_PROGRESS: Readonly<Record<OrderStatus, number>> = {
	PaymentPending: 0,
	Placed: 1,
	Taken: 2,
	Delivering: 3,
	Delivered: 4,
	PaymentFailed: 9,
	Canceled: 9
};

const PAYMENT_PROGRESS = { Approved: 1, Canceled: 2 } as const;
const DELIVERY_PROGRESS = { Started: 1, Completed: 2, Canceled: 2 } as const;
const CANCELLABLE: readonly OrderStatus[] = ["Placed", "Taken"];

/** A new order, waiting for its payment: nothing is published until it is paid. */
export function startPlacement(id: string, details: FishOrderDetails, now: string): Decision<Order> {
	return { state: { id, ...detailsOf(details), status: "PaymentPending", createdAt: now, updatedAt: now }, events: [] };
}

/** Paid: the order is established and the seed's first fact, OrderPlaced, is told. */
export function paid(order: Order, now: string): Decision<Order> {
	const status = orderMachine.move(order.status, "Placed", "complete placement");
	return {
		state: touch(order, now, { status, paymentStatus: "Approved" }),
		events: [fishEvent("OrderPlaced", { orderId: order.id, ...detailsOf(order) })]
	};
}

/**
 * The payment failed or its outcome is unknown (timeout): the order is not established. It is told as
 * canceled, so a payment that lands late is canceled too (the shop and the rider never heard of it).
 */
export function paymentFailed(order: Order, reason: string, now: string): Decision<Order> | null {
	if (order.status !== "PaymentPending") return null;
	return {
		state: touch(order, now, { status: "PaymentFailed", failureReason: reason }),
		events: [fishEvent("OrderCanceled", { orderId: order.id, ...detailsOf(order), reason: "payment-failed" })]
	};
}

/** What a placement came to, for a repeat of its request (same Idempotency-Key). */
export function placementOutcome(order: Order): PlacementOutcome<DomainError> {
	if (order.status === "PaymentPending") return "pending";
	return order.status === "PaymentFailed" ? "retry" : "established";
}

/** Refuses at once a cancel the order itself rules out (409 with its status). */
export function checkCancel(order: Order): void {
	if (!CANCELLABLE.includes(order.status)) throw illegalTransition("Order", order.status, "cancel");
}

/** What the delivery context (the pivot's owner) is asked: the order, so a delivery cancelled before it started is a full record. */
export function cancelRequest(order: Order): OrderDetailsData {
	return { orderId: order.id, ...detailsOf(order) };
}

/** The delivery refused: it has started (or is done). The 409 names the order's real status. */
export function cancelRefused(order: Order, refusal: { status: string }): DomainError {
	const status: OrderStatus = refusal.status === "Completed" ? "Delivered" : refusal.status === "Started" ? "Delivering" : order.status;
	return illegalTransition("Order", status, "cancel", { deliveryStatus: refusal.status });
}

/** The delivery accepted the cancel: the order is canceled, and with it its payment and the shop's order (OrderCanceled). */
export function cancel(order: Order, now: string): Decision<Order> | null {
	if (order.status === "Canceled") return null; // the delivery's DeliveryCanceled got here first
	checkCancel(order);
	return {
		state: touch(order, now, { status: "Canceled", deliveryStatus: advance(DELIVERY_PROGRESS, order.deliveryStatus, "Canceled") }),
		events: [fishEvent("OrderCanceled", { orderId: order.id, ...detailsOf(order), reason: "customer" })]
	};
}

export type OrderFact = keyof Pick<FishEvents, "OrderTaken" | "DeliveryStarted" | "DeliveryCompleted" | "DeliveryCanceled" | "PayCanceled">;

/** What the order learns from each fact of the other contexts. */
const LEARNS: Readonly<Record<OrderFact, { status?: OrderStatus; delivery?: NonNullable<Order["deliveryStatus"]>; payment?: "Canceled" }>> = {
	OrderTaken: { status: "Taken" },
	DeliveryStarted: { status: "Delivering", delivery: "Started" },
	DeliveryCompleted: { status: "Delivered", delivery: "Completed" },
	DeliveryCanceled: { delivery: "Canceled" },
	PayCanceled: { payment: "Canceled" }
};

export const ORDER_FACTS = Object.keys(LEARNS) as OrderFact[];

/**
 * Facts arrive on separate channels, in any order: each moves the order forward only (the status by rank,
 * each field by its own progress, `updatedAt` to the latest fact), so any permutation folds to the same
 * order. A DeliveryCanceled for an order still cancellable is the delivery's acceptance of a cancel whose
 * answer this context did not get to write: the order is canceled now.
 */
export function onFact(order: Order, fact: OrderFact, now: string): Decision<Order> | null {
	if (order.status === "PaymentPending" || order.status === "PaymentFailed") return null;
	if (fact === "DeliveryCanceled" && CANCELLABLE.includes(order.status)) return cancel(order, now);
	const learns = LEARNS[fact];
	const patch: Partial<Order> = {};
	if (learns.status && ORDER_PROGRESS[learns.status] > ORDER_PROGRESS[order.status] && orderMachine.can(order.status, learns.status)) patch.status = learns.status;
	if (learns.delivery) patch.deliveryStatus = advance(DELIVERY_PROGRESS, order.deliveryStatus, learns.delivery);
	if (learns.payment) patch.paymentStatus = advance(PAYMENT_PROGRESS, order.paymentStatus, learns.payment);
	const changed = Object.entries(patch).some(([k, v]) => order[k as keyof Order] !== v) || later(order.updatedAt, now) !== order.updatedAt;
	return changed ? { state: touch(order, now, patch), events: [] } : null;
}
