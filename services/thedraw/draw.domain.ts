/**
 * Entry aggregate (core context `draw`): one application of one customer to one draw, and the one place
 * where that entry's status is decided — by the customer's commands (apply, cancel) and by the facts of the
 * raffle (EntryWon / EntryLost) and of the order context (OrderPlaced / OrderCancelled).
 *
 *   applied → cancelled | won | lost;  won → purchased → winCancelled;  won → winCancelled
 *
 * A cancel and a raffle result that cross meet here, on this one aggregate, so whichever comes first wins:
 * a cancelled entry never becomes won (its win, arriving later, is cancelled at once: WinCancelled, no
 * re-draw), and a won entry can no longer be cancelled. Every change of the status is told once
 * (EntryStatusChanged): the SMS, MyPage and the order context's knowledge of wins follow it, so a cancelled
 * entry is never told it won and can never be bought.
 */
import { DomainError, StateMachine, touch, type Decision, type EventDraft, type Tracked } from "../../domain";
import { detailsOf, drawEvent, type DrawEvents, type EntryDetails, type EntryStatus } from "./events";

export interface Entry extends Tracked<EntryStatus>, EntryDetails {
	/** 1 for a customer's first entry in a draw, 2 after they cancelled it and applied again, … (part of the id). */
	generation: number;
	/** The result: null before the raffle (and for a cancelled entry), then true (won) or false (lost). */
	win: boolean | null;
	/** The order that bought the win (purchased, winCancelled). */
	orderId?: string;
	/** A result the raffle told after the entry had been cancelled (it was in the run): a win was cancelled at once. */
	lateResult?: "won" | "lost";
}

export type ApplyInput = EntryDetails;

export const entryMachine = new StateMachine<EntryStatus>("Entry", {
	applied: ["cancelled", "won", "lost"],
	won: ["purchased", "winCancelled"],
	purchased: ["winCancelled"],
	cancelled: [],
	lost: [],
	winCancelled: []
});

/** How far an entry has come: facts only ever move it forward by this rank (a late or repeated fact changes nothing). */
export const ENTRY_PROGRESS: Readonly<Record<EntryStatus, number>> = { applied: 0, won: 1, purchased: 2, winCancelled: 3, lost: 3, cancelled: 3 };

/** An entry that is not cancelled: one per customer and draw at a time. */
export const isActive = (e: Pick<Entry, "status">): boolean => e.status !== "cancelled";

function statusChanged(entry: Entry, previousStatus?: EntryStatus): EventDraft<"EntryStatusChanged", DrawEvents["EntryStatusChanged"]> {
	return drawEvent("EntryStatusChanged", {
		entryId: entry.id,
		...detailsOf(entry),
		status: entry.status,
		...(previousStatus ? { previousStatus } : {}),
		...(entry.orderId ? { orderId: entry.orderId } : {})
	});
}

/** A customer applies (`id` is derived from the draw, the customer and the generation: a second active entry collides). */
export function apply(id: string, input: ApplyInput, generation: number, now: string): Decision<Entry> {
	const entry: Entry = { id, ...detailsOf(input), generation, status: "applied", win: null, createdAt: now, updatedAt: now };
	return { state: entry, events: [drawEvent("EntryApplied", { entryId: id, drawId: entry.drawId, userId: entry.userId }), statusChanged(entry)] };
}

/** Applying to a draw whose raffle has run: 409. */
export function drawClosed(drawId: string): DomainError {
	return new DomainError("Conflict", `The raffle of draw '${drawId}' has run: it takes no more entries`, { status: "drawn", drawId });
}

/** A second active entry of one customer in one draw: 409 with the one they have. */
export function alreadyApplied(existing: Entry): DomainError {
	return new DomainError("Conflict", `You already have an entry in draw '${existing.drawId}' ('${existing.id}', ${existing.status})`, { status: existing.status, entryId: existing.id });
}

/** Whether `date` (YYYY-MM-DD) is a real calendar date. */
export function isCalendarDate(date: string): boolean {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
	if (!m) return false;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const t = new Date(Date.UTC(y, mo - 1, d));
	return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * The customer withdraws the entry: only while it is applied and its raffle has not run (as far as this
 * context has heard: `raffleRun`); otherwise 409 with the current status.
 */
export function cancel(entry: Entry, now: string, raffleRun: boolean): Decision<Entry> {
	if (entry.status === "applied" && raffleRun) {
		throw new DomainError("IllegalTransition", `Entry is applied and the raffle of draw '${entry.drawId}' has run: cannot cancel`, { status: entry.status, command: "cancel", drawStatus: "drawn" });
	}
	const cancelled = touch(entry, now, { status: entryMachine.move(entry.status, "cancelled", "cancel") });
	return { state: cancelled, events: [drawEvent("EntryCancelled", { entryId: entry.id, drawId: entry.drawId, userId: entry.userId }), statusChanged(cancelled, entry.status)] };
}

/**
 * The raffle drew the entry. An applied entry is won; a cancelled one (the cancel reached it first) keeps its
 * status and has the win cancelled at once (WinCancelled): nobody is told it won, nobody can buy it.
 */
export function onEntryWon(current: Entry | null, now: string): Decision<Entry> | null {
	if (!current) return null;
	if (current.status === "applied") {
		const won = touch(current, now, { status: "won", win: true });
		return { state: won, events: [statusChanged(won, "applied")] };
	}
	if (current.status === "cancelled" && current.lateResult === undefined) {
		return {
			state: touch(current, now, { lateResult: "won" }),
			events: [drawEvent("WinCancelled", { entryId: current.id, drawId: current.drawId, userId: current.userId, reason: "entryCancelled" })]
		};
	}
	return null;
}

/** The raffle did not draw the entry: an applied entry is lost; a cancelled one stays cancelled (nothing to undo). */
export function onEntryLost(current: Entry | null, now: string): Decision<Entry> | null {
	if (!current) return null;
	if (current.status === "applied") {
		const lost = touch(current, now, { status: "lost", win: false });
		return { state: lost, events: [statusChanged(lost, "applied")] };
	}
	if (current.status === "cancelled" && current.lateResult === undefined) return { state: touch(current, now, { lateResult: "lost" }), events: [] };
	return null;
}

/** The winner bought it (OrderPlaced): purchased. An order cancel that overtook it left the entry winCancelled: nothing moves back. */
export function onOrderPlaced(current: Entry | null, d: Pick<DrawEvents["OrderPlaced"], "orderId">, now: string): Decision<Entry> | null {
	if (!current || current.status !== "won") return null;
	const purchased = touch(current, now, { status: "purchased", orderId: d.orderId });
	return { state: purchased, events: [statusChanged(purchased, "won")] };
}

/** The order was cancelled: the win is cancelled with it (whether or not its OrderPlaced got here first). */
export function onOrderCancelled(current: Entry | null, d: Pick<DrawEvents["OrderCancelled"], "orderId">, now: string): Decision<Entry> | null {
	if (!current || (current.status !== "won" && current.status !== "purchased")) return null;
	const cancelled = touch(current, now, { status: "winCancelled", orderId: current.orderId ?? d.orderId });
	return {
		state: cancelled,
		events: [statusChanged(cancelled, current.status), drawEvent("WinCancelled", { entryId: current.id, drawId: current.drawId, userId: current.userId, reason: "orderCancelled", orderId: d.orderId })]
	};
}
