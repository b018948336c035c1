/**
 * The actions of an aggregate context, declared rather than written: the two reads every context answers
 * (`list`, `get`) and commands addressed to one aggregate by `:id`, whose rule is the domain's.
 */
import type { ActionParams, ActionSchema, Context, Service } from "moleculer";
import type { Decision } from "../services/shared/domain";
import type { AggregateMethods } from "./aggregate.mixin";
import { idParam, listParams, readRetry, toPageQuery, type ListSpec } from "./listing";

type AggregateService<S> = Service & AggregateMethods<S>;

/** `list` (paging, sort, the spec's filters) and `get` by id (404 naming the entity). */
export function readActions<S>(spec: ListSpec): Record<"list" | "get", ActionSchema<AggregateService<S>>> {
	return {
		list: {
			retryPolicy: readRetry,
			params: listParams(spec),
			handler(this: AggregateService<S>, ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, spec));
			}
		},
		get: {
			retryPolicy: readRetry,
			params: idParam,
			handler(this: AggregateService<S>, ctx: Context<{ id: string }>) {
				return this.loadExisting(ctx.params.id);
			}
		}
	};
}

/**
 * A command on the aggregate `:id` (404 when there is none; the domain's errors become 409/422/…).
 * `params` validates what the command takes besides the id; `decide` gets them, already checked.
 */
export function commandAction<S, P extends object = object>(
	decide: (current: S, now: string, params: P) => Decision<S> | null,
	params: ActionParams = {}
): ActionSchema<AggregateService<S>> {
	return {
		params: { ...idParam, ...params },
		handler(this: AggregateService<S>, ctx: Context<P & { id: string }>) {
			return this.command(ctx.params.id, ctx, (current, now) => decide(current, now, ctx.params));
		}
	};
}
