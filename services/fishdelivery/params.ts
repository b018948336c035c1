/**
 * Validation of a fish order's fields (fastest-validator), shared by `order.place` and `payment.pay`; and what
 * the consumers of an event carrying the whole order need of it.
 */
import type { ActionParams } from "moleculer";
import type { DataContract } from "../../lib/contracts";
import type { CancelReason, FishEvents, OrderDetailsData } from "./events";

export const ORDER_DETAILS_PARAMS = {
	customerName: { type: "string", min: 1, max: 100, trim: true },
	fishName: { type: "string", min: 1, max: 100, trim: true },
	qty: { type: "number", integer: true, positive: true, max: 1000, convert: true },
	// A string kept exactly as sent: the seed stored an integer and lost the leading zero (01012341234).
	// A JSON number is refused (422) rather than turned into a string that may already have lost it.
	telephone: { type: "string", min: 3, max: 30, pattern: /^[0-9+\-() ]+$/ },
	address: { type: "string", min: 1, max: 300, trim: true }
} satisfies ActionParams;

/**
 * What a consumer keeping its own copy of the order (payment, the shop, the rider, MyPage) needs from an
 * event that carries it (OrderPlaced, PayApproved, OrderTaken, OrderCanceled). Checked, never converted: the
 * telephone must arrive as the string it was sent as.
 */
export const ORDER_DETAILS_CONTRACT = {
	customerName: "string|empty:false",
	fishName: "string|empty:false",
	qty: "number|integer|positive",
	telephone: "string|empty:false",
	address: "string"
} satisfies DataContract<OrderDetailsData, "orderId">;

/** …and, for the consumers that tell the two kinds of cancellation apart, why it was canceled. */
export const CANCELED_ORDER_CONTRACT = {
	...ORDER_DETAILS_CONTRACT,
	reason: { type: "enum", values: ["customer", "payment-failed"] satisfies CancelReason[] }
} satisfies DataContract<FishEvents["OrderCanceled"], "orderId">;
