/**
 * The Draw's folds, property-based (as test/unit/folds.test.ts for the other systems): for every aggregate
 * that folds other contexts' facts and for MyPage, any permutation of a saga's events, with duplicates, folds
 * to the same state as the events in the order they happened. Statuses, fields and timestamps never go back.
 */
import fc from "fast-check";
import type { Decision } from "../../domain";
import * as draw from "../../services/thedraw/draw.domain";
import type { EntryStatus } from "../../services/thedraw/events";
import { foldMyPage, type MyPageRow } from "../../services/thedraw/mypage.view";
import * as order from "../../services/thedraw/order.domain";
import * as raffle from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";

interface Ev {
	id: string;
	type: string;
	occurredAt: string;
	data: Record<string, unknown>;
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/** A saga's events, in the order they happened (one second apart), each carrying the entry's keys. */
function saga(...events: [string, Record<string, unknown>][]): Ev[] {
	return events.map(([type, data], i) => ({ id: `e${i}`, type, occurredAt: at(i + 1), data: { entryId: "en1", drawId: "001", ...data } }));
}

type Apply<S> = (current: S | null, e: Ev) => S | null;

function foldAll<S>(initial: S | null, events: Ev[], apply: Apply<S>): S | null {
	const seen = new Set<string>();
	return events.reduce<S | null>((state, e) => {
		if (seen.has(e.id)) return state;
		seen.add(e.id);
		return apply(state, e);
	}, initial);
}

const policy =
	<S,>(decide: (current: S | null, e: Ev) => Decision<S> | null): Apply<S> =>
	(current, e) =>
		decide(current, e)?.state ?? current;

function orderInsensitive<S>(name: string, initial: S | null, events: Ev[], apply: Apply<S>): void {
	it(`${name}: any permutation with duplicates folds to the same state`, () => {
		const expected = foldAll(initial, events, apply);
		expect(expected).not.toBeNull();
		fc.assert(
			fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(events.length - 1), { maxLength: events.length * 2 }), fc.nat(), (permutation, again, seed) => {
				const delivered = [...permutation];
				for (const [i, n] of again.entries()) delivered.splice((seed + i * 7) % (delivered.length + 1), 0, events[n]);
				expect(foldAll(initial, delivered, apply)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});
}

const details = { itemNo: "1111", price: 100000, drawDate: "2021-08-28", size: 275, drawId: "001", drawName: "NIKE jordan 1", userId: "dj14" };

describe("The Draw folds", () => {
	const applied = draw.apply("en1", details, 1, at(0)).state;
	const won = draw.onEntryWon(applied, at(0))!.state;
	const entryFacts: Apply<draw.Entry> = policy((cur, e) => {
		if (e.type === "EntryWon") return draw.onEntryWon(cur, e.occurredAt);
		if (e.type === "EntryLost") return draw.onEntryLost(cur, e.occurredAt);
		if (e.type === "OrderPlaced") return draw.onOrderPlaced(cur, { orderId: String(e.data.orderId) }, e.occurredAt);
		return draw.onOrderCancelled(cur, { orderId: String(e.data.orderId) }, e.occurredAt);
	});
	orderInsensitive("entry, won then bought and its order cancelled (OrderPlaced and OrderCancelled cross)", won, saga(["OrderPlaced", { orderId: "o1" }], ["OrderCancelled", { orderId: "o1" }]), entryFacts);
	orderInsensitive("entry, its result told again after the purchase", won, saga(["EntryWon", {}], ["OrderPlaced", { orderId: "o1" }]), entryFacts);
	orderInsensitive("entry cancelled before its win arrived (the win cancelled once)", draw.cancel(applied, at(0), false).state, saga(["EntryWon", {}], ["OrderPlaced", { orderId: "o1" }]), entryFacts);

	// The raffle (a hot aggregate): its entries and cancels in any order, and after the run late facts.
	const keys = (entryId: string) => ({ entryId, drawId: "001" });
	const raffleFacts: Apply<raffle.Raffle> = policy((cur, e) => {
		const k = keys(String(e.data.entryId));
		if (e.type === "EntryApplied") return raffle.onEntryApplied(cur, k, e.occurredAt);
		if (e.type === "EntryCancelled") return raffle.onEntryCancelled(cur, k, e.occurredAt);
		return raffle.onWinCancelled(cur, k, e.occurredAt);
	});
	const entries = ["a", "b", "c", "d", "e", "f"];
	orderInsensitive(
		"raffle, entries applied and cancelled (a cancel may overtake its entry)",
		null,
		saga(...entries.map((id): [string, Record<string, unknown>] => ["EntryApplied", { entryId: id }]), ["EntryCancelled", { entryId: "b" }], ["EntryCancelled", { entryId: "e" }]),
		raffleFacts
	);
	const ran = raffle.run(entries.reduce<raffle.Raffle | null>((r, id) => raffle.onEntryApplied(r, keys(id), at(0))!.state, null), "001", { winners: 2, seed: "folds" }, at(0), hmacSha256).state;
	const winner = ran.run!.winners[0];
	orderInsensitive(
		"raffle after its run: a late entry, a cancel that crossed the run and its cancelled win",
		ran,
		saga(["EntryApplied", { entryId: "z" }], ["EntryCancelled", { entryId: winner }], ["WinCancelled", { entryId: winner }], ["EntryCancelled", { entryId: "z" }]),
		raffleFacts
	);

	// The order context's wins, from the entry's status changes.
	const change = (status: EntryStatus, extra: Record<string, unknown> = {}): [string, Record<string, unknown>] => ["EntryStatusChanged", { ...details, status, ...extra }];
	const winFacts: Apply<order.Win> = policy((cur, e) => order.onEntryStatusChanged(cur, e.data as unknown as order.WinFact, e.occurredAt));
	orderInsensitive("win, bought then cancelled", null, saga(change("won"), change("purchased", { orderId: "o1" }), change("winCancelled", { orderId: "o1" })), winFacts);

	// Auth's facts about one order request.
	const requested = order.requestOrder("o1", order.onEntryStatusChanged(null, { entryId: "en1", ...details, status: "won" }, at(0))!.state, at(0)).state;
	// Auth tells one outcome per order request; redelivered, it changes nothing.
	orderInsensitive("order request, certified (its fact redelivered)", requested, saga(["AuthCertified", { orderId: "o1" }]), policy((cur, e) => order.onAuthCertified(cur, e.occurredAt)));
	orderInsensitive("order request, not certified (its fact redelivered)", requested, saga(["AuthCancelled", { orderId: "o1" }]), policy((cur, e) => order.onAuthCancelled(cur, e.occurredAt)));

	const myPage: Apply<MyPageRow> = (row, e) => foldMyPage(row, e);
	orderInsensitive("MyPage, won, bought, order cancelled", null, saga(change("applied"), change("won"), change("purchased", { orderId: "o1" }), ["OrderPlaced", { orderId: "o1" }], change("winCancelled", { orderId: "o1" }), ["OrderCancelled", { orderId: "o1" }]), myPage);
	orderInsensitive("MyPage, lost", null, saga(change("applied"), change("lost")), myPage);
	orderInsensitive("MyPage, cancelled", null, saga(change("applied"), change("cancelled")), myPage);
});
