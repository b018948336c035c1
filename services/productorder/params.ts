/**
 * Validation shared by the mall's actions (fastest-validator), and what the consumers of its events need
 * of them (their contracts).
 */
import type { ActionParams } from "moleculer";
import type { DataContract } from "../../lib/contracts";
import type { OrderDetails } from "./events";

/** An itemcd: letters, digits, `_` and `-` (it is a product's id; ":" never occurs in one). */
export const ITEMCD_PATTERN = /^[A-Za-z0-9_-]{1,50}$/;

/**
 * The itemcd as a client sends it: a string (the seed's httpie `itemcd="2"`) or a whole JSON number (`2`);
 * both are stored as the string "2" (`itemcdOf`).
 */
export const ITEMCD_PARAM = {
	type: "multi",
	rules: [
		{ type: "string", pattern: ITEMCD_PATTERN },
		{ type: "number", integer: true, min: 0, max: 999999999999 }
	]
} as const;

/** The itemcd in a path (`/products/:itemcd`): always a string there. */
export const ITEMCD_PATH = { type: "string", pattern: ITEMCD_PATTERN } as const;

export const itemcdOf = (v: string | number): string => String(v);

/** An order id as events carry it (a UUID: the stock's entries are kept by it). */
export const ORDER_ID_RULE = { type: "string", pattern: /^[A-Za-z0-9-]{1,100}$/ } as const;

/** The seed's `test=1` on the courier's commands: accepted and ignored. */
export const SEED_TEST_PARAM = { type: "multi", rules: [{ type: "string", max: 100 }, { type: "number" }, { type: "boolean" }], optional: true } as const;

/** What the order's place action takes (the customer and the seed's status besides). */
export const ORDER_LINE_PARAMS = {
	item: { type: "string", min: 1, max: 200, trim: true },
	orderQty: { type: "number", integer: true, positive: true, max: 10000, convert: true },
	price: { type: "number", min: 0, max: 1000000000, convert: true },
	itemcd: ITEMCD_PARAM,
	address: { type: "string", min: 1, max: 300, trim: true, optional: true }
} satisfies ActionParams;

/** What the pay step takes: the whole order, as the order computed it. */
export const PAY_REQUEST_PARAMS = {
	orderId: { type: "string", min: 1, max: 100 },
	customer: { type: "string", min: 1, max: 100 },
	item: { type: "string", min: 1, max: 200 },
	itemcd: ITEMCD_PATH,
	orderQty: { type: "number", integer: true, positive: true },
	price: { type: "number", min: 0 },
	amount: { type: "number", min: 0 },
	address: { type: "string", max: 300, optional: true }
} satisfies ActionParams;

/** What a consumer keeping the whole order (the customer center, the notices) needs of an event carrying it (Ordered, PayApproved). */
export const ORDER_DETAILS_CONTRACT = {
	customer: "string|empty:false",
	item: "string|empty:false",
	itemcd: "string|empty:false",
	orderQty: "number|integer|positive",
	price: "number",
	amount: "number",
	address: "string|optional"
} satisfies DataContract<OrderDetails, "orderId">;
