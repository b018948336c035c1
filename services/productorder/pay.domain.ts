/**
 * Pay aggregate: one pay per order (keyed by orderId), taken synchronously while the order is placed (the
 * saga's `pay` step, from the order only: there is no public POST /pays), so a retried `pay` never charges
 * twice. It is told to the product (PayApproved) only once the order is established (Ordered), so the stock
 * is never reserved for an order whose placement failed.
 *
 * approved → canceled when the order is cancelled, refused for want of stock, or never established
 * (PayCanceled); a cancellation that finds no pay (the order gave up before its pay landed) leaves a voided
 * marker, so a pay still on its way is refused: there is never a pay without an order.
 */
import { advance, DomainError, touch, type Decision, type Tracked } from "../../domain";
import { lineOf, productOrderEvent, type OrderDetails, type OrderLine, type PayCancelReason } from "./events";

export type PayStatus = "approved" | "canceled" | "voided";

export interface Pay extends Tracked<PayStatus>, OrderLine {
	orderId: string;
	customer: string;
	amount: number;
	cancelReason?: PayCancelReason;
}

/** What the order's placement asks of the pay step. */
export type PayRequest = OrderDetails;

export interface PayPolicy {
	/** Amounts above this are declined; 0 = no limit. */
	declineAbove: number;
}

/** Which reason a cancelled pay keeps when two cancellations cross: the product's refusal says more than the customer's cancel. */
const REASON_RANK: Readonly<Record<PayCancelReason, number>> = { customer: 1, outOfStock: 2, placementFailed: 3 };

/** `next` as a decision telling nothing, or null when it changes nothing (no write). */
function quietly(current: Pay, next: Pay): Decision<Pay> | null {
	return next.updatedAt === current.updatedAt && next.cancelReason === current.cancelReason && next.status === current.status ? null : { state: next, events: [] };
}

function details(p: Pay): OrderDetails {
	return { orderId: p.orderId, customer: p.customer, amount: p.amount, ...lineOf(p) };
}

/**
 * Pays for an order being placed: nothing is told yet (the order may still give up). The same order paid
 * again is answered with the same pay; a declined amount is a 402 (amounts ≤ 0, or above the limit).
 */
export function approve(current: Pay | null, req: PayRequest, policy: PayPolicy, now: string): Decision<Pay> | null {
	if (current) {
		if (current.status !== "approved") throw new DomainError("Conflict", `Pay of order ${req.orderId} is ${current.status}: cannot pay`, { status: current.status });
		if (current.amount !== req.amount) throw new DomainError("Conflict", `Order ${req.orderId} was already paid with another amount`, { status: current.status, amount: current.amount });
		return null;
	}
	if (req.amount <= 0) throw new DomainError("Declined", "Pay declined: the amount must be positive", { amount: req.amount });
	if (policy.declineAbove > 0 && req.amount > policy.declineAbove) throw new DomainError("Declined", `Pay declined: the amount is above the limit of ${policy.declineAbove}`, { amount: req.amount, limit: policy.declineAbove });
	const pay: Pay = { id: req.orderId, orderId: req.orderId, customer: req.customer, amount: req.amount, ...lineOf(req), status: "approved", createdAt: now, updatedAt: now };
	return { state: pay, events: [] };
}

/** The order is established (Ordered, once per order): its pay is told to the product. A pay cancelled meanwhile tells nothing. */
export function onOrdered(current: Pay | null, now: string): Decision<Pay> | null {
	if (!current) return null;
	if (current.status !== "approved") return quietly(current, touch(current, now));
	return { state: touch(current, now), events: [productOrderEvent("PayApproved", details(current))] };
}

function cancel(current: Pay, reason: PayCancelReason, now: string): Decision<Pay> | null {
	if (current.status === "approved") {
		return {
			state: touch(current, now, { status: "canceled", cancelReason: reason }),
			events: [productOrderEvent("PayCanceled", { orderId: current.orderId, customer: current.customer, amount: current.amount, reason })]
		};
	}
	if (current.status === "canceled") {
		// Cancelled already (told once); two cancellations that crossed keep the same reason whatever their order.
		return quietly(current, touch(current, now, { cancelReason: advance(REASON_RANK, current.cancelReason, reason) }));
	}
	return quietly(current, touch(current, now));
}

/** The customer cancelled the order (its delivery accepted). */
export function onOrderCanceled(current: Pay | null, now: string): Decision<Pay> | null {
	return current ? cancel(current, "customer", now) : null;
}

/** The product had no stock for the order (or no such product): the pay is cancelled by compensation. */
export function onOutOfStock(current: Pay | null, now: string): Decision<Pay> | null {
	return current ? cancel(current, "outOfStock", now) : null;
}

/**
 * The order gave up waiting for its pay (declined, failed or timed out). A pay that landed late is cancelled;
 * if none exists yet, a voided marker makes a later `pay` for this order fail: no pay without an order.
 */
export function onOrderPlacementFailed(current: Pay | null, d: { orderId: string; customer: string }, now: string): Decision<Pay> | null {
	if (!current) return { state: { id: d.orderId, orderId: d.orderId, customer: d.customer, amount: 0, item: "", itemcd: "", orderQty: 0, price: 0, status: "voided", createdAt: now, updatedAt: now }, events: [] };
	return cancel(current, "placementFailed", now);
}
