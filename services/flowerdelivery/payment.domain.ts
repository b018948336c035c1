/**
 * Payment aggregate: one payment per order (keyed by orderId), so a retried `pay` never charges twice.
 * A payment is refunded when its order is cancelled (customer), rejected or never established (forced).
 */
import { DomainError, touch, type Decision } from "../../domain";
import { flowerEvent, type RefundReason } from "./events";

/** Voided: the order gave up before any charge; a later `pay` for it is refused (no charge is ever made). */
export type PaymentStatus = "Approved" | "Cancelled" | "Voided";

export interface Payment {
	id: string;
	orderId: string;
	userName: string;
	amount: number;
	status: PaymentStatus;
	cancelReason?: RefundReason;
	createdAt: string;
	updatedAt: string;
}

export interface PayRequest {
	orderId: string;
	userName: string;
	amount: number;
}

export interface PaymentPolicy {
	/** Amounts above this are declined; 0 = no limit. */
	declineAbove: number;
}

export function pay(current: Payment | null, req: PayRequest, policy: PaymentPolicy, now: string): Decision<Payment> | null {
	if (current) {
		if (current.status === "Approved") {
			if (current.amount !== req.amount) throw new DomainError("Conflict", `Order ${req.orderId} was already paid with another amount`, { status: current.status, amount: current.amount });
			return null; // the same payment again: answered with the existing one
		}
		throw new DomainError("Conflict", `Payment of order ${req.orderId} is ${current.status}: cannot pay`, { status: current.status });
	}
	if (req.amount <= 0) throw new DomainError("Declined", "Payment declined: the amount must be positive", { amount: req.amount });
	if (policy.declineAbove > 0 && req.amount > policy.declineAbove) throw new DomainError("Declined", `Payment declined: the amount is above the limit of ${policy.declineAbove}`, { amount: req.amount, limit: policy.declineAbove });
	const payment: Payment = { id: req.orderId, orderId: req.orderId, userName: req.userName, amount: req.amount, status: "Approved", createdAt: now, updatedAt: now };
	return { state: payment, events: [flowerEvent("PaymentApproved", { orderId: req.orderId, userName: req.userName, amount: req.amount })] };
}

function refund(p: Payment, reason: RefundReason, now: string): Decision<Payment> {
	return {
		state: touch(p, now, { status: "Cancelled", cancelReason: reason }),
		events: [flowerEvent("PaymentCancelled", { orderId: p.orderId, userName: p.userName, amount: p.amount, reason })]
	};
}

/** The customer cancelled the order: refund it. */
export function onOrderCancelled(current: Payment | null, now: string): Decision<Payment> | null {
	return current?.status === "Approved" ? refund(current, "customer", now) : null;
}

/** The store rejected the order: cancel the payment by force. */
export function onOrderRejected(current: Payment | null, now: string): Decision<Payment> | null {
	return current?.status === "Approved" ? refund(current, "forced", now) : null;
}

/**
 * The order gave up waiting for its payment. A charge that landed late is refunded; if none exists yet,
 * a void marker makes any later `pay` for this order fail, so no payment can exist without an order.
 */
export function onOrderPlacementFailed(current: Payment | null, orderId: string, userName: string, now: string): Decision<Payment> | null {
	if (!current) return { state: { id: orderId, orderId, userName, amount: 0, status: "Voided", createdAt: now, updatedAt: now }, events: [] };
	return current.status === "Approved" ? refund(current, "forced", now) : null;
}
