/**
 * Aggregate store with a transactional outbox and exactly-once event application, as a mixin: the context
 * gets `this.commit(…)`, `this.command(…)`, `this.create(…)`, `this.loadState(…)` and `this.findPage(…)`
 * over its own collection (named after the service), the outbox relay running while it is started, and the
 * `list` and `get` actions when `opts.list` is given. The rules of the documents are in mixins/store.ts,
 * the relay in mixins/outbox.ts.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { config } from "../config";
import type { Decision } from "../domain";
import { assertInScope, type AccessRule } from "../lib/access";
import { createDbAdapter } from "../lib/datastore";
import { alreadyExists, invalidField, notFound, toMoleculerError } from "../lib/errors";
import { publishToChannel } from "../middlewares/channels";
import { readActions } from "./actions";
import { creatingRequest } from "./idempotency";
import type { ListSpec } from "./listing";
import { OutboxRelay } from "./outbox";
import { defineMixin, type ContextSchema } from "./schema";
import { AggregateStore, ConcurrentUpdateError, type AggregateDoc, type Origin, type OutboxEntry, type Page, type PageQuery } from "./store";

export type { Page, PageQuery } from "./store";

export interface CommitOptions {
	/** The context of the command or of the consumed event (its request id travels with the events). */
	ctx?: Context;
	/** Id of the event being applied: applied at most once per aggregate, however many events come after it. */
	causationId?: string;
}

export interface Created<S> {
	state: S;
	/** The first result of a repeated request (same Idempotency-Key, same params): nothing was written. */
	replayed: boolean;
}

export interface AggregateMethods<S> {
	loadState(id: string): Promise<S | null>;
	/** The document (state, version, creating request), or null. */
	loadDoc(id: string): Promise<AggregateDoc<S> | null>;
	/** The aggregate, or 404 naming the entity when it does not exist. */
	loadExisting(id: string): Promise<S>;
	commit(id: string, decide: (current: S | null) => Decision<S> | null, opts?: CommitOptions): Promise<S | null>;
	/** A command on an existing aggregate (404 when there is none, 403 when not the caller's): the domain decides, given the time. */
	command(id: string, ctx: Context, decide: (current: S, now: string) => Decision<S> | null): Promise<S | null>;
	/**
	 * Creates the aggregate `id` (409 when it exists). With the caller's Idempotency-Key (ctx.meta), the request
	 * is stored with it: the same request again answers the first result; other params with the key are a 422.
	 */
	/** `fresh`: the id was just made by `newId` (no read before the insert: CommitOptions.fresh). */
	create(id: string, ctx: Context, build: (now: string) => Decision<S>, options?: { fresh?: boolean }): Promise<Created<S>>;
	findPage(q: PageQuery): Promise<Page<S>>;
	relayOutbox(id: string, committed?: OutboxEntry[]): Promise<void>;
	relayPending(): Promise<number>;
}

interface AggregateVars<S> {
	store: AggregateStore<S>;
	relay: OutboxRelay<S>;
	adapters: ReturnType<typeof createDbAdapter>[];
}

export interface AggregateOptions {
	/** Events of this aggregate are published to `<system>.<EventType>` channels. */
	system: string;
	/** What the aggregate is called in answers ("Order 'x' not found"); default: the context's name. */
	entity?: string;
	/** With it, the context answers `list` (these filters, paging, sort) and `get` by id. */
	list?: ListSpec;
	/** Who may `list` and `get` (lib/access.ts). */
	read?: AccessRule;
}

type This<S> = Service & AggregateMethods<S> & AggregateVars<S>;

/** The origin of what a context is doing: its request id and span continue in the events it produces. */
export function originOf(ctx: Context | undefined): Origin {
	if (!ctx) return {};
	return { requestId: ctx.requestID ?? undefined, parentId: ctx.span?.id ?? ctx.id, tracing: ctx.tracing === true };
}

function entityOf(svc: Service, opts: AggregateOptions): string {
	if (opts.entity) return opts.entity;
	const last = svc.name.split(".").pop() ?? svc.name;
	return last.charAt(0).toUpperCase() + last.slice(1);
}

function moleculerError(err: unknown): unknown {
	if (err instanceof ConcurrentUpdateError) return new Errors.MoleculerClientError(err.message, 409, "CONCURRENT_UPDATE", { id: err.id });
	return toMoleculerError(err);
}

export function aggregateStore<S extends object>(opts: AggregateOptions): Partial<ServiceSchema> {
	return defineMixin<AggregateMethods<S>, AggregateVars<S>>({
		actions: opts.list ? readActions<S>(opts.list, opts.read, opts.entity) : {},

		created(this: This<S>) {
			// The MongoDB adapter reads the collection name from the schema: one collection per context.
			(this.schema as ContextSchema).collection ??= this.fullName;
			const documents = createDbAdapter(config, this.fullName);
			const processed = createDbAdapter(config, `${this.fullName}.processed`);
			this.adapters = [documents, processed];
			this.store = new AggregateStore<S>({ system: opts.system, source: this.fullName, documents, processed });
			const publish = (entry: OutboxEntry) => {
				// The consumer's context continues the request: same request id (= trace id), parent = the producing span.
				const headers: Record<string, string> = { $level: "1", $tracing: String(entry.tracing === true), $parentID: entry.parentId ?? entry.event.id };
				if (entry.requestId) headers.$requestID = entry.requestId;
				return publishToChannel(this.broker, entry.channel, entry.event, { msgID: entry.event.id, headers });
			};
			this.relay = new OutboxRelay<S>(this.store, publish, message => this.logger.warn(message));
		},

		async started(this: This<S>) {
			const [documents, processed] = this.adapters;
			documents.init(this.broker, this);
			// The adapters name their collection after the service's schema: the processed ids get their own.
			const owner: Service = Object.create(this, { schema: { value: { ...this.schema, collection: `${this.fullName}.processed` } } });
			processed.init(this.broker, owner);
			await Promise.all(this.adapters.map(a => a.connect()));
			this.relay.start(config.outboxSweepMs);
		},

		async stopped(this: This<S>) {
			await this.relay.stop();
			await Promise.all(this.adapters.map(a => a.disconnect()));
		},

		methods: {
			async loadState(this: This<S>, id: string): Promise<S | null> {
				return (await this.store.load(id))?.state ?? null;
			},

			loadDoc(this: This<S>, id: string): Promise<AggregateDoc<S> | null> {
				return this.store.load(id);
			},

			async loadExisting(this: This<S>, id: string): Promise<S> {
				const state = await this.loadState(id);
				if (!state) throw notFound(entityOf(this, opts), id);
				return state;
			},

			async commit(this: This<S>, id: string, decide: (current: S | null) => Decision<S> | null, options: CommitOptions = {}): Promise<S | null> {
				let result;
				try {
					result = await this.store.commit(id, current => decide(current), { origin: originOf(options.ctx), causationId: options.causationId });
				} catch (err) {
					throw moleculerError(err);
				}
				if (result.events > 0) await this.relayOutbox(id, result.outbox);
				return result.state;
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

			async create(this: This<S>, id: string, ctx: Context, build: (now: string) => Decision<S>, options: { fresh?: boolean } = {}): Promise<Created<S>> {
				const request = creatingRequest(ctx);
				let replayed: S | undefined;
				let result;
				try {
					result = await this.store.commit(
						id,
						(current, doc) => {
							if (!doc) return build(new Date().toISOString());
							const first = doc.request;
							if (request && first && first.caller === request.caller && first.key === request.key) {
								if (first.fingerprint !== request.fingerprint) throw invalidField("Idempotency-Key", "The Idempotency-Key was used with another request: send a new key for a new request");
								replayed = doc.state;
								return null;
							}
							throw alreadyExists(entityOf(this, opts), id);
						},
						{ origin: originOf(ctx), request, fresh: options.fresh }
					);
				} catch (err) {
					throw moleculerError(err);
				}
				if (replayed !== undefined) return { state: replayed, replayed: true };
				if (!result.state) throw new Error(`${id} was not stored`);
				if (result.events > 0) await this.relayOutbox(id, result.outbox);
				return { state: result.state, replayed: false };
			},

			findPage(this: This<S>, q: PageQuery): Promise<Page<S>> {
				return this.store.findPage(q);
			},

			relayOutbox(this: This<S>, id: string, committed?: OutboxEntry[]): Promise<void> {
				return this.relay.relay(id, committed);
			},

			relayPending(this: This<S>): Promise<number> {
				return this.relay.sweep();
			}
		}
	});
}
