/** Validation of a fish order's fields (fastest-validator), shared by `order.place` and `payment.pay`. */
import type { ActionParams } from "moleculer";

export const ORDER_DETAILS_PARAMS = {
	customerName: { type: "string", min: 1, max: 100, trim: true },
	fishName: { type: "string", min: 1, max: 100, trim: true },
	qty: { type: "number", integer: true, positive: true, max: 1000, convert: true },
	// A string kept exactly as sent: the seed stored an integer and lost the leading zero (01012341234).
	// A JSON number is refused (422) rather than turned into a string that may already have lost it.
	telephone: { type: "string", min: 3, max: 30, pattern: /^[0-9+\-() ]+$/ },
	address: { type: "string", min: 1, max: 300, trim: true }
} satisfies ActionParams;
