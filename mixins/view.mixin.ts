/**
 * CQRS read models: rows folded from events, kept in Redis (REDIS_URL: many replicas of a view context share
 * one view), in SQLite in the embedded default (durable like its aggregates), or in memory (DATA_DIR=":memory:"). Each row remembers every event it folded (a set of
 * ids beside it, however many): an event delivered twice changes nothing the second time. Updates are
 * atomic per row (Redis WATCH/MULTI).
 */
import path from "node:path";
import type Database from "better-sqlite3";
import Redis from "ioredis";
import type { Context, Service, ServiceSchema } from "moleculer";
import { config } from "../config";
import type { DomainEvent } from "../domain";
import { assertInScope, type AccessRule } from "../lib/access";
import type { EventContract } from "../lib/contracts";
import { notFound } from "../lib/errors";
import { afterCommit, closeDatabase, grouped, openDatabase } from "../lib/sqlite-adapter";
import { consume } from "./consume";
import { listParams, readRetry, toPageQuery, type ListSpec } from "./listing";
import { defineMixin } from "./schema";
import type { Page } from "./store";

export type Fold<R> = (row: R | null) => R | null;

export interface ViewQuery {
	filter: Record<string, string | number | boolean>;
	page: number;
	pageSize: number;
	sort: Record<string, 1 | -1>;
	/** Rows for which this is false are not listed (e.g. partial rows still waiting for their first event). */
	visible?: (row: unknown) => boolean;
}

/** One write of `applyAll`: as `apply` with an event id, or (id null) a fold idempotent by itself, merged and not remembered. */
export interface ViewWrite<R> {
	key: string;
	id: string | null;
	fold: Fold<R>;
}

export interface ViewStore<R> {
	get(key: string): Promise<R | null>;
	apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null>;
	/**
	 * Several writes in order, in one transaction where the store has them (SQLite: one commit for all — a
	 * group commit for a busy view); each answers what `apply` would. All or nothing in SQLite; elsewhere each.
	 */
	applyAll(writes: readonly ViewWrite<R>[]): Promise<(R | null)[]>;
	list(q: ViewQuery): Promise<Page<R>>;
	close(): Promise<void>;
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
	private readonly rows = new Map<string, { row: R | null; applied: Set<string> }>();

	async get(key: string): Promise<R | null> {
		return this.rows.get(key)?.row ?? null;
	}

	async apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		return this.write({ key, id: eventId, fold });
	}

	async applyAll(writes: readonly ViewWrite<R>[]): Promise<(R | null)[]> {
		return writes.map(w => this.write(w));
	}

	private write({ key, id, fold }: ViewWrite<R>): R | null {
		const stored = this.rows.get(key) ?? { row: null, applied: new Set<string>() };
		if (id !== null && stored.applied.has(id)) return stored.row;
		const row = fold(stored.row);
		if (row === null) return stored.row;
		if (id !== null) stored.applied.add(id);
		stored.row = row;
		this.rows.set(key, stored);
		return row;
	}

	async list(q: ViewQuery): Promise<Page<R>> {
		return pageOf([...this.rows.values()].flatMap(s => (s.row === null ? [] : [s.row])), q);
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

	/** The ids of the events folded into the row `k` (a set beside it). */
	private appliedKey(k: string): string {
		return `view:${this.name}:applied:${k}`;
	}

	private get indexKey(): string {
		return `view:${this.name}:keys`;
	}

	async get(key: string): Promise<R | null> {
		const raw = await this.redis.get(this.key(key));
		return raw ? (JSON.parse(raw) as R) : null;
	}

	apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		const run = this.queue.then(() => this.applyWatched(key, eventId, fold));
		this.queue = run.catch(() => undefined);
		return run;
	}

	applyAll(writes: readonly ViewWrite<R>[]): Promise<(R | null)[]> {
		const run = this.queue.then(async () => {
			const out: (R | null)[] = [];
			for (const w of writes) out.push(await this.applyWatched(w.key, w.id, w.fold));
			return out;
		});
		this.queue = run.catch(() => undefined);
		return run;
	}

	private async applyWatched(key: string, eventId: string | null, fold: Fold<R>): Promise<R | null> {
		const k = this.key(key);
		const applied = this.appliedKey(key);
		for (;;) {
			await this.redis.watch(k, applied);
			const [raw, seen] = await Promise.all([this.redis.get(k), eventId === null ? 0 : this.redis.sismember(applied, eventId)]);
			const prev = raw ? (JSON.parse(raw) as R) : null;
			const next = seen ? null : fold(prev);
			if (next === null) {
				await this.redis.unwatch();
				return prev;
			}
			const tx = this.redis.multi().set(k, JSON.stringify(next));
			if (eventId !== null) tx.sadd(applied, eventId);
			const res = await tx.sadd(this.indexKey, key).exec();
			if (res !== null) return next; // null: the row changed meanwhile, fold again
		}
	}

	async list(q: ViewQuery): Promise<Page<R>> {
		const keys = await this.redis.smembers(this.indexKey);
		if (keys.length === 0) return pageOf([], q);
		const raws = await this.redis.mget(keys.map(k => this.key(k)));
		const rows = raws.filter((r): r is string => r !== null).map(r => JSON.parse(r) as R);
		return pageOf(rows, q);
	}

	async close(): Promise<void> {
		await this.redis.quit();
	}
}

/**
 * The embedded default's durable view: rows and their applied-event ids in SQLite (DATA_DIR/views.sqlite),
 * one transaction per fold, so a view survives a kill -9 of the process as the aggregates do.
 */
export class SqliteViewStore<R> implements ViewStore<R> {
	private readonly db: Database.Database;
	/** Prepared once: a view is written once per event, and preparing costs as much as the write. */
	private readonly sql: { get: Database.Statement; remember: Database.Statement; forget: Database.Statement; put: Database.Statement; all: Database.Statement };
	/** Folds of this turn waiting for `writeBatch`. */
	private batch: { write: ViewWrite<R>; done: (row: R | null) => void; fail: (err: unknown) => void }[] = [];
	/** Several writes in one transaction, made once (better-sqlite3 builds four wrappers per `transaction` call). */
	private readonly writeTx: (writes: readonly ViewWrite<R>[]) => (R | null)[];

	constructor(
		private readonly file: string,
		name: string
	) {
		this.db = openDatabase(file, config.sqliteSynchronous);
		const rows = `"view:${name.replace(/"/g, "")}"`;
		const applied = `"view:${name.replace(/"/g, "")}:applied"`;
		this.db.exec(`CREATE TABLE IF NOT EXISTS ${rows} (key TEXT PRIMARY KEY, row TEXT NOT NULL); CREATE TABLE IF NOT EXISTS ${applied} (key TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (key, event_id))`);
		this.sql = {
			get: this.db.prepare(`SELECT row FROM ${rows} WHERE key = ?`),
			// Remembered first (one statement: nothing inserted means applied before), forgotten if its fold changes nothing.
			remember: this.db.prepare(`INSERT OR IGNORE INTO ${applied} (key, event_id) VALUES (?, ?)`),
			forget: this.db.prepare(`DELETE FROM ${applied} WHERE key = ? AND event_id = ?`),
			put: this.db.prepare(`INSERT INTO ${rows} (key, row) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET row = excluded.row`),
			all: this.db.prepare(`SELECT row FROM ${rows}`)
		};
		this.writeTx = this.db.transaction((writes: readonly ViewWrite<R>[]) => this.writeAll(writes));
	}

	async get(key: string): Promise<R | null> {
		const found = this.sql.get.get(key) as { row: string } | undefined;
		return afterCommit(this.db, found ? (JSON.parse(found.row) as R) : null);
	}

	/**
	 * The folds of one turn, in one savepoint of the connection's group commit (lib/sqlite-adapter.ts
	 * `grouped`): each answered with its row once committed. If the batch fails, its folds are written again
	 * one by one, so a bad one fails alone.
	 */
	apply(key: string, eventId: string, fold: Fold<R>): Promise<R | null> {
		return new Promise<R | null>((done, fail) => {
			this.batch.push({ write: { key, id: eventId, fold }, done, fail });
			if (this.batch.length === 1) setImmediate(() => this.writeBatch());
		});
	}

	private writeBatch(): void {
		const batch = this.batch;
		this.batch = [];
		if (batch.length === 0) return;
		const write = (writes: readonly ViewWrite<R>[]): Promise<(R | null)[]> => {
			try {
				return grouped(this.db, () => this.writeTx(writes));
			} catch (err) {
				return Promise.reject(err);
			}
		};
		write(batch.map(b => b.write)).then(
			rows => batch.forEach((b, i) => b.done(rows[i])),
			() => {
				for (const b of batch) write([b.write]).then(([row]) => b.done(row), b.fail);
			}
		);
	}

	async applyAll(writes: readonly ViewWrite<R>[]): Promise<(R | null)[]> {
		return grouped(this.db, () => this.writeTx(writes));
	}

	/**
	 * Writes in order, inside the caller's transaction: each the row as its write left it. A row several of
	 * them change (the timeline's group: one saga's facts and notices) is read and written once.
	 */
	private writeAll(writes: readonly ViewWrite<R>[]): (R | null)[] {
		const rows = new Map<string, { row: R | null; changed: boolean }>();
		const out: (R | null)[] = [];
		for (const { key, id, fold } of writes) {
			let at = rows.get(key);
			if (!at) {
				const found = this.sql.get.get(key) as { row: string } | undefined;
				at = { row: found ? (JSON.parse(found.row) as R) : null, changed: false };
				rows.set(key, at);
			}
			// An event applied before, in this batch or earlier, changes nothing.
			if (id !== null && this.sql.remember.run(key, id).changes === 0) {
				out.push(at.row);
				continue;
			}
			const next = fold(at.row);
			if (next === null) {
				// Not applied: a redelivery folds it again.
				if (id !== null) this.sql.forget.run(key, id);
				out.push(at.row);
				continue;
			}
			at.row = next;
			at.changed = true;
			out.push(next);
		}
		for (const [key, at] of rows) if (at.changed) this.sql.put.run(key, JSON.stringify(at.row));
		return out;
	}

	async list(q: ViewQuery): Promise<Page<R>> {
		const rows = (this.sql.all.all() as { row: string }[]).map(r => JSON.parse(r.row) as R);
		return afterCommit(this.db, pageOf(rows, q));
	}

	async close(): Promise<void> {
		// Folds still gathering go with the last commit.
		this.writeBatch();
		closeDatabase(this.file, this.db);
	}
}

export interface ViewMethods<R> {
	view: ViewStore<R>;
}

/**
 * Mixin factory: `this.view` is the context's read model (named after the context unless `name` is given):
 * in Redis when REDIS_URL is set (replicas share it), otherwise in the embedded default's SQLite file under
 * DATA_DIR, or in memory when DATA_DIR=":memory:".
 */
export function viewStore<R>(name?: string): Partial<ServiceSchema> {
	return defineMixin<object, ViewMethods<R>>({
		created(this: Service & ViewMethods<R>) {
			const viewName = name ?? this.fullName;
			if (config.redisUrl) this.view = new RedisViewStore<R>(config.redisUrl, viewName);
			else if (config.dataDir === ":memory:") this.view = new MemoryViewStore<R>();
			else this.view = new SqliteViewStore<R>(path.join(config.dataDir, "views.sqlite"), viewName);
		},
		async stopped(this: Service & ViewMethods<R>) {
			await this.view.close();
		}
	});
}

export interface EventViewOptions<R> {
	/** Its events are read from `<system>.<EventType>` channels. */
	system: string;
	/** The correlation key of a row: the field of every folded event's data, and the `get` param (`orderId`, `entryId`, …). */
	key: string;
	/** The event types folded into the view. */
	events: readonly string[];
	/** What the fold needs from an event's data beyond the key, by event type (one not named: nothing more). */
	contracts?: Readonly<Record<string, EventContract>>;
	/** How one event changes its row (null: no row). Must not depend on the order events arrive in. */
	fold(row: R | null, event: DomainEvent): R | null;
	/** What the rows are called in answers ("MyPage entry 'x' not found"). */
	entity: string;
	list: ListSpec;
	/** Who may `list` and `get` rows (lib/access.ts): e.g. a customer, their own rows only. */
	read?: AccessRule;
	/** Rows listed and answered; e.g. only established orders. */
	visible?(row: R): boolean;
}

type ViewService<R> = Service & ViewMethods<R>;

/**
 * A read model with one row per correlation key (`opts.key`), folded only from events: the view store, the
 * `list` and `get` (by the key) actions, and one consumer per event type.
 */
export function eventView<R>(opts: EventViewOptions<R>): Partial<ServiceSchema> {
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
				params: { $$strict: true, [opts.key]: { type: "string", min: 1, max: 100 } },
				async handler(this: ViewService<R>, ctx: Context<Record<string, string>>) {
					const key = ctx.params[opts.key];
					const row = await this.view.get(key);
					if (!row || !visible(row)) throw notFound(opts.entity, key);
					assertInScope(ctx, row, `${opts.entity} '${key}'`);
					return row;
				}
			}
		},
		channels: Object.fromEntries(
			opts.events.map(type => [
				`${opts.system}.${type}`,
				consume<ViewService<R>>(
					async function (event) {
						await this.view.apply(String(event.data[opts.key]), event.id, row => fold(row, event));
					},
					{ key: opts.key, contract: opts.contracts?.[type] }
				)
			])
		)
	});
	return { ...reads, mixins: [viewStore<R>()] };
}
