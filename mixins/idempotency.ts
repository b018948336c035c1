/**
 * Idempotent creates (shared/specs/gateway.md, "Retries"): every creating POST takes an `Idempotency-Key`
 * header (an opaque string of at most 255 characters, scoped to the caller). The gateway puts it in
 * `ctx.meta.idempotencyKey`; the creating blocks store it, with a fingerprint of the request, in the same
 * write that creates the aggregate, so a repeat — after a timeout, a crash, on another replica — finds it.
 * Keys live as long as their aggregate (so at least the 24 h the spec asks for).
 */
import { createHash } from "node:crypto";
import type { Context } from "moleculer";
import { principalOf } from "../lib/access";
import type { CreatingRequest } from "./store";

export const IDEMPOTENCY_HEADER = "idempotency-key";
export const MAX_KEY_LENGTH = 255;

/** Why a header value is not a usable key (null: it is). */
export function keyProblem(key: string): string | null {
	if (key.length === 0 || key.length > MAX_KEY_LENGTH) return `must be 1 to ${MAX_KEY_LENGTH} characters`;
	if (!/^[\x21-\x7e]+$/.test(key)) return "must be printable ASCII without spaces";
	return null;
}

interface IdempotencyMeta {
	idempotencyKey?: string;
	user?: unknown;
}

/** Who the key belongs to: the token's subject (calls from inside the system share one scope). */
export function callerOf(ctx: Context): string {
	return principalOf((ctx.meta as IdempotencyMeta).user)?.sub ?? "(system)";
}

/** A stable digest of a request's params (keys sorted): the same request, whatever order its fields came in. */
export function fingerprint(params: unknown): string {
	const canonical = (v: unknown): unknown => {
		if (Array.isArray(v)) return v.map(canonical);
		if (typeof v === "object" && v !== null) return Object.fromEntries(Object.keys(v).sort().map(k => [k, canonical((v as Record<string, unknown>)[k])]));
		return v;
	};
	return createHash("sha256").update(JSON.stringify(canonical(params))).digest("base64url");
}

/** The creating request of `ctx` when it carries an Idempotency-Key; undefined otherwise. */
export function creatingRequest(ctx: Context): CreatingRequest | undefined {
	const key = (ctx.meta as IdempotencyMeta).idempotencyKey;
	if (typeof key !== "string") return undefined;
	return { caller: callerOf(ctx), key, fingerprint: fingerprint(ctx.params) };
}

/**
 * The id of what a keyed request creates, derived from who asked and the key (attempt `n` of it, for a
 * placement whose earlier attempt failed and may be tried again): a UUID-shaped SHA-256, so the same request
 * finds the same aggregate on any replica, and nobody can pick another caller's id.
 */
export function idFor(scope: string, request: CreatingRequest, attempt = 1): string {
	const h = createHash("sha256").update(`${scope}\n${request.caller}\n${request.key}\n${attempt}`).digest("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
