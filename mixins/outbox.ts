/**
 * The transactional outbox's relay: publishes an aggregate's stored events in order, with the event id as
 * the message id (JetStream drops a duplicate), and removes each one from the document only after the
 * channel adapter accepted it. A periodic sweep republishes what a crash or an unreachable adapter left.
 * One relay per aggregate at a time in a process; across processes a repeat is a duplicate message, which
 * JetStream de-duplicates and consumers ignore (they are idempotent).
 */
import type { AggregateStore, OutboxEntry } from "./store";

export type Publish = (entry: OutboxEntry) => Promise<void>;

export class OutboxRelay<S> {
	private readonly running = new Map<string, Promise<void>>();
	private sweeping?: Promise<number>;
	private timer?: NodeJS.Timeout;

	constructor(
		private readonly store: AggregateStore<S>,
		private readonly publish: Publish,
		private readonly warn: (message: string) => void
	) {}

	/**
	 * Publishes the pending events of `id`; a failure is logged and left to the sweep. `committed`: the
	 * outbox as the commit just left it (`Committed.outbox`), published as it is when no relay of `id` is
	 * running here (none can have taken from it since) instead of being read back.
	 */
	relay(id: string, committed?: OutboxEntry[]): Promise<void> {
		const previous = this.running.get(id);
		const next = (previous ?? Promise.resolve())
			.catch(() => undefined)
			.then(() => (committed && !previous ? this.publishAll(id, committed) : this.relayOnce(id)))
			.finally(() => {
				if (this.running.get(id) === next) this.running.delete(id);
			});
		this.running.set(id, next);
		return next.catch(err => this.warn(`Outbox of '${id}' not published yet (the sweep will retry): ${String(err)}`));
	}

	private async relayOnce(id: string): Promise<void> {
		const doc = await this.store.load(id);
		if (doc) await this.publishAll(id, doc.outbox);
	}

	/** Publishes `outbox` in order, then removes from the document what was published. */
	private async publishAll(id: string, outbox: OutboxEntry[]): Promise<void> {
		if (outbox.length === 0) return;
		const published: string[] = [];
		try {
			for (const entry of outbox) {
				await this.publish(entry);
				published.push(entry.event.id);
			}
		} finally {
			await this.store.published(id, published);
		}
	}

	/** Relays every aggregate with pending events (at most `limit` per sweep): how many it found. */
	async sweep(limit = 100): Promise<number> {
		const ids = await this.store.withOutbox(limit);
		for (const id of ids) await this.relay(id);
		return ids.length;
	}

	start(everyMs: number): void {
		this.timer = setInterval(() => {
			if (this.sweeping) return;
			this.sweeping = this.sweep()
				.catch(err => {
					this.warn(`Outbox sweep failed; will retry: ${String(err)}`);
					return 0;
				})
				.finally(() => (this.sweeping = undefined));
		}, everyMs);
	}

	async stop(): Promise<void> {
		clearInterval(this.timer);
		await this.sweeping;
		await Promise.allSettled([...this.running.values()]);
	}
}
