/**
 * Order aggregate (core context): the customer's sashimi order.
 *
 * PaymentPending → Placed (paid) → Taken (the shop took it) → Delivering → Delivered;
 * Placed | Taken → Canceled (the customer, until the delivery has started);
 * PaymentPending → PaymentFailed (payment failed or timed out: the order is never established).
 */
import { StateMachine, type Decision, type Tracked } from "../shared/domain";
import { detailsOf, fishEvent, type FishOrderDetails } from "./events";

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

/** How far an order has got: the read side folds statuses forward only, by this rank. */
export const ORDER_PROGRESS: Readonly<Record<OrderStatus, number>> = {
	PaymentPending: 0,
	Placed: 1,
	Taken: 2,
	Delivering: 3,
	Delivered: 4,
	PaymentFailed: 9,
	Canceled: 9
};

/** A new order, waiting for its payment: nothing is published until it is paid. */
export function startPlacement(id: string, details: FishOrderDetails, now: string): Decision<Order> {
	return { state: { id, ...detailsOf(details), status: "PaymentPending", createdAt: now, updatedAt: now }, events: [] };
}

/** Paid: the order is established and the seed's first fact, OrderPlaced, is told. */
export function paid(order: Order, now: string): Decision<Order> {
	const status = orderMachine.move(order.status, "Placed", "complete placement");
	return {
		state: { ...order, status, paymentStatus: "Approved", updatedAt: now },
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
		state: { ...order, status: "PaymentFailed", failureReason: reason, updatedAt: now },
		events: [fishEvent("OrderCanceled", { orderId: order.id, ...detailsOf(order), reason: "payment-failed" })]
	};
}

/** The customer cancels: allowed until the delivery has started (else IllegalTransition with the status). */
export function cancel(order: Order, now: string): Decision<Order> {
	const status = orderMachine.move(order.status, "Canceled", "cancel");
	return {
		state: { ...order, status, updatedAt: now },
		events: [fishEvent("OrderCanceled", { orderId: order.id, ...detailsOf(order), reason: "customer" })]
	};
}

export type OrderFact = "OrderTaken" | "DeliveryStarted" | "DeliveryCompleted" | "DeliveryCanceled" | "PayCanceled";

/** What the order learns from each fact of the other contexts. */
const LEARNS: Readonly<Record<OrderFact, { status?: OrderStatus; patch?: Partial<Order> }>> = {
	OrderTaken: { status: "Taken" },
	DeliveryStarted: { status: "Delivering", patch: { deliveryStatus: "Started" } },
	DeliveryCompleted: { status: "Delivered", patch: { deliveryStatus: "Completed" } },
	DeliveryCanceled: { patch: { deliveryStatus: "Canceled" } },
	PayCanceled: { patch: { paymentStatus: "Canceled" } }
};

export const ORDER_FACTS = Object.keys(LEARNS) as OrderFact[];

/** Facts arrive on separate channels, in any order: they only move the order forward, never back. */
export function onFact(order: Order, fact: OrderFact, now: string): Decision<Order> | null {
	const { status, patch } = LEARNS[fact];
	const to = status && orderMachine.can(order.status, status) ? status : order.status;
	if (to === order.status && !patch) return null;
	return { state: { ...order, ...patch, status: to, updatedAt: now }, events: [] };
}
