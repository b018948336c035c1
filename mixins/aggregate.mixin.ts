/**
 * Aggregate store with a transactional outbox and idempotent event application.
 *
 * One document per aggregate: `{ _id, version, state, outbox, processed }`.
 * - A command loads the document, asks the domain for a Decision, and writes the new state, the events it
 *   produced (`outbox`) and the id of the event that caused it (`processed`) in ONE conditional update
 *   on `version` (optimistic concurrency): two concurrent commands on one aggregate can't both win.
 * - The relay publishes the outbox in order, with the event id as the JetStream message id, and removes
 *   each event only after the adapter accepted it. A periodic sweep republishes what a crash left behind.
 * - An event whose id is already in `processed` is skipped: consumers are idempotent.
 */
import { randomUUID } from "node:crypto";
import type { Context, Service, ServiceBroker, ServiceSchema } from "moleculer";
import type { CursorOptions, DbAdapter } from "moleculer-db";
import { config } from "../config";
import { publishToChannel } from "../config/channels";
import { createDbAdapter, isDuplicateKey, updateMany } from "../config/datastore";
import type { Decision, DomainEvent } from "../services/shared/domain";
import { assertInScope, type AccessRule } from "./access";
import { readActions } from "./actions";
import { consume, type ConsumeOptions } from "./channels";
import { notFound, toMoleculerError } from "./errors";
import type { ListSpec } from "./listing";
import { defineMixin, type ChannelDefinition, type ContextSchema } from "./schema";
import { Errors } from "moleculer";

interface OutboxEntry {
	channel: string;
	event: DomainEvent;
	requestId?: string;
	/** Span (or context) id of the command or handler that produced the event: the parent of its consumers' spans. */
	parentId?: string;
	/** Whether that request is traced (sampled): its consumers' spans join the same trace. */
	tracing?: boolean;
}

export interface AggregateDoc<S> {
	_id: string;
	version: number;
	state: S;
	outbox: OutboxEntry[];
	processed: string[];
	createdAt: string;
	updatedAt: string;
}

export interface CommitOptions {
	/** The context of the command or of the consumed event (its request id travels with the events). */
	ctx?: Context;
	/** Id of the event being applied: applied at most once per aggregate. */
	causationId?: string;
}

export interface PageQuery {
	query: Record<string, string | number | boolean>;
	page: number;
	pageSize: number;
	sort: Record<string, 1 | -1>;
}

export interface Page<T> {
	rows: T[];
	total: number;
	page: number;
	pageSize: number;
	totalPages: number;
}

export interface AggregateMethods<S> {
	loadState(id: string): Promise<S | null>;
	/** The aggregate, or 404 naming the entity when it does not exist. */
	loadExisting(id: string): Promise<S>;
	commit(id: string, decide: (current: S | null) => Decision<S> | null, opts?: CommitOptions): Promise<S | null>;
	/** A command on an existing aggregate (404 when there is none, 403 when not the caller's): the domain decides, given the time. */
	command(id: string, ctx: Context, decide: (current: S, now: string) => Decision<S> | null): Promise<S | null>;
	findPage(q: PageQuery): Promise<Page<S>>;
	relayOutbox(id: string): Promise<void>;
	relayPending(): Promise<number>;
}

interface AggregateVars {
	store: DbAdapter;
	relays: Map<string, Promise<void>>;
	sweepTimer?: NodeJS.Timeout;
	sweeping?: Promise<number>;
}

const PROCESSED_KEPT = 200;
const MAX_COMMIT_ATTEMPTS = 8;

function isAggregateDoc<S>(doc: unknown): doc is AggregateDoc<S> {
	return typeof doc === "object" && doc !== null && "state" in doc && "version" in doc;
}

async function loadDoc<S>(store: DbAdapter, id: string): Promise<AggregateDoc<S> | null> {
	const doc: unknown = await store.findById(id);
	return isAggregateDoc<S>(doc) ? doc : null;
}

export interface AggregateOptions {
	/** Events of this aggregate are published to `<system>.<EventType>` channels. */
	system: string;
	/** What the aggregate is called in answers ("Order 'x' not found"); default: the context's name. */
	entity?: string;
	/** With it, the context answers `list` (these filters, paging, sort) and `get` by id. */
	list?: ListSpec;
	/** Who may `list` and `get` (mixins/access.ts). */
	read?: AccessRule;
}

type This<S> = Service & AggregateMethods<S> & AggregateVars;

/**
 * Mixin factory: gives a context service `this.commit(...)`, `this.command(...)`, `this.loadState(...)`,
 * `this.findPage(...)` over its own collection (named after the service), with the outbox relay running
 * while it is started; and the `list` and `get` actions when `opts.list` is given.
 */
export function aggregateStore<S extends object>(opts: AggregateOptions): Partial<ServiceSchema> {
	return defineMixin<AggregateMethods<S>, AggregateVars>({
		actions: opts.list ? readActions<S>(opts.list, opts.read, opts.entity) : {},

		created(this: This<S>) {
			// The MongoDB adapter reads the collection name from the schema: one collection per context.
			(this.schema as ContextSchema).collection ??= this.fullName;
			this.store = createDbAdapter(config, this.fullName);
			this.relays = new Map();
		},

		async started(this: This<S>) {
			this.store.init(this.broker, this);
			await this.store.connect();
			this.sweepTimer = setInterval(() => {
				if (this.sweeping) return;
				this.sweeping = this.relayPending()
					.catch(err => {
						this.logger.warn("Outbox sweep failed; will retry", err);
						return 0;
					})
					.finally(() => (this.sweeping = undefined));
			}, config.outboxSweepMs);
		},

		async stopped(this: This<S>) {
			clearInterval(this.sweepTimer);
			await this.sweeping;
			await Promise.allSettled([...this.relays.values()]);
			await this.store.disconnect();
		},

		methods: {
			async loadState(this: This<S>, id: string): Promise<S | null> {
				return (await loadDoc<S>(this.store, id))?.state ?? null;
			},

			async loadExisting(this: This<S>, id: string): Promise<S> {
				const state = await this.loadState(id);
				if (!state) throw notFound(entityOf(this, opts), id);
				return state;
			},

			command(this: This<S>, id: string, ctx: Context, decide: (current: S, now: string) => Decision<S> | null): Promise<S | null> {
				return this.commit(
					id,
					current => {
						if (!current) throw notFound(entityOf(this, opts), id);
						assertInScope(ctx, current, `${entityOf(this, opts)} '${id}'`);
						return decide(current, new Date().toISOString());
					},
					{ ctx }
				);
			},

			async commit(this: This<S>, id: string, decide: (current: S | null) => Decision<S> | null, options: CommitOptions = {}): Promise<S | null> {
				const { ctx, causationId } = options;
				for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
					const doc = await loadDoc<S>(this.store, id);
					if (doc && causationId && doc.processed.includes(causationId)) return doc.state;

					let decision: Decision<S> | null;
					try {
						decision = decide(doc ? doc.state : null);
					} catch (err) {
						throw toMoleculerError(err);
					}
					if (!decision) return doc ? doc.state : null;

					const now = new Date().toISOString();
					const outbox: OutboxEntry[] = decision.events.map(draft => ({
						channel: `${opts.system}.${draft.type}`,
						requestId: ctx?.requestID ?? undefined,
						parentId: ctx ? (ctx.span?.id ?? ctx.id) : undefined,
						tracing: ctx?.tracing === true,
						event: {
							id: randomUUID(),
							type: draft.type,
							source: this.fullName,
							aggregateId: id,
							occurredAt: now,
							data: draft.data
						}
					}));
					const processed = causationId ? [causationId] : [];

					if (!doc) {
						const fresh: AggregateDoc<S> = { _id: id, version: 1, state: decision.state, outbox, processed, createdAt: now, updatedAt: now };
						try {
							await this.store.insert(fresh);
						} catch (err) {
							if (isDuplicateKey(err)) continue; // created concurrently: decide again on it
							throw err;
						}
					} else {
						const changed = await updateMany(
							this.store,
							{ _id: id, version: doc.version },
							{
								$set: { state: decision.state, version: doc.version + 1, updatedAt: now },
								$push: { outbox: { $each: outbox }, processed: { $each: processed, $slice: -PROCESSED_KEPT } }
							}
						);
						if (changed === 0) continue; // another writer won: reload and decide again
					}
					if (outbox.length > 0) await this.relayOutbox(id);
					return decision.state;
				}
				throw new Errors.MoleculerClientError(`Too many concurrent updates of '${id}'; try again`, 409, "CONCURRENT_UPDATE", { id });
			},

			async findPage(this: This<S>, q: PageQuery): Promise<Page<S>> {
				const query: Record<string, string | number | boolean> = {};
				for (const [k, v] of Object.entries(q.query)) query[`state.${k}`] = v;
				const sort: Record<string, 1 | -1> = {};
				for (const [k, v] of Object.entries(q.sort)) sort[`state.${k}`] = v;
				const cursor: CursorOptions = { query, sort: Object.entries(sort).map(([k, v]) => (v === -1 ? `-${k}` : k)), limit: q.pageSize, offset: (q.page - 1) * q.pageSize };
				const [docs, total] = await Promise.all([
					this.store.find(cursor),
					this.store.count({ query })
				]);
				const rows = docs.filter((d): d is AggregateDoc<S> => isAggregateDoc<S>(d)).map(d => d.state);
				return { rows, total, page: q.page, pageSize: q.pageSize, totalPages: Math.ceil(total / q.pageSize) };
			},

			/** Publishes one aggregate's pending events in order; one relay per aggregate at a time in this process. */
			relayOutbox(this: This<S>, id: string): Promise<void> {
				const running = this.relays.get(id);
				const next = (running ?? Promise.resolve())
					.catch(() => undefined)
					.then(() => relayOnce<S>(this.broker, this.store, id))
					.finally(() => {
						if (this.relays.get(id) === next) this.relays.delete(id);
					});
				this.relays.set(id, next);
				return next.catch(err => this.logger.warn(`Outbox of '${id}' not published yet (the sweep will retry): ${String(err)}`));
			},

			async relayPending(this: This<S>): Promise<number> {
				const docs = await this.store.find({ query: { "outbox.0": { $exists: true } }, limit: 100 });
				let n = 0;
				for (const doc of docs) {
					if (!isAggregateDoc<S>(doc)) continue;
					await this.relayOutbox(doc._id);
					n++;
				}
				return n;
			}
		}
	});
}

function entityOf(svc: Service, opts: AggregateOptions): string {
	if (opts.entity) return opts.entity;
	const last = svc.name.split(".").pop() ?? svc.name;
	return last.charAt(0).toUpperCase() + last.slice(1);
}

/**
 * A policy: whenever an event arrives on this channel, the aggregate of its order (keyed by `orderId`)
 * decides what follows. Applied at most once per event (the event id is the causation id). An event breaking
 * the `contract` (what the policy reads from its data) is refused before the aggregate is even loaded.
 */
export function policy<S, D extends object = Record<string, unknown>>(
	decide: (current: S | null, event: DomainEvent<D>) => Decision<S> | null,
	opts: ConsumeOptions<D> = {}
): ChannelDefinition<Service & AggregateMethods<S>> {
	return consume<Service & AggregateMethods<S>, D>(async function (event, ctx) {
		await this.commit(event.data.orderId, current => decide(current, event), { ctx, causationId: event.id });
	}, opts);
}

async function relayOnce<S>(broker: ServiceBroker, store: DbAdapter, id: string): Promise<void> {
	const doc = await loadDoc<S>(store, id);
	if (!doc || doc.outbox.length === 0) return;
	const published: string[] = [];
	try {
		for (const entry of doc.outbox) {
			// The consumer's context continues the request: same request id (= trace id), parent = the producing span.
			const headers: Record<string, string> = { $level: "1", $tracing: String(entry.tracing === true), $parentID: entry.parentId ?? entry.event.id };
			if (entry.requestId) headers.$requestID = entry.requestId;
			await publishToChannel(broker, entry.channel, entry.event, { msgID: entry.event.id, headers });
			published.push(entry.event.id);
		}
	} finally {
		if (published.length > 0) await updateMany(store, { _id: id }, { $pull: { outbox: { "event.id": { $in: published } } } });
	}
}
