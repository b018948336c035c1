/**
 * Validation of The Draw's requests (fastest-validator, strict: unknown fields are refused). Numbers may come
 * as strings (httpie sends them so): they are converted; identifiers stay the strings they were sent as
 * (`drawId="001"` stays "001", a JSON number is refused rather than turned into a string that lost its zeros).
 */
import type { ActionParams } from "moleculer";

export const ENTRY_PARAMS = {
	$$strict: true,
	itemNo: { type: "string", min: 1, max: 50, pattern: /^[A-Za-z0-9._-]+$/ },
	price: { type: "number", min: 0, max: 100000000, convert: true },
	// A calendar date; that it exists (no 2021-02-30) is checked by the domain.
	drawDate: { type: "string", pattern: /^\d{4}-\d{2}-\d{2}$/ },
	size: { type: "number", integer: true, min: 200, max: 330, convert: true },
	drawId: { type: "string", min: 1, max: 50, pattern: /^[A-Za-z0-9._-]+$/ },
	drawName: { type: "string", min: 1, max: 200, trim: true },
	// The customer: the token's subject when left out; someone else's is refused (403) unless by an admin.
	userId: { type: "string", min: 1, max: 100, optional: true },
	phone: { type: "string", min: 3, max: 30, pattern: /^[0-9+\-() ]+$/, optional: true }
} satisfies ActionParams;

/** A draw's id in a path (`/raffles/:drawId`). */
export const DRAW_ID = { $$strict: true, drawId: ENTRY_PARAMS.drawId } satisfies ActionParams;

export const RUN_PARAMS = {
	...DRAW_ID,
	winners: { type: "number", integer: true, positive: true, max: 100000, convert: true },
	// Any printable text; without one, 32 random bytes (hex) from a cryptographic source.
	seed: { type: "string", min: 1, max: 200, pattern: /^[\x20-\x7e]+$/, optional: true }
} satisfies ActionParams;

export const ORDER_PARAMS = {
	$$strict: true,
	entryId: { type: "string", min: 1, max: 100 },
	// Checked against the identity context's account of the entry's owner; never stored, logged or traced.
	userPassword: { type: "string", min: 1, max: 200 }
} satisfies ActionParams;
