/**
 * Payment aggregate: one payment per order (keyed by orderId), taken synchronously while the order is
 * being placed, and told (PayApproved) once the order is established (OrderPlaced): so the shop, which
 * works from PayApproved, only ever sees paid, established orders.
 * Approved → Canceled when the order is canceled (PayCanceled). A cancellation that finds no payment (the
 * order gave up waiting for it) leaves a Voided marker, so a payment still on its way is refused: there is
 * never a payment without an order.
 */
import { cancelOrMark, DomainError, StateMachine, touch, type Decision, type Tracked } from "../../domain";
import { detailsOf, fishEvent, type FishOrderDetails, type OrderDetailsData } from "./events";

export type PaymentStatus = "Approved" | "Canceled" | "Voided";

export interface Payment extends Tracked<PaymentStatus>, FishOrderDetails {
	orderId: string;
}

export const paymentMachine = new StateMachine<PaymentStatus>("Payment", {
	Approved: ["Canceled"],
	Canceled: [],
	Voided: []
});

function payment(order: OrderDetailsData, status: PaymentStatus, now: string): Payment {
	return { id: order.orderId, orderId: order.orderId, ...detailsOf(order), status, createdAt: now, updatedAt: now };
}

/**
 * Pays for an order being placed (the synchronous step): nothing is told yet, the order may still give up.
 * Paying again for the same order is answered with the same payment (no second charge).
 */
export function approve(current: Payment | null, order: OrderDetailsData, now: string): Decision<Payment> | null {
	if (current?.status === "Approved") return null;
	if (current) throw new DomainError("Conflict", `Payment of order ${order.orderId} is ${current.status}: cannot pay`, { status: current.status });
	return { state: payment(order, "Approved", now), events: [] };
}

/**
 * The order is established (OrderPlaced, once per order): its payment is told to the shop; PayApproved
 * carries the whole order. A payment canceled meanwhile tells nothing.
 */
export function onOrderPlaced(current: Payment | null, order: OrderDetailsData, now: string): Decision<Payment> | null {
	if (current?.status !== "Approved") return null;
	return { state: touch(current, now), events: [fishEvent("PayApproved", { orderId: order.orderId, ...detailsOf(order) })] };
}

/** The order was canceled (by the customer, or because its payment failed): the payment is canceled too. */
export function onOrderCanceled(current: Payment | null, order: OrderDetailsData, now: string): Decision<Payment> | null {
	return cancelOrMark(paymentMachine, current, "Canceled", now, () => payment(order, "Voided", now), p => [fishEvent("PayCanceled", { orderId: p.orderId, customerName: p.customerName })]);
}
