/**
 * The actions of an aggregate context, declared rather than written: the two reads every context answers
 * (`list`, `get`) and commands addressed to one aggregate by `:id`, whose rule is the domain's.
 */
import type { ActionParams, ActionSchema, Context, Service } from "moleculer";
import type { Decision } from "../services/shared/domain";
import { assertInScope, type AccessRule } from "./access";
import type { AggregateMethods } from "./aggregate.mixin";
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
