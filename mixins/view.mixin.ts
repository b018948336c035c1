/**
 * CQRS read models: rows folded from events, kept in memory (embedded default) or in Redis (REDIS_URL),
 * so many replicas of a view context share one view. Each row remembers the ids of the events it folded:
 * an event delivered twice changes nothing the second time. Updates are atomic per row (Redis WATCH/MULTI).
 */
import Redis from "ioredis";
import type { Context, Service, ServiceSchema } from "moleculer";
import { config } from "../config";
import type { DomainEvent } from "../services/shared/domain";
import type { Page } from "./aggregate.mixin";
import { assertInScope, type AccessRule } from "./access";
import { consume, type EventContract } from "./channels";
import { notFound } from "./errors";
import { listParams, readRetry, toPageQuery, type ListSpec } from "./listing";
import { defineMixin } from "./schema";

interface Stored<R> {
	row: R;
	applied: string[];
}

export type Fold<R> = (row: R | null) => R | null;

export interface ViewQuery {
	filter: Record<string, string | number | boolean>;
	page: number;
	pageSize: number;
	sort: Record<string, 1 | -1>;
	/** Rows for which this is false are not listed (e.g. partial rows still waiting for their first event). */
	visible?: (row: unknown) => boolean;
}

export interface ViewStore<R> {
	get(key: string): Promise<R | null>;
	apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null>;
	list(q: ViewQuery): Promise<Page<R>>;
	close(): Promise<void>;
}

const APPLIED_KEPT = 200;

function record<R>(prev: Stored<R> | null, eventId: string, fold: Fold<R>): Stored<R> | null {
	if (prev && prev.applied.includes(eventId)) return null;
	const row = fold(prev ? prev.row : null);
	if (row === null) return null;
	return { row, applied: [...(prev ? prev.applied : []), eventId].slice(-APPLIED_KEPT) };
}

function pageOf<R>(rows: R[], q: ViewQuery): Page<R> {
	const matching = rows.filter(r => (q.visible ? q.visible(r) : true) && Object.entries(q.filter).every(([k, v]) => (r as Record<string, unknown>)[k] === v));
	const sorts = Object.entries(q.sort);
	matching.sort((a, b) => {
		for (const [k, dir] of sorts) {
			const x = (a as Record<string, unknown>)[k];
			const y = (b as Record<string, unknown>)[k];
			if (x === y) continue;
			return (String(x) < String(y) ? -1 : 1) * dir;
		}
		return 0;
	});
	const total = matching.length;
	const start = (q.page - 1) * q.pageSize;
	return { rows: matching.slice(start, start + q.pageSize), total, page: q.page, pageSize: q.pageSize, totalPages: Math.ceil(total / q.pageSize) };
}

export class MemoryViewStore<R> implements ViewStore<R> {
	private readonly rows = new Map<string, Stored<R>>();

	async get(key: string): Promise<R | null> {
		return this.rows.get(key)?.row ?? null;
	}

	async apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		const next = record(this.rows.get(key) ?? null, eventId, fold);
		if (next) this.rows.set(key, next);
		return this.rows.get(key)?.row ?? null;
	}

	async list(q: ViewQuery): Promise<Page<R>> {
		return pageOf([...this.rows.values()].map(s => s.row), q);
	}

	async close(): Promise<void> {}
}

export class RedisViewStore<R> implements ViewStore<R> {
	private readonly redis: Redis;
	/** WATCH is per connection: applies of this process run one at a time; other processes are fenced by WATCH. */
	private queue: Promise<unknown> = Promise.resolve();

	constructor(
		url: string,
		private readonly name: string
	) {
		this.redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false });
	}

	private key(k: string): string {
		return `view:${this.name}:row:${k}`;
	}

	private get indexKey(): string {
		return `view:${this.name}:keys`;
	}

	async get(key: string): Promise<R | null> {
		const raw = await this.redis.get(this.key(key));
		return raw ? (JSON.parse(raw) as Stored<R>).row : null;
	}

	apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		const run = this.queue.then(() => this.applyWatched(key, eventId, fold));
		this.queue = run.catch(() => undefined);
		return run;
	}

	private async applyWatched(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		const k = this.key(key);
		for (;;) {
			await this.redis.watch(k);
			const raw = await this.redis.get(k);
			const prev = raw ? (JSON.parse(raw) as Stored<R>) : null;
			const next = record(prev, eventId, fold);
			if (!next) {
				await this.redis.unwatch();
				return prev ? prev.row : null;
			}
			const res = await this.redis.multi().set(k, JSON.stringify(next)).sadd(this.indexKey, key).exec();
			if (res !== null) return next.row; // null: the row changed meanwhile, fold again
		}
	}

	async list(q: ViewQuery): Promise<Page<R>> {
		const keys = await this.redis.smembers(this.indexKey);
		if (keys.length === 0) return pageOf([], q);
		const raws = await this.redis.mget(keys.map(k => this.key(k)));
		const rows = raws.filter((r): r is string => r !== null).map(r => (JSON.parse(r) as Stored<R>).row);
		return pageOf(rows, q);
	}

	async close(): Promise<void> {
		await this.redis.quit();
	}
}

export interface ViewMethods<R> {
	view: ViewStore<R>;
}

/** Mixin factory: `this.view` is the context's read model (named after the context unless `name` is given), in Redis when REDIS_URL is set. */
export function viewStore<R>(name?: string): Partial<ServiceSchema> {
	return defineMixin<object, ViewMethods<R>>({
		created(this: Service & ViewMethods<R>) {
			this.view = config.redisUrl ? new RedisViewStore<R>(config.redisUrl, name ?? this.fullName) : new MemoryViewStore<R>();
		},
		async stopped(this: Service & ViewMethods<R>) {
			await this.view.close();
		}
	});
}

export interface OrderViewOptions<R> {
	/** Its events are read from `<system>.<EventType>` channels. */
	system: string;
	/** The event types folded into the view. */
	events: readonly string[];
	/** What the fold needs from an event's data beyond `orderId`, by event type (one not named: nothing more). */
	contracts?: Readonly<Record<string, EventContract>>;
	/** How one event changes the order's row (null: no row). */
	fold(row: R | null, event: DomainEvent): R | null;
	/** What the rows are called in answers ("MyPage entry 'x' not found"). */
	entity: string;
	list: ListSpec;
	/** Who may `list` and `get` rows (mixins/access.ts): e.g. a customer, their own rows only. */
	read?: AccessRule;
	/** Rows listed and answered; e.g. only established orders. */
	visible?(row: R): boolean;
}

type ViewService<R> = Service & ViewMethods<R>;

/**
 * A read model with one row per order, keyed by `orderId` and folded only from events: the view store,
 * the `list` and `get` (by `orderId`) actions, and one consumer per event type.
 */
export function orderView<R>(opts: OrderViewOptions<R>): Partial<ServiceSchema> {
	const visible = (row: unknown): boolean => (opts.visible ? opts.visible(row as R) : true);
	const fold = opts.fold.bind(opts);
	const unknown = Object.keys(opts.contracts ?? {}).filter(type => !opts.events.includes(type));
	if (unknown.length > 0) throw new Error(`${opts.entity}: contracts for events the view does not fold: ${unknown.join(", ")}`);
	const reads = defineMixin<object, ViewMethods<R>>({
		actions: {
			list: {
				auth: opts.read,
				retryPolicy: readRetry,
				params: listParams(opts.list),
				async handler(this: ViewService<R>, ctx: Context<Record<string, unknown>>) {
					const q = toPageQuery(ctx.params, opts.list);
					return this.view.list({ filter: q.query, page: q.page, pageSize: q.pageSize, sort: q.sort, visible });
				}
			},
			get: {
				auth: opts.read,
				retryPolicy: readRetry,
				params: { $$strict: true, orderId: { type: "string", min: 1, max: 100 } },
				async handler(this: ViewService<R>, ctx: Context<{ orderId: string }>) {
					const row = await this.view.get(ctx.params.orderId);
					if (!row || !visible(row)) throw notFound(opts.entity, ctx.params.orderId);
					assertInScope(ctx, row, `${opts.entity} '${ctx.params.orderId}'`);
					return row;
				}
			}
		},
		channels: Object.fromEntries(
			opts.events.map(type => [
				`${opts.system}.${type}`,
				consume<ViewService<R>>(
					async function (event) {
						await this.view.apply(event.data.orderId, event.id, row => fold(row, event));
					},
					{ contract: opts.contracts?.[type] }
				)
			])
		)
	});
	return { ...reads, mixins: [viewStore<R>()] };
}
