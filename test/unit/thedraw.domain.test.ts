/** The Draw's domain alone: the entry's state machine, the raffle aggregate, checkout (wins, orders, certification), SMS, MyPage. */
import { createHmac } from "node:crypto";
import type { Decision, EventDraft } from "../../domain";
import * as auth from "../../services/thedraw/auth.domain";
import * as draw from "../../services/thedraw/draw.domain";
import type { DrawEvents, EntryStatus } from "../../services/thedraw/events";
import { foldMyPage, winOf } from "../../services/thedraw/mypage.view";
import { smsFor, smsSent } from "../../services/thedraw/notification.domain";
import * as order from "../../services/thedraw/order.domain";
import * as raffle from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";
import { expectDomainError } from "../support/expect";

const T = "2026-01-01T00:00:00.000Z";
const T2 = "2026-01-01T00:00:01.000Z";
// The seed's command: `itemNo="1111" price="100000" drawDate="2021-08-28" size=275 drawId="001" drawName="NIKE jordan 1" userId="dj14"`.
const seed = { itemNo: "1111", price: 100000, drawDate: "2021-08-28", size: 275, drawId: "001", drawName: "NIKE jordan 1", userId: "dj14", phone: "01012345678" };

const types = (events: EventDraft[]) => events.map(e => e.type);
const stateOf = <S>(d: Decision<S> | null): S => {
	if (!d) throw new Error("expected a decision");
	return d.state;
};
const applied = () => draw.apply("e1", seed, 1, T).state;
const withStatus = (status: EntryStatus): draw.Entry => ({ ...applied(), status });
const changed = (d: Decision<unknown> | null) => d?.events.filter(e => e.type === "EntryStatusChanged").map(e => (e.data as DrawEvents["EntryStatusChanged"]).status);

describe("Entry aggregate", () => {
	it("applies with the seed's fields kept as given, tells EntryApplied and its first status change", () => {
		const d = draw.apply("e1", seed, 1, T);
		expect(d.state).toMatchObject({ id: "e1", itemNo: "1111", drawId: "001", price: 100000, size: 275, userId: "dj14", generation: 1, status: "applied", win: null });
		expect(d.events).toEqual([
			{ type: "EntryApplied", data: { entryId: "e1", drawId: "001", userId: "dj14" } },
			{ type: "EntryStatusChanged", data: { entryId: "e1", ...seed, status: "applied" } }
		]);
	});

	it("checks calendar dates", () => {
		expect(draw.isCalendarDate("2021-08-28")).toBe(true);
		expect(draw.isCalendarDate("2024-02-29")).toBe(true);
		for (const bad of ["2021-02-29", "2021-13-01", "2021-00-10", "2021-8-28", "28/08/2021", ""]) expect([bad, draw.isCalendarDate(bad)]).toEqual([bad, false]);
	});

	it("is cancelled while applied and its raffle has not run; afterwards (or in any other status) 409 with the status", () => {
		const d = draw.cancel(applied(), T2, false);
		expect(d.state).toMatchObject({ status: "cancelled", win: null, updatedAt: T2 });
		expect(types(d.events)).toEqual(["EntryCancelled", "EntryStatusChanged"]);
		expect(changed(d)).toEqual(["cancelled"]);
		expectDomainError(() => draw.cancel(applied(), T2, true), "IllegalTransition", "applied");
		for (const status of ["cancelled", "won", "lost", "purchased", "winCancelled"] as const) expectDomainError(() => draw.cancel(withStatus(status), T2, false), "IllegalTransition", status);
		expect(draw.drawClosed("001").details).toEqual({ status: "drawn", drawId: "001" });
		expect(draw.alreadyApplied(applied()).details).toEqual({ status: "applied", entryId: "e1" });
		expect(draw.isActive(withStatus("cancelled"))).toBe(false);
		expect(draw.isActive(withStatus("lost"))).toBe(true);
	});

	it("learns its result from the raffle: won or lost, each told once", () => {
		const won = draw.onEntryWon(applied(), T2);
		expect(won?.state).toMatchObject({ status: "won", win: true });
		expect(changed(won)).toEqual(["won"]);
		expect(won?.events[0].data).toMatchObject({ previousStatus: "applied", itemNo: "1111", size: 275, phone: "01012345678" });
		expect(draw.onEntryWon(stateOf(won), T2)).toBeNull();
		const lost = draw.onEntryLost(applied(), T2);
		expect(lost?.state).toMatchObject({ status: "lost", win: false });
		expect(changed(lost)).toEqual(["lost"]);
		expect(draw.onEntryLost(stateOf(lost), T2)).toBeNull();
		expect(draw.onEntryWon(null, T2)).toBeNull();
	});

	it("a win reaching an entry cancelled first is cancelled at once (WinCancelled): the entry stays cancelled and nobody is told it won", () => {
		const cancelled = draw.cancel(applied(), T, false).state;
		const d = draw.onEntryWon(cancelled, T2);
		expect(d?.state).toMatchObject({ status: "cancelled", win: null, lateResult: "won" });
		expect(d?.events).toEqual([{ type: "WinCancelled", data: { entryId: "e1", drawId: "001", userId: "dj14", reason: "entryCancelled" } }]);
		expect(draw.onEntryWon(stateOf(d), T2)).toBeNull(); // a repeat is a no-op, whatever its id
		const lost = draw.onEntryLost(cancelled, T2);
		expect(lost).toEqual({ state: { ...cancelled, lateResult: "lost", updatedAt: T2 }, events: [] });
	});

	it("is purchased by its order and has its win cancelled with the order, in either order of arrival", () => {
		const won = stateOf(draw.onEntryWon(applied(), T));
		const purchased = draw.onOrderPlaced(won, { orderId: "o1" }, T2);
		expect(purchased?.state).toMatchObject({ status: "purchased", orderId: "o1" });
		expect(changed(purchased)).toEqual(["purchased"]);
		const cancelled = draw.onOrderCancelled(stateOf(purchased), { orderId: "o1" }, T2);
		expect(cancelled?.state).toMatchObject({ status: "winCancelled", win: true, orderId: "o1" });
		expect(types(cancelled?.events ?? [])).toEqual(["EntryStatusChanged", "WinCancelled"]);
		expect(cancelled?.events[1].data).toEqual({ entryId: "e1", drawId: "001", userId: "dj14", reason: "orderCancelled", orderId: "o1" });
		// The cancel overtook the placement: won → winCancelled, and the late OrderPlaced moves nothing back.
		const first = stateOf(draw.onOrderCancelled(won, { orderId: "o1" }, T2));
		expect(first).toMatchObject({ status: "winCancelled", orderId: "o1" });
		expect(draw.onOrderPlaced(first, { orderId: "o1" }, T2)).toBeNull();
		// An order can only be for a won entry.
		for (const status of ["applied", "cancelled", "lost"] as const) {
			expect(draw.onOrderPlaced(withStatus(status), { orderId: "o1" }, T2)).toBeNull();
			expect(draw.onOrderCancelled(withStatus(status), { orderId: "o1" }, T2)).toBeNull();
		}
	});

	it("its state machine allows exactly the spec's transitions", () => {
		const allowed: [EntryStatus, EntryStatus][] = [];
		const all: EntryStatus[] = ["applied", "cancelled", "won", "lost", "purchased", "winCancelled"];
		for (const from of all) for (const to of all) if (draw.entryMachine.can(from, to)) allowed.push([from, to]);
		expect(allowed).toEqual([
			["applied", "cancelled"],
			["applied", "won"],
			["applied", "lost"],
			["won", "purchased"],
			["won", "winCancelled"],
			["purchased", "winCancelled"]
		]);
		for (const [from, to] of allowed) expect(draw.ENTRY_PROGRESS[to]).toBeGreaterThan(draw.ENTRY_PROGRESS[from]);
	});
});

describe("Raffle aggregate", () => {
	const keys = (entryId: string) => ({ entryId, drawId: "001" });
	const open = (...ids: string[]) => ids.reduce<raffle.Raffle | null>((r, id) => stateOf(raffle.onEntryApplied(r, keys(id), T)), null)!;

	it("keeps every entry applied and every one cancelled, sorted, each once; the active ones are the candidates", () => {
		let r = open("c", "a", "b");
		expect(r).toMatchObject({ id: "001", drawId: "001", status: "open", entries: ["a", "b", "c"], cancelled: [] });
		expect(raffle.onEntryApplied(r, keys("b"), T2)).toBeNull();
		r = stateOf(raffle.onEntryCancelled(r, keys("b"), T2));
		expect(raffle.activeCandidates(r)).toEqual(["a", "c"]);
		// A cancel that overtook its entry: the entry never becomes a candidate.
		r = stateOf(raffle.onEntryCancelled(r, keys("d"), T2));
		r = stateOf(raffle.onEntryApplied(r, keys("d"), T2));
		expect(raffle.activeCandidates(r)).toEqual(["a", "c"]);
	});

	it("runs once: the record, then RaffleRun, EntryWon for each winner and EntryLost for every other candidate, in one decision", () => {
		const r = stateOf(raffle.onEntryCancelled(open("a", "b", "c", "d"), keys("d"), T));
		const d = raffle.run(r, "001", { winners: 2, seed: "s" }, T2, hmacSha256);
		expect(d.state.status).toBe("run");
		expect(d.state.run).toEqual({ algorithm: raffle.RAFFLE_ALGORITHM, seed: "s", winnersRequested: 2, candidates: ["a", "b", "c"], winners: raffle.drawWinners("s", ["a", "b", "c"], 2, hmacSha256), ranAt: T2 });
		expect(d.events[0]).toEqual({ type: "RaffleRun", data: { drawId: "001", seed: "s", algorithm: raffle.RAFFLE_ALGORITHM, candidates: 3, winners: 2, ranAt: T2 } });
		const won = d.events.filter(e => e.type === "EntryWon").map(e => e.data.entryId);
		const lost = d.events.filter(e => e.type === "EntryLost").map(e => e.data.entryId);
		expect(won).toEqual(d.state.run?.winners);
		expect([...won, ...lost].sort()).toEqual(["a", "b", "c"]);
		expect(d.events.filter(e => e.type === "EntryLost").every(e => e.data.candidate === true)).toBe(true);
		expectDomainError(() => raffle.run(d.state, "001", { winners: 1, seed: "t" }, T2, hmacSha256), "IllegalTransition", "run");
	});

	it("with fewer active entries than winners, every active entry wins; with none it does not run (409)", () => {
		const all = raffle.run(open("a", "b"), "001", { winners: 5, seed: "s" }, T, hmacSha256);
		expect([...(all.state.run?.winners ?? [])].sort()).toEqual(["a", "b"]);
		expect(all.events.filter(e => e.type === "EntryLost")).toEqual([]);
		expectDomainError(() => raffle.run(null, "002", { winners: 1, seed: "s" }, T, hmacSha256), "Conflict", "open");
		const none = stateOf(raffle.onEntryCancelled(open("a"), keys("a"), T));
		expectDomainError(() => raffle.run(none, "001", { winners: 1, seed: "s" }, T, hmacSha256), "Conflict", "open");
	});

	it("an entry applied after the run is not a candidate: it is told lost at once; cancels and cancelled wins after the run are recorded, nothing re-drawn", () => {
		const ran = raffle.run(open("a", "b"), "001", { winners: 1, seed: "s" }, T, hmacSha256).state;
		const late = raffle.onEntryApplied(ran, keys("z"), T2);
		expect(late?.state.late).toEqual(["z"]);
		expect(late?.events).toEqual([{ type: "EntryLost", data: { entryId: "z", drawId: "001", candidate: false } }]);
		expect(raffle.onEntryApplied(stateOf(late), keys("z"), T2)).toBeNull();
		expect(raffle.onEntryApplied(ran, keys("a"), T2)).toBeNull(); // a candidate's EntryApplied again
		const winner = ran.run!.winners[0];
		const cancelled = stateOf(raffle.onWinCancelled(stateOf(raffle.onEntryCancelled(ran, keys(winner), T2)), keys(winner), T2));
		expect(cancelled.cancelledWins).toEqual([winner]);
		expect(cancelled.run).toEqual(ran.run);
	});
});

/** The algorithm of docs/thedraw.md written again from its description (node:crypto, no code shared): what an auditor would do. */
function rederive(seedText: string, candidates: readonly string[], winners: number): string[] {
	const a = [...candidates];
	let counter = 0;
	let block = Buffer.alloc(0);
	let offset = 0;
	const next = () => {
		if (offset + 4 > block.length) [block, offset] = [createHmac("sha256", seedText).update(String(counter++)).digest(), 0];
		const v = block.readUInt32BE(offset);
		offset += 4;
		return v;
	};
	const uniform = (m: number) => {
		const limit = 2 ** 32 - (2 ** 32 % m);
		for (;;) {
			const x = next();
			if (x < limit) return x % m;
		}
	};
	const k = Math.min(winners, a.length);
	for (let i = 0; i < k; i++) {
		const j = i + uniform(a.length - i);
		[a[i], a[j]] = [a[j], a[i]];
	}
	return a.slice(0, k);
}

describe("the raffle's algorithm", () => {
	const ids = Array.from({ length: 50 }, (_, i) => `entry-${String(i).padStart(2, "0")}`);

	it("is deterministic: the same seed and candidates give the same winners; another seed others", () => {
		expect(raffle.drawWinners("seed-1", ids, 5, hmacSha256)).toEqual(raffle.drawWinners("seed-1", ids, 5, hmacSha256));
		expect(raffle.drawWinners("seed-1", ids, 5, hmacSha256)).not.toEqual(raffle.drawWinners("seed-2", ids, 5, hmacSha256));
		const w = raffle.drawWinners("seed-1", ids, 5, hmacSha256);
		expect(new Set(w).size).toBe(5);
		expect(w.every(id => ids.includes(id))).toBe(true);
	});

	it("is what docs/thedraw.md says: an independent implementation from its description gives the same winners", () => {
		for (let s = 0; s < 50; s++) expect(raffle.drawWinners(`doc-${s}`, ids, 1 + (s % 7), hmacSha256)).toEqual(rederive(`doc-${s}`, ids, 1 + (s % 7)));
	});

	it("reads the stream as big-endian 32-bit words of HMAC-SHA256(seed, counter), eight per block", () => {
		const next = raffle.randomStream("k", hmacSha256);
		const block0 = createHmac("sha256", "k").update("0").digest();
		const block1 = createHmac("sha256", "k").update("1").digest();
		const words = Array.from({ length: 9 }, () => next());
		expect(words.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => block0.readUInt32BE(i * 4)));
		expect(words[8]).toBe(block1.readUInt32BE(0));
	});

	it("rejects the words that would bias a modulo (rejection sampling)", () => {
		// bound 3: 2^32 mod 3 = 1, so the one word 2^32 - 1 is rejected and the next taken.
		const words = [2 ** 32 - 1, 7];
		expect(raffle.uniformBelow(3, () => words.shift()!)).toBe(1);
		expect(raffle.uniformBelow(1, () => 123)).toBe(0);
		expect(() => raffle.uniformBelow(0, () => 0)).toThrow(RangeError);
	});

	it("verify recomputes a record and says whether it matches; a tampered record does not", () => {
		const record = raffle.run(ids.reduce<raffle.Raffle | null>((r, id) => stateOf(raffle.onEntryApplied(r, { entryId: id, drawId: "001" }, T)), null), "001", { winners: 3, seed: "audit" }, T, hmacSha256).state.run!;
		expect(raffle.verify("001", record, hmacSha256)).toMatchObject({ matches: true, candidatesSorted: true, candidates: 50, winners: record.winners, recomputed: record.winners });
		expect(raffle.verify("001", { ...record, winners: [...record.winners].reverse() }, hmacSha256).matches).toBe(false);
		expect(raffle.verify("001", { ...record, winners: [...record.winners.slice(0, 2), record.candidates.find(id => !record.winners.includes(id))!] }, hmacSha256).matches).toBe(false);
		expect(raffle.verify("001", { ...record, seed: "other" }, hmacSha256).matches).toBe(false);
		expect(raffle.verify("001", { ...record, candidates: [...record.candidates].reverse() }, hmacSha256)).toMatchObject({ matches: false, candidatesSorted: false });
		expect(raffle.verify("001", { ...record, algorithm: "coin-toss" }, hmacSha256).matches).toBe(false);
		expect(raffle.sortedCandidates(["b", "a", "b"])).toEqual(["a", "b"]);
	});
});

describe("checkout: wins, orders, certification", () => {
	const fact = (status: EntryStatus, at = T): order.WinFact => ({ entryId: "e1", status, drawId: "001", userId: "dj14", phone: "01012345678", itemNo: "1111", drawName: "NIKE jordan 1", drawDate: "2021-08-28", size: 275, price: 100000 });
	const win = () => stateOf(order.onEntryStatusChanged(null, fact("won"), T));
	const requested = (id = "o1") => order.requestOrder(id, win(), T).state;
	const stale = "2025-12-31T23:59:00.000Z";

	it("knows a win from the entry's status changes only, forward only", () => {
		expect(win()).toMatchObject({ id: "e1", entryId: "e1", status: "won", userId: "dj14", itemNo: "1111", size: 275, price: 100000 });
		for (const status of ["applied", "cancelled", "lost"] as const) expect(order.onEntryStatusChanged(null, fact(status), T)).toBeNull();
		expect(order.onEntryStatusChanged(win(), fact("purchased"), T)).toBeNull();
		const cancelled = stateOf(order.onEntryStatusChanged(win(), fact("winCancelled"), T2));
		expect(cancelled.status).toBe("cancelled");
		expect(order.onEntryStatusChanged(cancelled, fact("won"), T2)).toBeNull(); // never back
	});

	it("refuses an order for what is not a win, a cancelled win, a bought one, and one being certified (409 with the status)", () => {
		expect(order.winRefusal("e1", null, null, stale)?.details).toMatchObject({ status: "notWon" });
		expect(order.winRefusal("e1", { ...win(), status: "cancelled" }, null, stale)?.details).toMatchObject({ status: "winCancelled" });
		const held = { ...win(), orderId: "o1" };
		expect(order.winRefusal("e1", held, { id: "o1", status: "placed", createdAt: T }, stale)?.details).toMatchObject({ status: "purchased", orderId: "o1" });
		expect(order.winRefusal("e1", held, { id: "o1", status: "cancelled", createdAt: T }, stale)?.details).toMatchObject({ status: "winCancelled" });
		expect(order.winRefusal("e1", held, { id: "o1", status: "requested", createdAt: T }, stale)?.details).toMatchObject({ status: "ordering" });
		// A removed request, or one abandoned (older than the cutoff), holds nothing.
		expect(order.winRefusal("e1", held, { id: "o1", status: "removed", createdAt: T }, stale)).toBeNull();
		expect(order.winRefusal("e1", held, { id: "o1", status: "requested", createdAt: T }, "2026-01-01T00:00:05.000Z")).toBeNull();
		expect(order.winRefusal("e1", win(), null, stale)).toBeNull();
	});

	it("a request takes its win; another request for it is refused while it holds it", () => {
		const held = stateOf(order.reserveWin(win(), "e1", "o1", null, T, stale));
		expect(held).toMatchObject({ orderId: "o1", reservedAt: T });
		expect(order.reserveWin(held, "e1", "o1", { id: "o1", status: "requested", createdAt: T }, T, stale)).toBeNull();
		expectDomainError(() => order.reserveWin(held, "e1", "o2", { id: "o1", status: "requested", createdAt: T }, T, stale), "Conflict", "ordering");
		expect(stateOf(order.reserveWin(held, "e1", "o2", { id: "o1", status: "removed", createdAt: T }, T2, stale)).orderId).toBe("o2");
		expectDomainError(() => order.reserveWin(null, "e1", "o1", null, T, stale), "Conflict", "notWon");
	});

	it("an order request is told, then placed when certified or removed when not; its outcome for a repeated key", () => {
		const d = order.requestOrder("o1", win(), T);
		expect(d.state).toMatchObject({ id: "o1", orderId: "o1", entryId: "e1", status: "requested", itemNo: "1111", size: 275, price: 100000 });
		expect(d.events).toEqual([{ type: "OrderRequested", data: { orderId: "o1", entryId: "e1", drawId: "001", userId: "dj14" } }]);
		expect(order.certifyRequest(d.state, "pw")).toEqual({ orderId: "o1", entryId: "e1", drawId: "001", userId: "dj14", password: "pw" });
		const placed = order.placeCertified(d.state, T2);
		expect(placed?.state.status).toBe("placed");
		expect(placed?.events).toEqual([{ type: "OrderPlaced", data: { orderId: "o1", entryId: "e1", drawId: "001", userId: "dj14", itemNo: "1111", size: 275, price: 100000 } }]);
		expect(order.placeCertified(stateOf(placed), T2)).toBeNull();
		const removed = stateOf(order.removeRequest(requested(), "NOT_CERTIFIED", T2));
		expect(removed).toMatchObject({ status: "removed", removedReason: "NOT_CERTIFIED" });
		expect(order.isVisible(removed)).toBe(false);
		expect(order.placeCertified(removed, T2)).toBeNull(); // a late certification places nothing
		expect(order.orderOutcome(requested())).toBe("pending");
		expect(order.orderOutcome(stateOf(placed))).toBe("established");
		expect(order.orderOutcome(removed)).toMatchObject({ kind: "Forbidden" });
		expect(order.orderOutcome(stateOf(order.removeRequest(requested(), "REQUEST_TIMEOUT", T2)))).toBe("retry");
		expect(order.onAuthCertified(requested(), T2)?.state.status).toBe("placed");
		expect(order.onAuthCancelled(requested(), T2)?.state).toMatchObject({ status: "removed", removedReason: "NOT_CERTIFIED" });
		expect(order.onAuthCertified(null, T2)).toBeNull();
	});

	it("a placed order is cancelled (OrderCancelled); anything else answers 409 with the status", () => {
		const placed = stateOf(order.placeCertified(requested(), T));
		const d = order.cancelOrder(placed, T2);
		expect(d.state.status).toBe("cancelled");
		expect(d.events).toEqual([{ type: "OrderCancelled", data: { orderId: "o1", entryId: "e1", drawId: "001", userId: "dj14" } }]);
		for (const o of [requested(), d.state]) expectDomainError(() => order.cancelOrder(o, T2), "IllegalTransition", o.status);
	});

	it("certification: told once per order request, a repeat answers the first outcome", () => {
		const req = { orderId: "o1", entryId: "e1", drawId: "001", userId: "dj14" };
		const yes = auth.certify(null, req, true, T);
		expect(yes?.state.status).toBe("certified");
		expect(yes?.events).toEqual([{ type: "AuthCertified", data: req }]);
		const no = auth.certify(null, req, false, T);
		expect(no?.events).toEqual([{ type: "AuthCancelled", data: req }]);
		expect(auth.certify(stateOf(no), req, true, T2)).toBeNull();
		expect(auth.isCertified(stateOf(no))).toBe(false);
		expect(auth.notCertified("o1")).toMatchObject({ kind: "Forbidden", details: { orderId: "o1" } });
	});
});

describe("SMS and MyPage", () => {
	const change = (status: EntryStatus, extra: Partial<DrawEvents["EntryStatusChanged"]> = {}): DrawEvents["EntryStatusChanged"] => ({ entryId: "e1", ...seed, status, ...extra });

	it("one SMS per status change, to the user at their phone, in Korean, saying what changed", () => {
		const texts = (["applied", "cancelled", "won", "lost", "purchased", "winCancelled"] as const).map(s => smsFor(change(s, { orderId: "o1" })));
		expect(new Set(texts.map(t => t.text)).size).toBe(6);
		expect(texts[0]).toMatchObject({ userId: "dj14", phone: "01012345678", address: "01012345678", recipient: "dj14", entryId: "e1", drawId: "001", entryStatus: "applied" });
		expect(texts[2].text).toContain("당첨되었습니다");
		expect(texts[4].text).toContain("o1");
		expect(texts.every(t => t.message === t.text && t.text.includes("NIKE jordan 1"))).toBe(true);
		const { phone: _p, ...noPhone } = change("won");
		expect(smsFor(noPhone)).not.toHaveProperty("address");
		expect(smsSent({ ...texts[2], id: "m1" })).toEqual({ messageId: "m1", entryId: "e1", drawId: "001", userId: "dj14", phone: "01012345678", entryStatus: "won" });
	});

	it("MyPage folds an entry's status, its result and its order", () => {
		const at = (s: number) => `2026-01-01T00:00:0${s}.000Z`;
		let row = foldMyPage(null, { type: "EntryStatusChanged", occurredAt: at(1), data: change("applied") });
		expect(row).toMatchObject({ entryId: "e1", userId: "dj14", drawId: "001", status: "applied", win: null, size: 275 });
		row = foldMyPage(row, { type: "EntryStatusChanged", occurredAt: at(2), data: change("won") });
		row = foldMyPage(row, { type: "OrderPlaced", occurredAt: at(3), data: { entryId: "e1", orderId: "o1" } });
		expect(row).toMatchObject({ status: "won", win: true, orderId: "o1", orderStatus: "placed" });
		row = foldMyPage(row, { type: "EntryStatusChanged", occurredAt: at(1), data: change("applied") }); // late: nothing goes back
		expect(row).toMatchObject({ status: "won", updatedAt: at(3) });
		expect([winOf("lost"), winOf("cancelled"), winOf("winCancelled"), winOf(undefined)]).toEqual([false, null, true, null]);
	});
});
