/**
 * Authorization, declared on actions and checked in one middleware (the `permissions` idea of kantab):
 *
 *   list: { auth: { roles: ["customer", "admin"], owner: "userName" }, … }
 *
 * - `roles`: who may call the action at all (403 otherwise);
 * - `owner`: the field naming the customer a row belongs to: a customer acts only on rows where it equals
 *   the token's subject; `store`: the field naming the store: a store owner acts only on their store's rows.
 *   Admins (and roles the rule does not scope, such as riders) act on every row.
 *
 * The middleware (middlewares/access.ts) runs where the action runs (any process), before the handler and
 * after param validation:
 * - a call from the gateway must carry a user (401) and may reach only actions that declare `auth` (403);
 * - an owner field the action takes as a param (a placed order's `userName`, a list filter) is checked
 *   (a different value: 403) or, when absent, set to the caller's own value: lists are filtered to own rows;
 * - the caller's scope is left in `ctx.locals` for the building blocks that load a row by id (get, commands
 *   on an aggregate, a view row): `assertInScope` answers 403 before anything changes.
 * Calls from inside the system (another context, the REPL) carry no user and are trusted.
 */
import { Errors, type Context } from "moleculer";
import { isRole, type Principal, type Role } from "../domain";

export type AccessRule =
	/** Anyone, without a token (the token endpoint, the public keys). */
	| { public: true }
	| {
			roles: readonly Role[];
			/** Field holding the customer's name; a customer is restricted to rows where it is their subject. */
			owner?: string;
			/** Field holding the store's name; a store owner is restricted to rows of the store in their token. */
			store?: string;
	  };

/** One way a caller may see a row: the row's `field` equals `value`. */
export interface Grant {
	field: string;
	value: string | undefined;
}

/** null: every row; otherwise the rows matching one of the grants. */
export type Scope = Grant[] | null;

/** The name of the gateway service: calls it makes come from HTTP clients. */
export const GATEWAY = "api";

export function unauthorized(message = "A valid bearer token is required", data?: Record<string, unknown>): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 401, "UNAUTHORIZED", data);
}

export function forbidden(message: string, data?: Record<string, unknown>): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(message, 403, "FORBIDDEN", data);
}

/** A well-formed principal, or null (anything else in `meta.user` is not trusted). */
export function principalOf(user: unknown): Principal | null {
	if (typeof user !== "object" || user === null) return null;
	const u = user as Record<string, unknown>;
	if (typeof u.sub !== "string" || u.sub === "" || !Array.isArray(u.roles)) return null;
	const roles = u.roles.filter(isRole);
	return { sub: u.sub, roles, ...(typeof u.store === "string" && u.store ? { store: u.store } : {}) };
}

/**
 * What `user` may touch under `rule`: null (everything), or the grants a row must match one of.
 * Throws 403 when none of the user's roles is allowed.
 */
export function scopeOf(rule: Exclude<AccessRule, { public: true }>, user: Principal): Scope {
	const allowed = user.roles.filter(r => rule.roles.includes(r));
	if (allowed.length === 0) throw forbidden(`This needs the role ${rule.roles.join(" or ")}`, { required: [...rule.roles], roles: user.roles });
	const grants: Grant[] = [];
	for (const role of allowed) {
		if (role === "customer" && rule.owner) grants.push({ field: rule.owner, value: user.sub });
		else if (role === "store" && rule.store) grants.push({ field: rule.store, value: user.store });
		else return null; // a role the rule does not scope (admin, rider, …): every row
	}
	return grants;
}

/** Whether `row` is one the scope lets the caller see. */
export function inScope(scope: Scope, row: unknown): boolean {
	if (scope === null) return true;
	if (typeof row !== "object" || row === null) return false;
	return scope.some(g => g.value !== undefined && (row as Record<string, unknown>)[g.field] === g.value);
}

/**
 * The owner fields among the params: a value that is not the caller's answers 403; an absent one is set
 * to the caller's (so a customer's list shows their rows, and a customer's order is theirs).
 */
export function scopeParams(scope: Scope, params: Record<string, unknown>, declared: (field: string) => boolean): void {
	if (scope === null) return;
	const fields = [...new Set(scope.map(g => g.field))].filter(declared);
	if (fields.length === 0) return;
	const given = fields.filter(f => params[f] !== undefined);
	for (const field of given) {
		if (!scope.some(g => g.field === field && g.value !== undefined && g.value === params[field])) {
			throw forbidden(`'${field}' must be your own`, { field });
		}
	}
	if (given.length > 0) return;
	const first = scope.find(g => declared(g.field));
	if (!first || first.value === undefined) throw forbidden("Nothing here is yours", { field: first?.field });
	params[first.field] = first.value;
}

export interface AccessLocals {
	scope?: Scope;
}

/** 403 unless the caller of `ctx` may act on `row` (calls from inside the system may). */
export function assertInScope(ctx: Context, row: unknown, entity = "This"): void {
	const scope = (ctx.locals as AccessLocals | undefined)?.scope;
	if (scope === undefined) return;
	if (!inScope(scope, row)) throw forbidden(`${entity} is not yours`);
}

/** The caller's own value of an owner field, set by the middleware: the handler's fallback for it. */
export function requireParam<T>(value: T | undefined, field: string): T {
	if (value === undefined || value === null || value === "") {
		throw new Errors.ValidationError(`The '${field}' field is required.`, "VALIDATION_ERROR", [{ type: "required", field, message: `The '${field}' field is required.` }]);
	}
	return value;
}
