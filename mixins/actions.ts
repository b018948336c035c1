/**
 * The actions of an aggregate context, declared rather than written: the two reads every context answers
 * (`list`, `get`), commands addressed to one aggregate by `:id`, and creates (an id the client chose, or
 * one generated — from the Idempotency-Key when there is one), whose rules are the domain's.
 */
import { newId } from "../lib/ids";
import type { ActionParams, ActionSchema, Context, Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import type { Decision } from "../domain";
import { assertInScope, type AccessRule } from "../lib/access";
import type { AggregateMethods } from "./aggregate.mixin";
import { creatingRequest, idFor } from "./idempotency";
import { idParam, listParams, readRetry, toPageQuery, type ListSpec } from "./listing";

type AggregateService<S> = Service & AggregateMethods<S>;

/**
 * `list` (paging, sort, the spec's filters) and `get` by id (404 naming the entity), both callable by `auth`:
 * a caller restricted to their own rows lists only those (the access middleware sets the owner filter) and
 * gets 403 for another's row.
 */
export function readActions<S>(spec: ListSpec, auth?: AccessRule, entity = "This"): Record<"list" | "get", ActionSchema<AggregateService<S>>> {
	return {
		list: {
			auth,
			retryPolicy: readRetry,
			params: listParams(spec),
			handler(this: AggregateService<S>, ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, spec));
			}
		},
		get: {
			auth,
			retryPolicy: readRetry,
			params: idParam,
			async handler(this: AggregateService<S>, ctx: Context<{ id: string }>) {
				const state = await this.loadExisting(ctx.params.id);
				assertInScope(ctx, state, `${entity} '${ctx.params.id}'`);
				return state;
			}
		}
	};
}

/**
 * A command on the aggregate `:id` (404 when there is none; 403 when it is not the caller's; the domain's
 * errors become 409/422/…), callable by `auth`. `params` validates what the command takes besides the id;
 * `decide` gets them, already checked.
 */
export function commandAction<S, P extends object = object>(
	decide: (current: S, now: string, params: P) => Decision<S> | null,
	params: ActionParams = {},
	auth?: AccessRule
): ActionSchema<AggregateService<S>> {
	return {
		auth,
		params: { ...idParam, ...params },
		handler(this: AggregateService<S>, ctx: Context<P & { id: string }>) {
			return this.command(ctx.params.id, ctx, (current, now) => decide(current, now, ctx.params));
		}
	};
}

export interface CreateOptions<S, P extends object> {
	/** Validation of the request (strict: unknown fields are refused). */
	params: ActionParams;
	auth?: AccessRule;
	/** The id the client chose (`itemcd`); absent: one is generated (from the Idempotency-Key when given). */
	id?: (params: P) => string;
	/** The new aggregate and its events; may throw a domain error (nothing is written). */
	build: (id: string, params: P, now: string) => Decision<S>;
	/** Where it is read: the `Location` of the 201. */
	location: (id: string) => string;
}

/**
 * A creating command: 201 + `Location` with the new aggregate; 409 when the client-chosen id exists. With an
 * Idempotency-Key, a repeat of the same request answers the first result (201, same id) and other params
 * with the same key a 422.
 */
export function createAction<S, P extends object>(opts: CreateOptions<S, P>): ActionSchema<AggregateService<S>> {
	return {
		auth: opts.auth,
		params: { $$strict: true, ...opts.params },
		async handler(this: AggregateService<S>, ctx: Context<P, ContextResponseMeta>) {
			const request = creatingRequest(ctx);
			const fresh = !opts.id && !request;
			const id = opts.id ? opts.id(ctx.params) : request ? idFor(this.fullName, request) : newId();
			const { state } = await this.create(id, ctx, now => opts.build(id, ctx.params, now), { fresh });
			ctx.meta.$statusCode = 201;
			ctx.meta.$location = opts.location(id);
			return state;
		}
	};
}
