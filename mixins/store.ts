/**
 * The aggregate store: one document per aggregate, `{ _id, version, state, outbox, processed, request }`,
 * over moleculer-db's adapter interface (NeDB in the embedded default, MongoDB with MONGO_URI).
 *
 * - A command or policy loads the document, asks the domain for a Decision, and writes the new state, the
 *   events it produced (`outbox`) and the id of the event that caused it (`processed`) in ONE conditional
 *   update on `version` (optimistic concurrency): two concurrent writers of one aggregate can't both win.
 * - Idempotency is exact: the ids of the last events applied stay in the document (read with it, free);
 *   older ones move to the context's `processed` collection before they leave the document, so at every
 *   moment an applied event id is in one of the two, however many events came after it (a hot aggregate:
 *   one product's stock, one raffle).
 * - A create may carry the caller's idempotency key and a fingerprint of its request, stored in the same
 *   insert: a repeat finds them (services answer the first result; another request with the key is a 422).
 * Plain TypeScript over the adapter interface: no service, no broker.
 */
import { newId } from "../lib/ids";
import type { CursorOptions, DbAdapter } from "moleculer-db";
import { isDuplicateKey, updateMany } from "../lib/datastore";
import type { Decision, DomainEvent } from "../domain";

/** Where the events of a commit came from: the request they continue (its id travels with them) and its span. */
export interface Origin {
	requestId?: string;
	/** Span (or context) id of the command or handler: the parent of its consumers' spans. */
	parentId?: string;
	/** Whether that request is traced (sampled): its consumers' spans join the same trace. */
	tracing?: boolean;
}

export interface OutboxEntry extends Origin {
	channel: string;
	event: DomainEvent;
}

/** The creating request an aggregate was made by, when it came with an Idempotency-Key. */
export interface CreatingRequest {
	caller: string;
	key: string;
	/** SHA-256 of the request's params: a repeat with other params is refused. */
	fingerprint: string;
}

export interface AggregateDoc<S> {
	_id: string;
	version: number;
	state: S;
	outbox: OutboxEntry[];
	/** Ids of the latest events applied (older ones are in the `processed` collection; `archived` counts them). */
	processed: string[];
	archived?: number;
	request?: CreatingRequest;
	createdAt: string;
	updatedAt: string;
}

export interface CommitOptions {
	origin?: Origin;
	/** Id of the event being applied: applied at most once per aggregate. */
	causationId?: string;
	/** Stored with the aggregate when this commit creates it. */
	request?: CreatingRequest;
	/**
	 * The id was just made here (lib/ids.ts `newId`): no document has it yet, so the first attempt inserts
	 * without reading first (a duplicate key would still read and decide again).
	 */
	fresh?: boolean;
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

/** A conflict no retry of the commit resolved (more concurrent writers than attempts). */
export class ConcurrentUpdateError extends Error {
	constructor(readonly id: string) {
		super(`Too many concurrent updates of '${id}'; try again`);
		this.name = "ConcurrentUpdateError";
	}
}

/** Applied-event ids kept in the document itself before they move to the `processed` collection. */
export const PROCESSED_IN_DOCUMENT = 100;
const MAX_COMMIT_ATTEMPTS = 10;

function isAggregateDoc<S>(doc: unknown): doc is AggregateDoc<S> {
	return typeof doc === "object" && doc !== null && "state" in doc && "version" in doc;
}

export interface StoreOptions {
	/** Channels are `<system>.<EventType>`. */
	system: string;
	/** `<system>.<context>`: the events' source. */
	source: string;
	/** The aggregates. */
	documents: DbAdapter;
	/** Applied-event ids that left their document: `{ _id: "<aggregateId>|<eventId>" }`. */
	processed: DbAdapter;
}

/** What `commit` decided: the state after it, and whether it wrote anything (with events to relay). */
export interface Committed<S> {
	state: S | null;
	written: boolean;
	events: number;
	/**
	 * The document's outbox as this commit left it, when that is known without reading it back: the commit
	 * created the document, or found its outbox empty (the relay then publishes these without a load).
	 */
	outbox?: OutboxEntry[];
}

export class AggregateStore<S> {
	/** Commits of one aggregate in this process, one after the other (a hot aggregate's writers queue instead of racing). */
	private readonly queues = new Map<string, Promise<unknown>>();

	constructor(private readonly opts: StoreOptions) {}

	async load(id: string): Promise<AggregateDoc<S> | null> {
		const doc: unknown = await this.opts.documents.findById(id);
		return isAggregateDoc<S>(doc) ? doc : null;
	}

	/** Whether the event `eventId` was applied to the aggregate of `doc`. */
	async applied(doc: AggregateDoc<S>, eventId: string): Promise<boolean> {
		if (doc.processed.includes(eventId)) return true;
		if (!doc.archived) return false;
		return (await this.opts.processed.findById(`${doc._id}|${eventId}`)) != null;
	}

	/**
	 * Decides on the current state and writes the decision atomically; retried on a concurrent write.
	 * `decide` may throw (a domain error): nothing is written.
	 */
	commit(id: string, decide: (current: S | null, doc: AggregateDoc<S> | null) => Decision<S> | null, options: CommitOptions = {}): Promise<Committed<S>> {
		// Other processes are fenced by the version check; in this one, writers of one aggregate take turns.
		const previous = this.queues.get(id) ?? Promise.resolve();
		const run = previous.catch(() => undefined).then(() => this.commitNow(id, decide, options));
		const tail = run.catch(() => undefined);
		this.queues.set(id, tail);
		void tail.then(() => {
			if (this.queues.get(id) === tail) this.queues.delete(id);
		});
		return run;
	}

	private async commitNow(id: string, decide: (current: S | null, doc: AggregateDoc<S> | null) => Decision<S> | null, options: CommitOptions): Promise<Committed<S>> {
		const { causationId, origin = {} } = options;
		for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
			const doc = attempt === 1 && options.fresh ? null : await this.load(id);
			if (doc && causationId && (await this.applied(doc, causationId))) return { state: doc.state, written: false, events: 0 };

			const decision = decide(doc ? doc.state : null, doc);
			if (!decision) return { state: doc ? doc.state : null, written: false, events: 0 };

			const now = new Date().toISOString();
			const version = (doc?.version ?? 0) + 1;
			const outbox: OutboxEntry[] = decision.events.map(draft => ({
				channel: `${this.opts.system}.${draft.type}`,
				...origin,
				event: { id: newId(), type: draft.type, source: this.opts.source, aggregateId: id, version, occurredAt: now, data: { ...draft.data } }
			}));
			const window = [...(doc?.processed ?? []), ...(causationId ? [causationId] : [])];
			const overflow = window.length > PROCESSED_IN_DOCUMENT ? window.slice(0, window.length - PROCESSED_IN_DOCUMENT) : [];
			const processed = window.slice(overflow.length);

			if (!doc) {
				const fresh: AggregateDoc<S> = { _id: id, version, state: decision.state, outbox, processed, createdAt: now, updatedAt: now, ...(options.request ? { request: options.request } : {}) };
				try {
					await this.opts.documents.insert(fresh);
				} catch (err) {
					if (isDuplicateKey(err)) continue; // created concurrently: decide again on it
					throw err;
				}
			} else {
				// Moved out before they leave the document: an applied id is always in one of the two.
				await this.archive(id, overflow);
				const changed = await updateMany(this.opts.documents,
					{ _id: id, version: doc.version },
					{
						$set: { state: decision.state, version, updatedAt: now, processed, archived: (doc.archived ?? 0) + overflow.length },
						$push: { outbox: { $each: outbox } }
					}
				);
				if (changed === 0) continue; // another writer won: reload and decide again
			}
			return { state: decision.state, written: true, events: outbox.length, ...(!doc || doc.outbox.length === 0 ? { outbox } : {}) };
		}
		throw new ConcurrentUpdateError(id);
	}

	private async archive(id: string, eventIds: string[]): Promise<void> {
		for (const eventId of eventIds) {
			try {
				await this.opts.processed.insert({ _id: `${id}|${eventId}` });
			} catch (err) {
				if (!isDuplicateKey(err)) throw err; // archived by an earlier attempt: fine
			}
		}
	}

	async findPage(q: PageQuery): Promise<Page<S>> {
		const query: Record<string, string | number | boolean> = {};
		for (const [k, v] of Object.entries(q.query)) query[`state.${k}`] = v;
		const sort = Object.entries(q.sort).map(([k, v]) => (v === -1 ? `-state.${k}` : `state.${k}`));
		const cursor: CursorOptions = { query, sort, limit: q.pageSize, offset: (q.page - 1) * q.pageSize };
		const [docs, total] = await Promise.all([this.opts.documents.find(cursor), this.opts.documents.count({ query })]);
		const rows = docs.filter((d): d is AggregateDoc<S> => isAggregateDoc<S>(d)).map(d => d.state);
		return { rows, total, page: q.page, pageSize: q.pageSize, totalPages: Math.ceil(total / q.pageSize) };
	}

	/** Documents with events still to publish (the sweep's work), oldest first, at most `limit`. */
	async withOutbox(limit: number): Promise<string[]> {
		const docs = await this.opts.documents.find({ query: { "outbox.0": { $exists: true } }, limit });
		return docs.filter((d): d is AggregateDoc<S> => isAggregateDoc<S>(d)).map(d => d._id);
	}

	/** Removes published events from a document's outbox (by event id; concurrent commits may have added others). */
	async published(id: string, eventIds: string[]): Promise<void> {
		if (eventIds.length > 0) await updateMany(this.opts.documents, { _id: id }, { $pull: { outbox: { "event.id": { $in: eventIds } } } });
	}
}
