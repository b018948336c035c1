/**
 * Raffle aggregate (core context `raffle`): one per `drawId` — a hot aggregate that keeps every entry
 * applied to the draw and every one cancelled (from EntryApplied / EntryCancelled, in any order), runs once,
 * and keeps the record of its run so that anyone can recompute it.
 *
 *   open → run   (once; 409 the second time, 409 with no active entry)
 *
 * The run is the saga's pivot: once run, a draw takes no more candidates and nothing is re-drawn. A cancel
 * that crossed the run is undone where the entry lives (the draw context tells WinCancelled, recorded here).
 *
 * ## The algorithm (`fisher-yates/hmac-sha256/v1`), uniform and reproducible
 * 1. The candidates are the ids of the active entries (applied, not cancelled), sorted ascending by UTF-16
 *    code units (JavaScript's default sort), each once.
 * 2. A stream of 32-bit numbers: block c (c = 0, 1, 2, …) is HMAC-SHA256 with the seed (UTF-8) as the key and
 *    the decimal digits of c as the message; each block gives eight big-endian unsigned 32-bit integers.
 * 3. A uniform integer below m: take the next number x; if x ≥ 2³² − (2³² mod m), reject it and take the next
 *    (no modulo bias); otherwise x mod m.
 * 4. A partial Fisher–Yates shuffle: for i = 0 … k−1, with k = min(winners asked, candidates), swap
 *    position i with position i + uniform(n − i). The winners are the first k, in the order drawn.
 * The seed is the request's, or 32 random bytes (hex) from a cryptographic source. The record keeps the
 * algorithm's name, the seed, the sorted candidates and the winners.
 *
 * Plain TypeScript: the HMAC is given by the adapter (node:crypto), as a port.
 */
import { DomainError, earlier, later, type Decision, type EventDraft, type Tracked } from "../../domain";
import { drawEvent, type DrawEvents } from "./events";

/** What the raffle reads of an entry's facts: which entry, of which draw. */
export type EntryKeys = Pick<DrawEvents["EntryApplied"], "entryId" | "drawId">;

export const RAFFLE_ALGORITHM = "fisher-yates/hmac-sha256/v1";

/** HMAC-SHA256(key, message), both UTF-8: the one primitive the algorithm needs. */
export type HmacSha256 = (key: string, message: string) => Uint8Array;

export type RaffleStatus = "open" | "run";

/** What anyone needs to recompute a run. */
export interface RaffleRecord {
	algorithm: string;
	seed: string;
	/** How many winners the run was asked for (all candidates win when there are fewer). */
	winnersRequested: number;
	/** The ids of the active entries at the run, sorted. */
	candidates: string[];
	/** The winners, in the order drawn. */
	winners: string[];
	ranAt: string;
}

export interface Raffle extends Tracked<RaffleStatus> {
	drawId: string;
	/** Every entry applied to the draw before the run (sorted), cancelled ones included. */
	entries: string[];
	/** The entries cancelled (sorted). */
	cancelled: string[];
	/** Entries applied after the run (not candidates: told lost). */
	late: string[];
	/** Wins cancelled after the run (their entry had been cancelled, or their order): not re-drawn. */
	cancelledWins: string[];
	run?: RaffleRecord;
}

export interface RunRequest {
	winners: number;
	seed: string;
}

/** The next 32-bit unsigned integers of the stream of `seed` (step 2). */
export function randomStream(seed: string, hmac: HmacSha256): () => number {
	let counter = 0;
	let block: Uint8Array = new Uint8Array(0);
	let offset = 0;
	return () => {
		if (offset + 4 > block.length) {
			block = hmac(seed, String(counter++));
			offset = 0;
		}
		const value = ((block[offset] << 24) | (block[offset + 1] << 16) | (block[offset + 2] << 8) | block[offset + 3]) >>> 0;
		offset += 4;
		return value;
	};
}

const TWO_32 = 2 ** 32;

/** A uniform integer in [0, bound) from the stream, by rejection sampling (step 3). */
export function uniformBelow(bound: number, next: () => number): number {
	if (!Number.isInteger(bound) || bound < 1 || bound > TWO_32) throw new RangeError(`bound must be an integer in [1, 2^32], got ${bound}`);
	const limit = TWO_32 - (TWO_32 % bound);
	for (;;) {
		const x = next();
		if (x < limit) return x % bound;
	}
}

/** The sorted, distinct candidate ids (step 1). */
export function sortedCandidates(ids: Iterable<string>): string[] {
	return [...new Set(ids)].sort();
}

/** The winners of a run over `candidates` (sorted), from `seed` (step 4). */
export function drawWinners(seed: string, candidates: readonly string[], winners: number, hmac: HmacSha256): string[] {
	const a = [...candidates];
	const k = Math.min(winners, a.length);
	const next = randomStream(seed, hmac);
	for (let i = 0; i < k; i++) {
		const j = i + uniformBelow(a.length - i, next);
		[a[i], a[j]] = [a[j], a[i]];
	}
	return a.slice(0, k);
}

/** Where `id` is, or would go, in the sorted `list` (binary search). */
function positionIn(list: readonly string[], id: string): number {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (list[mid] < id) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function has(list: readonly string[], id: string): boolean {
	return list[positionIn(list, id)] === id;
}

/** `list` (sorted) with `id` in its place; null when it is there already. */
function withSorted(list: readonly string[], id: string): string[] | null {
	const at = positionIn(list, id);
	if (list[at] === id) return null;
	return [...list.slice(0, at), id, ...list.slice(at)];
}

function openRaffle(drawId: string, now: string): Raffle {
	return { id: drawId, drawId, status: "open", entries: [], cancelled: [], late: [], cancelledWins: [], createdAt: now, updatedAt: now };
}

/** `current` with `patch`, its times folded: created the earliest time heard of, updated the latest. */
function fold(current: Raffle, now: string, patch: Partial<Raffle>): Raffle {
	return { ...current, ...patch, createdAt: earlier(current.createdAt, now), updatedAt: later(current.updatedAt, now) };
}

/** The active entries: applied and not cancelled, sorted. */
export function activeCandidates(r: Pick<Raffle, "entries" | "cancelled">): string[] {
	return r.entries.filter(id => !has(r.cancelled, id));
}

/**
 * An entry was applied: a candidate while the raffle is open. Applied after the run (the draw context had
 * not heard of it yet), it is not a candidate: it is told lost at once, so every entry ends won or lost.
 */
export function onEntryApplied(current: Raffle | null, d: EntryKeys, now: string): Decision<Raffle> | null {
	const raffle = current ?? openRaffle(d.drawId, now);
	if (raffle.status === "run") {
		if (has(raffle.entries, d.entryId)) return null;
		const late = withSorted(raffle.late, d.entryId);
		if (!late) return null;
		return { state: fold(raffle, now, { late }), events: [drawEvent("EntryLost", { entryId: d.entryId, drawId: d.drawId, candidate: false })] };
	}
	const entries = withSorted(raffle.entries, d.entryId);
	return entries ? { state: fold(raffle, now, { entries }), events: [] } : null;
}

/** An entry was cancelled: no longer a candidate (after the run: recorded; a win of it is cancelled by the draw context). */
export function onEntryCancelled(current: Raffle | null, d: EntryKeys, now: string): Decision<Raffle> | null {
	const raffle = current ?? openRaffle(d.drawId, now);
	const cancelled = withSorted(raffle.cancelled, d.entryId);
	return cancelled ? { state: fold(raffle, now, { cancelled }), events: [] } : null;
}

/** A win was cancelled after the run: recorded beside the winners (which stay as drawn: no re-draw). */
export function onWinCancelled(current: Raffle | null, d: EntryKeys, now: string): Decision<Raffle> | null {
	const raffle = current ?? openRaffle(d.drawId, now);
	const cancelledWins = withSorted(raffle.cancelledWins, d.entryId);
	return cancelledWins ? { state: fold(raffle, now, { cancelledWins }), events: [] } : null;
}

/**
 * Runs the raffle, once: the winners among the active entries by the algorithm above, the record kept, and
 * RaffleRun then EntryWon / EntryLost for every candidate told in the same write (so a crash while they are
 * published loses none and tells none twice).
 */
export function run(current: Raffle | null, drawId: string, req: RunRequest, now: string, hmac: HmacSha256): Decision<Raffle> {
	if (current?.status === "run") throw new DomainError("IllegalTransition", `The raffle of draw '${drawId}' has run already: it runs once`, { status: "run", command: "run" });
	const candidates = current ? activeCandidates(current) : [];
	if (!current || candidates.length === 0) throw nothingToRun(drawId);
	const winners = drawWinners(req.seed, candidates, req.winners, hmac);
	const record: RaffleRecord = { algorithm: RAFFLE_ALGORITHM, seed: req.seed, winnersRequested: req.winners, candidates, winners, ranAt: now };
	const won = new Set(winners);
	const events: EventDraft[] = [
		drawEvent("RaffleRun", { drawId, seed: req.seed, algorithm: RAFFLE_ALGORITHM, candidates: candidates.length, winners: winners.length, ranAt: now }),
		...winners.map(entryId => drawEvent("EntryWon", { entryId, drawId })),
		...candidates.filter(id => !won.has(id)).map(entryId => drawEvent("EntryLost", { entryId, drawId, candidate: true }))
	];
	return { state: fold(current, now, { status: "run", run: record }), events };
}

/** Asking to run a draw nobody has applied to (no raffle yet): 409, nothing runs. */
export function nothingToRun(drawId: string): DomainError {
	return new DomainError("Conflict", `Draw '${drawId}' has no active entry: the raffle did not run`, { status: "open", activeEntries: 0 });
}

export interface Verification {
	drawId: string;
	algorithm: string;
	seed: string;
	candidates: number;
	/** The candidates of the record are sorted and distinct, as the algorithm takes them. */
	candidatesSorted: boolean;
	winners: string[];
	recomputed: string[];
	matches: boolean;
}

/** Recomputes a run from its record alone and says whether it gives the recorded winners. */
export function verify(drawId: string, record: RaffleRecord, hmac: HmacSha256): Verification {
	const sorted = sortedCandidates(record.candidates);
	const candidatesSorted = sorted.length === record.candidates.length && sorted.every((id, i) => id === record.candidates[i]);
	const known = record.algorithm === RAFFLE_ALGORITHM;
	const recomputed = known ? drawWinners(record.seed, record.candidates, record.winnersRequested, hmac) : [];
	const matches = known && candidatesSorted && recomputed.length === record.winners.length && recomputed.every((id, i) => id === record.winners[i]);
	return { drawId, algorithm: record.algorithm, seed: record.seed, candidates: record.candidates.length, candidatesSorted, winners: record.winners, recomputed, matches };
}

/** Verifying a raffle that has not run: 409 with its status. */
export function notRunYet(drawId: string): DomainError {
	return new DomainError("IllegalTransition", `The raffle of draw '${drawId}' has not run: nothing to verify`, { status: "open", command: "verify" });
}
