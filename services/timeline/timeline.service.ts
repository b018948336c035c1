/**
 * timeline — a generic context that watches every saga of every system in services/systems.ts: its own
 * consumer group on every `<system>.<EventType>` channel of each saga table, and the consumers' outcome
 * notices (lib/outcomes.ts), folded into one timeline per correlation key (timeline.view.ts) — in Redis with
 * REDIS_URL, in SQLite under DATA_DIR in the embedded default, in memory with DATA_DIR=":memory:"
 * (mixins/view.mixin.ts), idempotent like every consumer.
 *
 *   timeline.systems   the systems and their saga tables (what the console draws)
 *   timeline.list      recent sagas of a system (an admin all of them, a customer their own)
 *   timeline.get       one saga's timeline (an admin, or the customer it belongs to)
 *
 * Writes are committed in groups (GroupCommit: what arrived within a few milliseconds, one transaction), and
 * a handler acknowledges its event only once its write is committed. Every change of a row is broadcast
 * (TIMELINE_CHANGED, fire-and-forget) for the console's live view: the gateway pushes it to the browsers
 * watching that saga (services/gateway/console.ts).
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import type { ConsumerOutcome, DomainEvent } from "../../domain";
import { assertInScope } from "../../lib/access";
import { notFound } from "../../lib/errors";
import { OUTCOME_EVENT } from "../../lib/outcomes";
import type { ChannelDefinition } from "../../middlewares/channels";
import { consume } from "../../mixins/consume";
import { listParams, readRetry, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { viewStore, type ViewMethods, type ViewStore, type ViewWrite } from "../../mixins/view.mixin";
import type { Page } from "../../mixins/store";
import { SYSTEMS } from "../systems";
import { foldEvent, foldOutcome, hasFacts, rowFieldOf, rowIdOf, summaryOf, TIMELINE_CHANGED, type TimelineChange, type TimelineRow, type TimelineSummary, type TimelineSystem, type TimelineView } from "./timeline.view";

const systems = new Map<string, TimelineSystem>(SYSTEMS.map(s => [s.name, { name: s.name, saga: s.saga }]));
const SYSTEM_NAMES = [...systems.keys()];

/** Which row an event id went to, for notices that do not carry the row's key (most do): the latest ones. */
const ROWS_REMEMBERED = 50_000;
/** Notices of events this process has not folded yet, by event id (a notice may overtake its event). */
const NOTICES_WAITING = 10_000;

const LIST: ListSpec = { filters: { owner: "string" }, sortable: ["updatedAt", "startedAt"], defaultSort: "-updatedAt" };
/** Who reads timelines: an admin every one, a customer the sagas whose `owner` they are (lib/access.ts). */
const READ = { roles: ["customer", "admin"] as const, owner: "owner" };

/** How long writes gather before they are committed together. */
const GROUP_COMMIT_MS = 5;

/**
 * The timeline's writes, gathered for GROUP_COMMIT_MS and committed in one go (`applyAll`: one SQLite
 * transaction): an order is written to the timeline about five times (each fact, each consumer's notice),
 * which one commit each would make the timeline's cost on a busy shop as high as the order's own. Each
 * writer waits for the commit of its write (a consumer acknowledges its event only then); a group that fails
 * is written again one by one, so one bad write fails alone. Each row changed is told once per group.
 */
class GroupCommit {
	private pending: { write: ViewWrite<TimelineRow>; done: (row: TimelineRow | null) => void; fail: (err: unknown) => void }[] = [];
	private timer?: NodeJS.Timeout;

	constructor(
		private readonly store: () => ViewStore<TimelineRow>,
		private readonly told: (row: TimelineRow) => void
	) {}

	write(key: string, id: string | null, fold: (row: TimelineRow | null) => TimelineRow | null): Promise<TimelineRow | null> {
		return new Promise((done, fail) => {
			this.pending.push({ write: { key, id, fold }, done, fail });
			this.timer ??= setTimeout(() => void this.flush(), GROUP_COMMIT_MS);
		});
	}

	async flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		const group = this.pending;
		this.pending = [];
		if (group.length === 0) return;
		const changed = new Set<number>();
		const writes = group.map(({ write }, i) => ({
			...write,
			fold: (row: TimelineRow | null) => {
				const next = write.fold(row);
				if (next !== null) changed.add(i);
				return next;
			}
		}));
		let rows: (TimelineRow | null)[];
		try {
			rows = await this.store().applyAll(writes);
		} catch {
			changed.clear();
			rows = [];
			for (const [i, w] of writes.entries()) {
				try {
					rows.push((await this.store().applyAll([w]))[0]);
				} catch (err) {
					rows.push(null);
					group[i].fail(err);
				}
			}
		}
		const latest = new Map<string, TimelineRow>();
		for (const [i, entry] of group.entries()) {
			entry.done(rows[i]);
			const row = rows[i];
			if (changed.has(i) && row) latest.set(entry.write.key, row);
		}
		for (const row of latest.values()) this.told(row);
	}
}

interface TimelineVars {
	rowOfEvent: Map<string, string>;
	waitingNotices: Map<string, ConsumerOutcome[]>;
	writes: GroupCommit;
}

type TimelineService = Service & ViewMethods<TimelineRow> & TimelineVars & TimelineMethods;

interface TimelineMethods {
	applyNotice(notice: ConsumerOutcome, key: string): Promise<void>;
	told(row: TimelineRow): void;
}

/** A map that keeps its latest `max` entries. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
	map.delete(key);
	map.set(key, value);
	if (map.size > max) map.delete(map.keys().next().value as string);
}

/** One consumer per fact of every saga table, addressed by the row's key (the saga's first key the fact carries). */
function channels(): Record<string, ChannelDefinition<TimelineService>> {
	const defs: Record<string, ChannelDefinition<TimelineService>> = {};
	for (const system of systems.values()) {
		for (const type of Object.keys(system.saga.events)) {
			const key = rowFieldOf(system.saga, type);
			if (key === undefined) continue;
			defs[`${system.name}.${type}`] = consume<TimelineService>(
				async function (event: DomainEvent) {
					const rowKey = String(event.data[key]);
					await this.writes.write(rowIdOf(system.name, rowKey), event.id, current => foldEvent(current, event, system, { maxEntries: config.timeline.maxEntries }));
					remember(this.rowOfEvent, event.id, rowKey, ROWS_REMEMBERED);
					const waiting = this.waitingNotices.get(event.id);
					this.waitingNotices.delete(event.id);
					for (const notice of waiting ?? []) await this.applyNotice(notice, rowKey);
				},
				{ key, quiet: true }
			);
		}
	}
	return defs;
}

function view(row: TimelineRow): TimelineView {
	const { early: _early, ...shown } = row;
	return shown;
}

const service: ContextSchema<TimelineMethods, object, TimelineVars & ViewMethods<TimelineRow>> = {
	name: "timeline",
	mixins: [viewStore<TimelineRow>("timeline")],

	created(this: TimelineService) {
		this.rowOfEvent = new Map();
		this.waitingNotices = new Map();
		this.writes = new GroupCommit(
			() => this.view,
			row => this.told(row)
		);
	},

	async stopped(this: TimelineService) {
		await this.writes.flush();
	},

	channels: channels(),

	events: {
		[OUTCOME_EVENT]: {
			// A tolerant reader: fields added to notices later are ignored.
			params: {
				eventId: "string|min:1",
				type: "string|min:1",
				system: "string|min:1",
				consumer: "string|min:1",
				outcome: { type: "enum", values: ["handled", "failed"] },
				at: "string|min:1",
				attempt: "number|optional",
				error: "string|optional",
				deadLettered: "boolean|optional",
				key: { type: "object", optional: true, props: { field: "string", value: "string" } }
			},
			async handler(this: TimelineService, ctx: Context<ConsumerOutcome>) {
				const notice = ctx.params;
				const system = systems.get(notice.system);
				if (!system || notice.consumer === this.fullName) return;
				const field = rowFieldOf(system.saga, notice.type);
				if (field === undefined) return;
				const key = notice.key?.field === field ? notice.key.value : this.rowOfEvent.get(notice.eventId);
				if (key !== undefined) return this.applyNotice(notice, key);
				const waiting = this.waitingNotices.get(notice.eventId) ?? [];
				remember(this.waitingNotices, notice.eventId, [...waiting, notice], NOTICES_WAITING);
			}
		}
	},

	methods: {
		async applyNotice(this: TimelineService, notice: ConsumerOutcome, key: string): Promise<void> {
			const system = systems.get(notice.system);
			const field = system && rowFieldOf(system.saga, notice.type);
			if (!system || field === undefined) return;
			// A notice is merged (foldOutcome is idempotent), so nothing is remembered of it.
			await this.writes.write(rowIdOf(system.name, key), null, current => foldOutcome(current, notice, field, key));
		},

		/** Fire-and-forget: the console's live view (a lost push is caught up by the next one, or a reload). */
		told(this: TimelineService, row: TimelineRow): void {
			if (!hasFacts(row)) return;
			const change: TimelineChange = { system: row.system, key: row.key, ...(row.owner !== undefined ? { owner: row.owner } : {}), row: view(row), summary: summaryOf(row) };
			void Promise.resolve(this.broker.broadcast(TIMELINE_CHANGED, change)).catch(() => undefined);
		}
	},

	actions: {
		systems: {
			auth: READ,
			params: { $$strict: true },
			handler() {
				return SYSTEMS.map(s => ({ name: s.name, title: s.title, keys: s.saga.keys, ...(s.saga.owner ? { owner: s.saga.owner } : {}), events: s.saga.events, pivots: s.saga.pivots }));
			}
		},

		list: {
			auth: READ,
			retryPolicy: readRetry,
			params: { ...listParams(LIST), system: { type: "enum", values: SYSTEM_NAMES } },
			async handler(this: TimelineService, ctx: Context<Record<string, unknown> & { system: string }>): Promise<Page<TimelineSummary>> {
				const q = toPageQuery(ctx.params, LIST);
				const page = await this.view.list({ filter: { ...q.query, system: ctx.params.system }, page: q.page, pageSize: q.pageSize, sort: q.sort, visible: row => hasFacts(row as TimelineRow) });
				return { ...page, rows: page.rows.map(summaryOf) };
			}
		},

		get: {
			auth: READ,
			retryPolicy: readRetry,
			params: { $$strict: true, system: { type: "enum", values: SYSTEM_NAMES }, key: { type: "string", min: 1, max: 200 } },
			async handler(this: TimelineService, ctx: Context<{ system: string; key: string }>): Promise<TimelineView> {
				const { system, key } = ctx.params;
				const row = await this.view.get(rowIdOf(system, key));
				if (!row || !hasFacts(row)) throw notFound("Saga", `${system}/${key}`);
				assertInScope(ctx, row, `The saga '${system}/${key}'`);
				return view(row);
			}
		}
	}
};

export default service;
