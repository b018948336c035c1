/**
 * The timeline of a saga: every fact of one correlation key of one system, in time order, with who told it
 * and what each consumer did with it — folded from the events themselves and from the consumers' outcome
 * notices (domain/saga.ts `ConsumerOutcome`), generic over any system's saga table.
 *
 * - A row per `<system>:<key>`: the key is the saga's first correlation key an event of that type carries
 *   (`saga.keys` in order, then the event's own `keys`), so every fact of one order lands on one row.
 * - Idempotent and order-insensitive: an event id is folded once (the view store skips it, and so does the
 *   fold); entries are kept sorted by `at`, then by event id (time-ordered); an outcome notice is
 *   merged (handled wins over failed, attempts only grow), never appended, and one that overtakes its event
 *   waits in `early` until the event comes. Any permutation of the same facts and notices, with duplicates,
 *   folds to the same row.
 * - The row says where the saga stands: its latest fact, whether a compensation or the pivot was told, and
 *   how many of the consumers the table names have not told a success yet (`waiting`), are failing, or
 *   parked the fact as a dead letter.
 * Plain TypeScript (imports only the kernel), unit-tested alone.
 */
import { OWNER_FIELDS, type ConsumerOutcome, type DomainEvent, type SagaTable } from "../../domain";

export type Outcome = ConsumerOutcome["outcome"];

/** What one consumer did with one fact, as far as its notices tell. */
export interface OutcomeRecord {
	outcome: Outcome;
	/** When it was handled (the first such notice), or when it last failed. */
	at: string;
	/** The highest delivery told (1 = first). */
	attempts?: number;
	/** The latest failure's error (kept after a later success: what went wrong before), and when it was told. */
	error?: string;
	errorAt?: string;
	/** A failure parked the fact as a dead letter (until it is replayed and handled). */
	deadLettered?: boolean;
}

export interface TimelineEntry {
	/** When the fact happened (the event's `occurredAt`). */
	at: string;
	type: string;
	/** The context that told it (the saga table's producer). */
	producer: string;
	eventId: string;
	/** The producing aggregate's version: orders facts told at the same instant. */
	version?: number;
	/** The correlation keys the fact carries. */
	keys: Record<string, string>;
	/** The customer the fact names, if it names one. */
	owner?: string;
	/** The consumers the saga table names for this fact (context names). */
	consumers: string[];
	/** By consumer: a context name of the system, or the full service name of a consumer outside the table. */
	outcomes: Record<string, OutcomeRecord>;
	/** The fact whose effect this one undoes. */
	compensates?: string;
	/** This fact passes the saga's pivot. */
	pivot?: boolean;
}

export interface TimelineRow {
	/** `<system>:<key>`. */
	id: string;
	system: string;
	/** The correlation key's field (`orderId`) and value. */
	keyField: string;
	key: string;
	/** The customer the saga belongs to: who may read it besides an admin. */
	owner?: string;
	/** The first and the latest fact's time ("" while only early notices are known). */
	startedAt: string;
	updatedAt: string;
	/** The latest fact's type (time order). */
	last: string;
	entries: TimelineEntry[];
	/** Outcome notices of facts not folded yet, by event id, then consumer. */
	early: Record<string, Record<string, OutcomeRecord>>;
	/** Facts dropped from the front because the row holds at most its limit. */
	dropped: number;
	/** A compensation was told. */
	compensated: boolean;
	/** The pivot's fact was told: the saga can only go forward. */
	pivotPassed: boolean;
	/** Consumers the table names, per fact, that have told no success yet (where the saga waits). */
	waiting: number;
	/** …whose latest notice is a failure. */
	failing: number;
	/** …that parked their fact as a dead letter. */
	deadLettered: number;
}

/** A row as it is answered (the notices still waiting for their fact stay inside). */
export type TimelineView = Omit<TimelineRow, "early">;

/** A row without its entries: what a list of recent sagas shows. */
export type TimelineSummary = Omit<TimelineRow, "entries" | "early"> & { facts: number };

export interface TimelineSystem {
	name: string;
	saga: SagaTable;
}

/** The correlation key fields an event of `type` carries, the row's first: the saga's keys in order, then its own. */
export function keyFieldsOf(saga: SagaTable, type: string): string[] {
	const own = saga.events[type]?.keys ?? saga.keys;
	return [...new Set([...saga.keys.filter(k => own.includes(k)), ...own])];
}

/** The field whose value addresses the row of an event of `type` (undefined: the type carries no key). */
export function rowFieldOf(saga: SagaTable, type: string): string | undefined {
	return keyFieldsOf(saga, type)[0];
}

export const rowIdOf = (system: string, key: string) => `${system}:${key}`;

/** The consumer's name as the table says it: `flowerdelivery.store` → `store`. */
export function consumerName(system: string, consumer: string): string {
	return consumer.startsWith(`${system}.`) ? consumer.slice(system.length + 1) : consumer;
}

/** The customer an event names: the table's `owner` field, or the first of the common names it carries. */
export function ownerOf(saga: SagaTable, data: Record<string, unknown>): string | undefined {
	for (const field of saga.owner ? [saga.owner] : OWNER_FIELDS) {
		const value = data[field];
		if (typeof value === "string" && value !== "") return value;
	}
	return undefined;
}

/** The latest failure a record knows of: when, and why. */
function failureOf(r: OutcomeRecord): { at: string; error: string } | undefined {
	if (r.error !== undefined) return { at: r.errorAt ?? r.at, error: r.error };
	return r.outcome === "failed" ? { at: r.at, error: "" } : undefined;
}

/**
 * Two records of one consumer's outcome, merged — commutative and associative, so any order of notices,
 * duplicated or not, gives one record: handled wins (at its first notice), attempts only grow, the latest
 * failure keeps its error, and a dead letter counts only while the fact is not handled.
 */
export function mergeOutcome(a: OutcomeRecord | undefined, b: OutcomeRecord): OutcomeRecord {
	if (!a) return b;
	const handledAt = [a, b].filter(r => r.outcome === "handled").map(r => r.at).sort()[0];
	const failures = [a, b].map(failureOf).filter((f): f is { at: string; error: string } => f !== undefined);
	const failure = failures.sort((x, y) => (x.at === y.at ? x.error.localeCompare(y.error) : x.at < y.at ? -1 : 1)).pop();
	const attempts = Math.max(a.attempts ?? 0, b.attempts ?? 0);
	const merged: OutcomeRecord = handledAt !== undefined ? { outcome: "handled", at: handledAt } : { outcome: "failed", at: failure?.at ?? b.at };
	if (attempts > 0) merged.attempts = attempts;
	if (failure && failure.error !== "") {
		merged.error = failure.error;
		merged.errorAt = failure.at;
	}
	if (handledAt === undefined && (a.deadLettered || b.deadLettered)) merged.deadLettered = true;
	return merged;
}

function recordOf(notice: ConsumerOutcome): OutcomeRecord {
	return {
		outcome: notice.outcome,
		at: notice.at,
		...(notice.attempt !== undefined ? { attempts: notice.attempt } : {}),
		...(notice.error !== undefined ? { error: notice.error, errorAt: notice.at } : {}),
		...(notice.outcome === "failed" && notice.deadLettered ? { deadLettered: true } : {})
	};
}

function mergeAll(into: Record<string, OutcomeRecord>, from: Record<string, OutcomeRecord>): Record<string, OutcomeRecord> {
	const out = { ...into };
	for (const [consumer, record] of Object.entries(from)) out[consumer] = mergeOutcome(out[consumer], record);
	return out;
}

/**
 * Time order; ties (the same millisecond): the event id, which is time-ordered (lib/ids.ts: a fact made after
 * another in a process has the greater id, within one millisecond too), and a total order whatever the order
 * of folding. Not the version: two producers' versions say nothing of which came first (a delivery's first
 * fact follows the shop's third, in the same millisecond on a fast machine).
 */
function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
	if (a.at !== b.at) return a.at < b.at ? -1 : 1;
	return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function emptyRow(system: string, keyField: string, key: string): TimelineRow {
	return { id: rowIdOf(system, key), system, keyField, key, startedAt: "", updatedAt: "", last: "", entries: [], early: {}, dropped: 0, compensated: false, pivotPassed: false, waiting: 0, failing: 0, deadLettered: 0 };
}

/** The row's standing, from its entries (so it depends only on what was folded, not on the order). */
function withStanding(row: TimelineRow): TimelineRow {
	let waiting = 0;
	let failing = 0;
	let deadLettered = 0;
	for (const entry of row.entries) {
		for (const consumer of entry.consumers) {
			const o = entry.outcomes[consumer];
			if (o?.outcome !== "handled") waiting++;
			if (o?.outcome === "failed") failing++;
			if (o?.deadLettered) deadLettered++;
		}
	}
	const first = row.entries[0];
	const latest = row.entries[row.entries.length - 1];
	const owner = row.entries.find(e => e.owner !== undefined)?.owner ?? row.owner;
	return {
		...row,
		...(owner !== undefined ? { owner } : {}),
		startedAt: first ? (row.startedAt && row.startedAt < first.at ? row.startedAt : first.at) : row.startedAt,
		updatedAt: latest ? (row.updatedAt > latest.at ? row.updatedAt : latest.at) : row.updatedAt,
		last: latest ? latest.type : row.last,
		compensated: row.compensated || row.entries.some(e => e.compensates !== undefined),
		pivotPassed: row.pivotPassed || row.entries.some(e => e.pivot === true),
		waiting,
		failing,
		deadLettered
	};
}

export interface FoldLimits {
	/** Facts kept per row (the latest); older ones are dropped and counted. */
	maxEntries: number;
}

/**
 * Folds one event of `system` into its row (null: the event carries none of the saga's keys, or is no fact
 * of the table). Folding an event id the row holds changes nothing.
 */
export function foldEvent(row: TimelineRow | null, event: DomainEvent, system: TimelineSystem, limits: FoldLimits): TimelineRow | null {
	const spec = system.saga.events[event.type];
	if (!spec) return null;
	const data = event.data as Record<string, unknown>;
	const keys: Record<string, string> = {};
	for (const field of keyFieldsOf(system.saga, event.type)) if (typeof data[field] === "string" && data[field] !== "") keys[field] = data[field] as string;
	const keyField = rowFieldOf(system.saga, event.type);
	if (keyField === undefined || keys[keyField] === undefined) return null;
	const current = row ?? emptyRow(system.name, keyField, keys[keyField]);
	if (current.entries.some(e => e.eventId === event.id)) return current;

	const owner = ownerOf(system.saga, data);
	const pivot = system.saga.pivots.some(p => p.event === event.type);
	const entry: TimelineEntry = {
		at: event.occurredAt,
		type: event.type,
		producer: spec.producer,
		eventId: event.id,
		...(typeof event.version === "number" ? { version: event.version } : {}),
		keys,
		...(owner !== undefined ? { owner } : {}),
		consumers: [...spec.consumers],
		outcomes: mergeAll({}, current.early[event.id] ?? {}),
		...(spec.compensates ? { compensates: spec.compensates } : {}),
		...(pivot ? { pivot: true } : {})
	};
	const { [event.id]: _arrived, ...early } = current.early;
	const entries = [...current.entries, entry].sort(compareEntries);
	const over = Math.max(0, entries.length - limits.maxEntries);
	return withStanding({ ...current, entries: entries.slice(over), early, dropped: current.dropped + over });
}

/** Notices of facts a row waits for are kept for this many facts at most (a notice of a dropped fact is not). */
const EARLY_KEPT = 200;

/**
 * Merges a consumer's outcome notice into the row `system:key` (`keyField` is the row's key field, when the
 * row does not exist yet). A notice of a fact the row does not hold yet waits in `early`.
 */
export function foldOutcome(row: TimelineRow | null, notice: ConsumerOutcome, keyField: string, key: string): TimelineRow {
	const current = row ?? emptyRow(notice.system, keyField, key);
	const consumer = consumerName(notice.system, notice.consumer);
	const record = recordOf(notice);
	const at = current.entries.findIndex(e => e.eventId === notice.eventId);
	if (at >= 0) {
		const entries = [...current.entries];
		entries[at] = { ...entries[at], outcomes: mergeAll(entries[at].outcomes, { [consumer]: record }) };
		return withStanding({ ...current, entries });
	}
	const early = { ...current.early, [notice.eventId]: mergeAll(current.early[notice.eventId] ?? {}, { [consumer]: record }) };
	const ids = Object.keys(early).sort();
	for (const id of ids.slice(0, Math.max(0, ids.length - EARLY_KEPT))) delete early[id];
	return { ...current, early };
}

/** A row as a list shows it. */
export function summaryOf(row: TimelineRow): TimelineSummary {
	const { entries, early: _early, ...rest } = row;
	return { ...rest, facts: entries.length + row.dropped };
}

/** Whether a row has any fact yet (rows made by early notices alone are not listed). */
export const hasFacts = (row: TimelineRow): boolean => row.entries.length > 0;

/** The Moleculer event (a broadcast, fire-and-forget) telling that a saga's timeline changed: the console's live view. */
export const TIMELINE_CHANGED = "timeline.changed";

export interface TimelineChange {
	system: string;
	key: string;
	/** Who may see it besides an admin. */
	owner?: string;
	row: TimelineView;
	summary: TimelineSummary;
}
