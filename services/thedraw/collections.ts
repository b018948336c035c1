/**
 * A context's collections beside its aggregates' (the aggregate store mixin keeps one kind of aggregate per
 * context): the draw context's record of the draws whose raffle has run, the order context's wins. Built
 * from the same parts as the mixin — the datastore factory (NeDB files, or MongoDB with MONGO_URI) and the
 * aggregate store's documents with their processed-event ids — so a second kind of aggregate gets the same
 * atomic writes and exact idempotency. Neither tells events (it has no outbox relay): a decision with events
 * is refused.
 */
import { Errors, type Context, type Service } from "moleculer";
import type { DbAdapter } from "moleculer-db";
import { config } from "../../config";
import type { Decision } from "../../domain";
import { createDbAdapter, isDuplicateKey } from "../../lib/datastore";
import { toMoleculerError } from "../../lib/errors";
import { originOf } from "../../mixins/aggregate.mixin";
import { AggregateStore, ConcurrentUpdateError } from "../../mixins/store";

/** One collection, named `<context>.<name>`, opened with its context (its own file, or MongoDB collection). */
export class Collection {
	readonly adapter: DbAdapter;

	constructor(readonly name: string) {
		this.adapter = createDbAdapter(config, name);
	}

	async open(svc: Service): Promise<void> {
		// The adapters name their collection after the service's schema: this one gets its own name.
		const owner: Service = Object.create(svc, { schema: { value: { ...svc.schema, collection: this.name } } });
		this.adapter.init(svc.broker, owner);
		await this.adapter.connect();
	}

	close(): Promise<void> {
		return this.adapter.disconnect();
	}

	/** Inserts `doc` once: false when a document with its id is there already (a repeat: nothing to do). */
	async insertOnce(doc: { _id: string } & Record<string, unknown>): Promise<boolean> {
		try {
			await this.adapter.insert(doc);
			return true;
		} catch (err) {
			if (isDuplicateKey(err)) return false;
			throw err;
		}
	}

	async has(id: string): Promise<boolean> {
		return (await this.adapter.findById(id)) != null;
	}
}

/** A second kind of aggregate of a context: `<context>.<name>` and its processed-event ids. */
export class SideAggregates<S> {
	private readonly documents: Collection;
	private readonly processed: Collection;
	private readonly store: AggregateStore<S>;

	constructor(system: string, source: string, name: string) {
		this.documents = new Collection(`${source}.${name}`);
		this.processed = new Collection(`${source}.${name}.processed`);
		this.store = new AggregateStore<S>({ system, source, documents: this.documents.adapter, processed: this.processed.adapter });
	}

	async open(svc: Service): Promise<void> {
		await Promise.all([this.documents.open(svc), this.processed.open(svc)]);
	}

	async close(): Promise<void> {
		await Promise.all([this.documents.close(), this.processed.close()]);
	}

	async load(id: string): Promise<S | null> {
		return (await this.store.load(id))?.state ?? null;
	}

	/** Decides on the current state and writes it atomically (`causationId`: the event applied, at most once). */
	async commit(id: string, decide: (current: S | null) => Decision<S> | null, opts: { ctx?: Context; causationId?: string } = {}): Promise<S | null> {
		try {
			const result = await this.store.commit(
				id,
				current => {
					const decision = decide(current);
					if (decision && decision.events.length > 0) throw new Error(`${id}: this collection tells no events`);
					return decision;
				},
				{ origin: originOf(opts.ctx), causationId: opts.causationId }
			);
			return result.state;
		} catch (err) {
			if (err instanceof ConcurrentUpdateError) throw new Errors.MoleculerClientError(err.message, 409, "CONCURRENT_UPDATE", { id: err.id });
			throw toMoleculerError(err);
		}
	}
}
