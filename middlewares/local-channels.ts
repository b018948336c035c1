/**
 * The embedded default's durable channels: a @moleculer/channels adapter for one process that keeps every
 * message owed to every consumer group in SQLite until that group has handled it — the same promises
 * JetStream makes in the cluster, without a server:
 * - publishing writes the message (de-duplicated by its message id, the event id) and one delivery per
 *   known consumer group in one statement (a trigger); a group subscribing for the first time gets every retained
 *   message of its channel;
 * - a delivery is removed only after its handler succeeded, so a kill -9 at any moment loses nothing: after
 *   a restart every owed delivery is handed over again (consumers are idempotent, so once in effect);
 * - a failed handler is redelivered with the back-off its retry middleware asks for (`nak(delay)`, as a
 *   JetStream message), then parked as a dead letter with its error after `maxRetries` deliveries (or at
 *   once for a poison message), where an operator lists it and replays it (`deadletters`, `replay` in the REPL).
 * Messages already handled by every group are kept for CHANNEL_RETENTION_MS (a late new group reads them),
 * then pruned. One process only (the embedded default); a cluster uses NATS JetStream.
 */
import { newId } from "../lib/ids";
import { Adapters } from "@moleculer/channels";
import type { Channel as Chan } from "@moleculer/channels/types/src";
import type { Service } from "moleculer";
import type Database from "better-sqlite3";
import { openDatabase, closeDatabase, grouped } from "../lib/sqlite-adapter";

/** What a handler gets as the raw message: shaped like a JetStream message where the retry middleware looks. */
export interface LocalMessage {
	seq: number;
	payload: unknown;
	headers: Record<string, string>;
	info: { redeliveryCount: number };
	/** Ask for a redelivery after `delayMs` (the retry middleware's back-off). */
	nak(delayMs?: number): void;
}

export interface DeadLetter {
	id: string;
	channel: string;
	group: string;
	/** The message as published (an event: `{ id, type, data, … }`). */
	payload: unknown;
	error: string;
	deliveries: number;
	at: string;
}

export interface LocalChannelsOptions {
	/** The SQLite file, or ":memory:". */
	file: string;
	maxInFlight: number;
	maxRetries: number;
	/** How long handled messages stay for groups that subscribe later (ms). */
	retentionMs: number;
}

interface Subscription {
	chan: Chan;
	inFlight: Set<number>;
	timer?: NodeJS.Timeout;
	pumping: boolean;
}

interface DeliveryRow {
	seq: number;
	attempts: number;
	payload: string;
	headers: string;
}

const BaseAdapter = Adapters.Base;

/**
 * What each group still owes: one row per (channel, group, message), the row itself its key (WITHOUT ROWID: one
 * B-tree, where a rowid table with a key and an index on when it is due kept three — each written at publish
 * and again at the acknowledgement). The pump reads a group's rows of a channel in sequence order by that key
 * and skips the few waiting for a redelivery. A file made before keeps its rows: they move into the new table
 * once, at the first start.
 */
const DELIVERIES = "CREATE TABLE channel_deliveries (channel TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, PRIMARY KEY (channel, grp, seq)) WITHOUT ROWID";

function createDeliveries(db: Database.Database): void {
	const known = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'channel_deliveries'").get() as { sql: string } | undefined;
	if (known?.sql.includes("WITHOUT ROWID")) return;
	db.transaction(() => {
		if (!known) return void db.exec(DELIVERIES);
		db.exec(`ALTER TABLE channel_deliveries RENAME TO channel_deliveries_before; DROP INDEX IF EXISTS channel_deliveries_due; ${DELIVERIES};
			INSERT INTO channel_deliveries (channel, grp, seq, attempts, next_at) SELECT channel, grp, seq, attempts, next_at FROM channel_deliveries_before;
			DROP TABLE channel_deliveries_before;`);
	}).immediate();
}

/** Handled messages removed per statement when they age out. */
const PRUNE_BATCH = 2000;

export class LocalDurableAdapter extends BaseAdapter {
	stopping = false;
	private db?: Database.Database;
	private readonly subs = new Map<string, Subscription>();
	/** Every statement prepared once per connection (preparing one per call cost ~5 % of a placement's CPU). */
	private readonly statements = new Map<string, Database.Statement>();
	private pruneTimer?: NodeJS.Timeout;
	/** Handled this turn, removed together (`acknowledge`). */
	private acks: { channel: string; group: string; seq: number; done: () => void }[] = [];
	private pruning = false;
	/** The message and its deliveries (see connect). */
	private publishRow: (channelName: string, msgId: string, payload: string, headers: string) => void = () => {
		throw new Error("local channels: not connected");
	};

	constructor(private readonly local: LocalChannelsOptions) {
		super({ maxInFlight: local.maxInFlight, maxRetries: local.maxRetries, deadLettering: { enabled: true, queueName: "DEAD_LETTER" } });
	}

	override async connect(): Promise<void> {
		const db = openDatabase(this.local.file, "normal");
		db.exec(`
			CREATE TABLE IF NOT EXISTS channel_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, msg_id TEXT UNIQUE, payload TEXT NOT NULL, headers TEXT NOT NULL, at INTEGER NOT NULL);
			CREATE INDEX IF NOT EXISTS channel_messages_at ON channel_messages (at);
			CREATE TABLE IF NOT EXISTS channel_groups (channel TEXT NOT NULL, grp TEXT NOT NULL, PRIMARY KEY (channel, grp));
			CREATE TABLE IF NOT EXISTS channel_dead_letters (id TEXT PRIMARY KEY, channel TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, headers TEXT NOT NULL, error TEXT NOT NULL, deliveries INTEGER NOT NULL, at INTEGER NOT NULL);
		`);
		createDeliveries(db);
		// The message and one delivery per known group, by one statement: the trigger's inserts are part of it,
		// so both are written or neither; the same message id again inserts nothing (published already).
		db.exec(`CREATE TRIGGER IF NOT EXISTS channel_messages_owed AFTER INSERT ON channel_messages BEGIN
			INSERT INTO channel_deliveries (channel, grp, seq, next_at) SELECT channel, grp, NEW.seq, 0 FROM channel_groups WHERE channel = NEW.channel;
		END`);
		this.db = db;
		const insert = this.sql("INSERT OR IGNORE INTO channel_messages (channel, msg_id, payload, headers, at) VALUES (?, ?, ?, ?, ?)");
		this.publishRow = (channelName: string, msgId: string, payload: string, headers: string) => {
			insert.run(channelName, msgId, payload, headers, Date.now());
		};
		this.connected = true;
		this.pruneTimer = setInterval(() => void this.prune(), Math.min(60_000, Math.max(1000, this.local.retentionMs))).unref();
	}

	override async disconnect(): Promise<void> {
		this.stopping = true;
		clearInterval(this.pruneTimer);
		for (const sub of this.subs.values()) clearTimeout(sub.timer);
		// What was handled this turn goes with the last commit.
		if (this.acks.length > 0) this.removeAcknowledged();
		const db = this.db;
		this.db = undefined;
		this.statements.clear();
		this.connected = false;
		if (db) closeDatabase(this.local.file, db);
	}

	private get conn(): Database.Database {
		if (!this.db) throw new Error("local channels: not connected");
		return this.db;
	}

	private sql(text: string): Database.Statement {
		let stmt = this.statements.get(text);
		if (!stmt) this.statements.set(text, (stmt = this.conn.prepare(text)));
		return stmt;
	}

	override async subscribe(chan: Chan, _svc: Service): Promise<void> {
		if (chan.maxInFlight == null) chan.maxInFlight = this.local.maxInFlight;
		if (chan.maxRetries == null) chan.maxRetries = this.local.maxRetries;
		const db = this.conn;
		// A group new to this channel starts from the first retained message.
		db.transaction(() => {
			const added = this.sql("INSERT OR IGNORE INTO channel_groups (channel, grp) VALUES (?, ?)").run(chan.name, chan.group).changes;
			if (added) this.sql("INSERT OR IGNORE INTO channel_deliveries (channel, grp, seq, next_at) SELECT channel, ?, seq, 0 FROM channel_messages WHERE channel = ?").run(chan.group, chan.name);
		})();
		this.initChannelActiveMessages(chan.id, false);
		this.subs.set(chan.id, { chan, inFlight: new Set(), pumping: false });
		this.wake(chan.id);
	}

	override async unsubscribe(chan: Chan): Promise<void> {
		if (chan.unsubscribing) return;
		chan.unsubscribing = true;
		const sub = this.subs.get(chan.id);
		if (!sub) return;
		clearTimeout(sub.timer);
		// Let the messages being handled finish; the rest stays owed (handed over at the next start).
		while (sub.inFlight.size > 0) await new Promise(resolve => setTimeout(resolve, 20));
		this.subs.delete(chan.id);
		this.stopChannelActiveMessages(chan.id);
	}

	override async publish(channelName: string, payload: unknown, opts: { msgID?: string; headers?: Record<string, string> } = {}): Promise<void> {
		const db = this.conn;
		// Resolved once committed (the turn's group commit): the outbox marks the event published only then.
		await grouped(db, () => this.publishRow(channelName, opts.msgID ?? newId(), JSON.stringify(payload), JSON.stringify(opts.headers ?? {})));
		for (const [id, sub] of this.subs) if (sub.chan.name === channelName) this.wake(id);
	}

	override parseMessageHeaders(raw: LocalMessage): Record<string, string> {
		return raw.headers;
	}

	/** Hands owed deliveries to the handler, up to maxInFlight at a time, in order. */
	private wake(chanId: string): void {
		const sub = this.subs.get(chanId);
		if (!sub || sub.pumping || this.stopping || sub.chan.unsubscribing || !this.db) return;
		sub.pumping = true;
		setImmediate(() => {
			sub.pumping = false;
			this.pump(sub);
		});
	}

	private pump(sub: Subscription): void {
		if (this.stopping || sub.chan.unsubscribing || !this.db) return;
		const { chan } = sub;
		const free = (chan.maxInFlight ?? this.local.maxInFlight) - sub.inFlight.size;
		if (free <= 0) return;
		const now = Date.now();
		const rows = this.sql(
				`SELECT d.seq, d.attempts, m.payload, m.headers FROM channel_deliveries d JOIN channel_messages m ON m.seq = d.seq
				 WHERE d.channel = ? AND d.grp = ? AND d.next_at <= ? ORDER BY d.seq LIMIT ?`
			)
			.all(chan.name, chan.group, now, free + sub.inFlight.size) as DeliveryRow[];
		for (const row of rows) {
			if (sub.inFlight.size >= (chan.maxInFlight ?? this.local.maxInFlight)) break;
			if (sub.inFlight.has(row.seq)) continue;
			sub.inFlight.add(row.seq);
			this.addChannelActiveMessages(chan.id, [row.seq]);
			void this.deliver(sub, row).finally(() => {
				sub.inFlight.delete(row.seq);
				if (this.subs.get(chan.id) === sub) this.removeChannelActiveMessages(chan.id, [row.seq]);
				this.wake(chan.id);
			});
		}
		// Nothing due now: wake when the next redelivery is.
		if (rows.length === 0 && sub.inFlight.size === 0) {
			const next = this.sql("SELECT min(next_at) AS at FROM channel_deliveries WHERE channel = ? AND grp = ?").get(chan.name, chan.group) as { at: number | null };
			clearTimeout(sub.timer);
			if (next.at !== null) sub.timer = setTimeout(() => this.wake(chan.id), Math.max(5, next.at - now));
		}
	}

	private async deliver(sub: Subscription, row: DeliveryRow): Promise<void> {
		const { chan } = sub;
		const deliveries = row.attempts + 1;
		let nakDelay: number | undefined;
		const raw: LocalMessage = {
			seq: row.seq,
			payload: JSON.parse(row.payload),
			headers: JSON.parse(row.headers) as Record<string, string>,
			info: { redeliveryCount: deliveries },
			nak: (delayMs = 0) => {
				nakDelay = delayMs;
			}
		};
		let handled = false;
		try {
			await chan.handler(raw.payload, raw);
			handled = true;
		} catch (err) {
			if (!this.db) return;
			if (nakDelay !== undefined && (chan.maxRetries <= 0 || deliveries < chan.maxRetries)) {
				this.metricsIncrement("moleculer.channels.messages.retries.total", chan);
				this.sql("UPDATE channel_deliveries SET attempts = ?, next_at = ? WHERE channel = ? AND grp = ? AND seq = ?").run(deliveries, Date.now() + nakDelay, chan.name, chan.group, row.seq);
				// Due again then, whatever else is in flight (the pump sets its own timer only when nothing is).
				setTimeout(() => this.wake(chan.id), Math.max(5, nakDelay));
			} else {
				this.metricsIncrement("moleculer.channels.messages.errors.total", chan);
				this.park(chan, raw, err, deliveries);
			}
		}
		if (!handled || !this.db) return;
		await this.acknowledge(chan, row.seq);
	}

	/**
	 * Removes a handled delivery: the acknowledgements of one turn, of every group, in one statement, in a
	 * group commit (the delivery's slot stays taken until it is committed). Removed only then; a commit that
	 * fails, or a stop before it, leaves them owed: handed over again (consumers are idempotent).
	 */
	private acknowledge(chan: Chan, seq: number): Promise<void> {
		return new Promise<void>(done => {
			this.acks.push({ channel: chan.name, group: chan.group, seq, done });
			if (this.acks.length === 1) setImmediate(() => this.removeAcknowledged());
		});
	}

	private removeAcknowledged(): void {
		const acks = this.acks;
		this.acks = [];
		const db = this.db;
		const settle = () => {
			for (const ack of acks) ack.done();
		};
		if (!db) return settle();
		const keys = JSON.stringify(acks.map(a => [a.channel, a.group, a.seq]));
		grouped(db, () => this.sql("DELETE FROM channel_deliveries WHERE (channel, grp, seq) IN (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))").run(keys))
			.catch((err: unknown) => this.logger.warn(`Channels: ${acks.length} handled messages, their deliveries not yet removed (${String(err)}): they are handed over again`))
			.finally(settle);
	}

	/** The retry middleware's way to park a poison message at once (it then returns: the delivery is done). */
	async moveToDeadLetter(chan: Chan, raw: LocalMessage, err?: unknown): Promise<void> {
		this.park(chan, raw, err ?? new Error("poison message"), raw.info.redeliveryCount, false);
	}

	private park(chan: Chan, raw: LocalMessage, err: unknown, deliveries: number, removeDelivery = true): void {
		const db = this.conn;
		db.transaction(() => {
			this.sql("INSERT OR REPLACE INTO channel_dead_letters (id, channel, grp, seq, payload, headers, error, deliveries, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
				`${chan.group}:${raw.seq}`,
				chan.name,
				chan.group,
				raw.seq,
				JSON.stringify(raw.payload),
				JSON.stringify(raw.headers),
				err instanceof Error ? `${err.name}: ${err.message}` : String(err),
				deliveries,
				Date.now()
			);
			if (removeDelivery) this.sql("DELETE FROM channel_deliveries WHERE channel = ? AND grp = ? AND seq = ?").run(chan.name, chan.group, raw.seq);
		})();
		this.metricsIncrement("moleculer.channels.messages.deadLettering.total", chan);
		this.logger.warn(`Channel '${chan.name}' (${chan.group}): message ${raw.seq} parked as a dead letter after ${deliveries} deliveries (replay it from the REPL: replay ${chan.group}:${raw.seq})`);
	}

	/** The parked messages, oldest first. */
	deadLetters(): DeadLetter[] {
		const rows = this.sql("SELECT id, channel, grp, payload, error, deliveries, at FROM channel_dead_letters ORDER BY at").all() as { id: string; channel: string; grp: string; payload: string; error: string; deliveries: number; at: number }[];
		return rows.map(r => ({ id: r.id, channel: r.channel, group: r.grp, payload: JSON.parse(r.payload), error: r.error, deliveries: r.deliveries, at: new Date(r.at).toISOString() }));
	}

	/** Hands a parked message to its group again (after a fix): true when there was one. */
	replay(id: string): boolean {
		const db = this.conn;
		const row = this.sql("SELECT channel, grp, seq FROM channel_dead_letters WHERE id = ?").get(id) as { channel: string; grp: string; seq: number } | undefined;
		if (!row) return false;
		db.transaction(() => {
			this.sql("INSERT OR REPLACE INTO channel_deliveries (channel, grp, seq, attempts, next_at) VALUES (?, ?, ?, 0, 0)").run(row.channel, row.grp, row.seq);
			this.sql("DELETE FROM channel_dead_letters WHERE id = ?").run(id);
		})();
		for (const [chanId, sub] of this.subs) if (sub.chan.name === row.channel && sub.chan.group === row.grp) this.wake(chanId);
		return true;
	}

	/** Deliveries still owed, by channel and group (a consumer's lag). */
	owed(): { channel: string; group: string; owed: number }[] {
		return (this.sql("SELECT channel, grp, count(*) AS n FROM channel_deliveries GROUP BY channel, grp ORDER BY channel, grp").all() as { channel: string; grp: string; n: number }[]).map(r => ({ channel: r.channel, group: r.grp, owed: r.n }));
	}

	/**
	 * Messages every group has handled, older than the retention, and not parked, go: oldest first, found by
	 * the index on `at` (a day of retained messages is not scanned each time), PRUNE_BATCH at a time with the
	 * event loop free between batches (a backlog that ages out at once does not stall the process).
	 */
	private async prune(): Promise<void> {
		if (this.pruning) return;
		this.pruning = true;
		try {
			const before = Date.now() - this.local.retentionMs;
			for (;;) {
				if (!this.db || this.stopping) return;
				const removed = this.sql(
					`DELETE FROM channel_messages WHERE seq IN (SELECT seq FROM channel_messages WHERE at < ? AND seq NOT IN (SELECT seq FROM channel_deliveries) AND seq NOT IN (SELECT seq FROM channel_dead_letters) ORDER BY at LIMIT ?)`
				).run(before, PRUNE_BATCH).changes;
				if (removed < PRUNE_BATCH) return;
				await new Promise(resolve => setImmediate(resolve));
			}
		} finally {
			this.pruning = false;
		}
	}

	/** Messages kept (owed, parked, or handled within the retention). */
	retained(): number {
		return (this.sql("SELECT count(*) AS n FROM channel_messages").get() as { n: number }).n;
	}
}
