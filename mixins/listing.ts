/**
 * List queries: `?page=&pageSize=&sort=` plus plain-equality filters on named fields only. Params are
 * validated as scalars, so no operator object (`{"$gt": ""}`, `$where`, …) can reach a datastore.
 */
import type { ActionParams } from "moleculer";
import type { PageQuery } from "./store";
import { config } from "../config";

export interface ListSpec {
	/** Filterable fields and their type. */
	filters: Record<string, "string" | "number">;
	/** Sortable fields; the first is the default (descending when prefixed with "-"). */
	sortable: string[];
	defaultSort: string;
}

export const MAX_PAGE_SIZE = 100;
/**
 * The last page a list may ask for: its offset, (page - 1) × pageSize, stays a safe integer that every store
 * binds as one (a page of 461168601842738800 reached SQLite as a REAL and failed with a 500; FUZZ_SEED=452797322).
 */
export const MAX_PAGE = 10_000_000;

export function listParams(spec: ListSpec): ActionParams {
	const params: ActionParams = {
		$$strict: true,
		page: { type: "number", integer: true, positive: true, max: MAX_PAGE, convert: true, optional: true },
		pageSize: { type: "number", integer: true, positive: true, max: MAX_PAGE_SIZE, convert: true, optional: true },
		sort: { type: "enum", values: spec.sortable.flatMap(f => [f, `-${f}`]), optional: true }
	};
	for (const [field, type] of Object.entries(spec.filters)) {
		params[field] = type === "number" ? { type: "number", convert: true, optional: true } : { type: "string", min: 1, max: 200, optional: true };
	}
	return params;
}

export function toPageQuery(params: Record<string, unknown>, spec: ListSpec): PageQuery {
	const query: Record<string, string | number> = {};
	for (const field of Object.keys(spec.filters)) {
		const v = params[field];
		if (typeof v === "string" || typeof v === "number") query[field] = v;
	}
	const sortParam = typeof params.sort === "string" ? params.sort : spec.defaultSort;
	const desc = sortParam.startsWith("-");
	return {
		query,
		page: typeof params.page === "number" ? params.page : 1,
		pageSize: typeof params.pageSize === "number" ? params.pageSize : 20,
		sort: { [desc ? sortParam.slice(1) : sortParam]: desc ? -1 : 1 }
	};
}

/** Params of commands addressed to one resource: `:id` from the path. */
export const idParam: ActionParams = { $$strict: true, id: { type: "string", min: 1, max: 100 } };

/** Reads are idempotent: the caller retries them on retryable errors (e.g. a replica went away mid-call). */
export const readRetry = { enabled: true, retries: config.resilience.readRetries };
