/**
 * The Draw's published language: the events, what each one carries (always the correlation keys of the
 * aggregates it is about: `entryId`, `drawId`, `orderId`), and a typed constructor. Channels are
 * `thedraw.<EventType>`.
 */
import { eventsOf } from "../../domain";

/**
 * An entry's status (spec "Entry statuses"): applied → cancelled | won | lost; won → purchased (order placed)
 * → winCancelled (order cancelled); won → winCancelled.
 */
export type EntryStatus = "applied" | "cancelled" | "won" | "lost" | "purchased" | "winCancelled";

/** What a customer applied for: the seed's `Draw` fields (`drawId` and `itemNo` kept as given: "001" stays "001"). */
export type EntryDetails = {
	itemNo: string;
	price: number;
	/** A calendar date, YYYY-MM-DD. */
	drawDate: string;
	/** Shoe size in mm, 200–330. */
	size: number;
	drawId: string;
	drawName: string;
	userId: string;
	/** Where the SMS go (optional). */
	phone?: string;
};

/** Why a win was cancelled: its entry had been cancelled before the win reached it, or its order was cancelled. */
export type WinCancelReason = "entryCancelled" | "orderCancelled";

export type DrawEvents = {
	/** The seed's DrawApplied: a customer applied to a draw. */
	EntryApplied: { entryId: string; drawId: string; userId: string };
	/** The customer withdrew the entry before the raffle ran. */
	EntryCancelled: { entryId: string; drawId: string; userId: string };
	/**
	 * The entry's status changed (the seed: "Draw상태가 바뀔때마다": whenever a draw entry's status changes),
	 * told once per change by the entry's owner, with the entry as it now is: what the SMS, MyPage and the
	 * order context's knowledge of wins follow.
	 */
	EntryStatusChanged: EntryDetails & { entryId: string; status: EntryStatus; previousStatus?: EntryStatus; orderId?: string };
	/** The raffle of a draw was run, once: its record (seed, algorithm, candidates, winners) is at GET /raffles/:drawId. */
	RaffleRun: { drawId: string; seed: string; algorithm: string; candidates: number; winners: number; ranAt: string };
	/** One candidate of the run won… */
	EntryWon: { entryId: string; drawId: string };
	/** …or did not (`candidate: false`: it was applied after the run, so it was not in it). */
	EntryLost: { entryId: string; drawId: string; candidate: boolean };
	/** A win that will not be bought: its entry was cancelled before the win reached it, or its order was cancelled. No re-draw. */
	WinCancelled: { entryId: string; drawId: string; userId: string; reason: WinCancelReason; orderId?: string };
	/** A winner asked to buy (the seed's order request): certification follows, synchronously. */
	OrderRequested: { orderId: string; entryId: string; drawId: string; userId: string };
	/** The buyer was certified (the password is theirs). */
	AuthCertified: { orderId: string; entryId: string; drawId: string; userId: string };
	/** The buyer was not certified: the order request is removed. */
	AuthCancelled: { orderId: string; entryId: string; drawId: string; userId: string };
	/** The winner bought the item: the entry is purchased. */
	OrderPlaced: { orderId: string; entryId: string; drawId: string; userId: string; itemNo: string; size: number; price: number };
	/** The customer cancelled the order: the win is cancelled too. */
	OrderCancelled: { orderId: string; entryId: string; drawId: string; userId: string };
	/** An SMS about an entry's status change was sent (one per change). */
	SmsSent: { messageId: string; entryId: string; drawId: string; userId: string; phone?: string; entryStatus: EntryStatus };
};

export type DrawEvent = keyof DrawEvents;

/** A fact to publish, its payload checked against its name. */
export const drawEvent = eventsOf<DrawEvents>();

export function detailsOf(d: EntryDetails): EntryDetails {
	return { itemNo: d.itemNo, price: d.price, drawDate: d.drawDate, size: d.size, drawId: d.drawId, drawName: d.drawName, userId: d.userId, ...(d.phone !== undefined ? { phone: d.phone } : {}) };
}
