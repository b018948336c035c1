/**
 * The timeline fold (services/timeline/timeline.view.ts), alone: facts kept in time order (ties by event id),
 * each event id once, consumers' outcome notices merged and never duplicated (handled wins, attempts only
 * grow, a notice may overtake its fact), the owner and the row's key read from the saga table; and, property-
 * based, any permutation of a saga's facts and notices, with duplicates, folds to the same row — through the
 * memory view store, which skips an id it applied, as the timeline context does.
 */
import fc from "fast-check";
import type { ConsumerOutcome, DomainEvent, SagaTable } from "../../domain";
import { MemoryViewStore } from "../../mixins/view.mixin";
import flowerdelivery from "../../services/flowerdelivery/system";
import { foldEvent, foldOutcome, keyFieldsOf, mergeOutcome, rowFieldOf, rowIdOf, summaryOf, type TimelineRow, type TimelineSystem } from "../../services/timeline/timeline.view";

const flower: TimelineSystem = { name: "flowerdelivery", saga: flowerdelivery.saga };
const limits = { maxEntries: 200 };
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 9, 0, 0, ms)).toISOString();

let n = 0;
/** A fact; ids increase as the facts are made, as lib/ids.ts makes them (compared as strings). */
function event(type: string, ms: number, data: Record<string, unknown>, version?: number): DomainEvent {
	return { id: `e${String(++n).padStart(4, "0")}-${type}`, type, source: `flowerdelivery.${flower.saga.events[type]?.producer ?? "x"}`, aggregateId: "o1", ...(version !== undefined ? { version } : {}), occurredAt: at(ms), data: { orderId: "o1", ...data } };
}

function notice(e: DomainEvent, consumer: string, outcome: ConsumerOutcome["outcome"], ms: number, more: Partial<ConsumerOutcome> = {}): ConsumerOutcome {
	return { eventId: e.id, type: e.type, system: "flowerdelivery", consumer: `flowerdelivery.${consumer}`, outcome, at: at(ms), key: { field: "orderId", value: "o1" }, ...more };
}

const foldAll = (items: (DomainEvent | ConsumerOutcome)[], system = flower, max = limits.maxEntries): TimelineRow | null =>
	items.reduce<TimelineRow | null>((row, item) => ("eventId" in item ? foldOutcome(row, item, "orderId", "o1") : foldEvent(row, item, system, { maxEntries: max }) ?? row), null);

// One order of the seed: placed, paid, accepted (a fact without the customer's name), decorated, delivered.
// Ids in the order the facts were made, as lib/ids.ts makes them: the payment is approved inside the placement.
const paid = event("PaymentApproved", 0, { userName: "LKJ", amount: 50000 }, 1);
const placed = event("OrderPlaced", 0, { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" }, 2);
const accepted = event("OrderAccepted", 30, { storeName: "KJSHOP" }, 1);
const decorated = event("DecorationCompleted", 40, { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, userName: "LKJ" }, 2);
const requested = event("DeliveryRequested", 50, { storeName: "KJSHOP", userName: "LKJ" }, 1);
const started = event("DeliveryStarted", 60, { userName: "LKJ" }, 2);

describe("the timeline of one saga", () => {
	it("keeps the facts in time order, ties by event id (time-ordered), each once, with producer, keys, consumers and owner", () => {
		const row = foldAll([started, accepted, placed, paid, decorated, placed, requested, accepted])!;
		expect(row.entries.map(e => e.type)).toEqual(["PaymentApproved", "OrderPlaced", "OrderAccepted", "DecorationCompleted", "DeliveryRequested", "DeliveryStarted"]);
		expect(row).toMatchObject({ id: "flowerdelivery:o1", system: "flowerdelivery", keyField: "orderId", key: "o1", owner: "LKJ", startedAt: at(0), updatedAt: at(60), last: "DeliveryStarted", pivotPassed: true, compensated: false });
		expect(row.entries[1]).toMatchObject({ at: at(0), type: "OrderPlaced", producer: "order", eventId: placed.id, version: 2, keys: { orderId: "o1" }, owner: "LKJ", consumers: ["store", "mypage"], outcomes: {} });
		expect(row.entries[2].owner).toBeUndefined();
		expect(row.entries.find(e => e.type === "DeliveryStarted")?.pivot).toBe(true);
		// no consumer has told anything yet: every (fact, consumer) pair the table names waits
		expect(row.waiting).toBe(row.entries.reduce((sum, e) => sum + e.consumers.length, 0));
	});

	it("orders two producers' facts of one millisecond by when they were made, not by their versions", () => {
		// The shop's third fact and the delivery's first (which it caused), in the same millisecond.
		const decoratedNow = event("DecorationCompleted", 70, { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, userName: "LKJ" }, 3);
		const requestedNow = event("DeliveryRequested", 70, { storeName: "KJSHOP", userName: "LKJ" }, 1);
		for (const order of [[decoratedNow, requestedNow], [requestedNow, decoratedNow]]) {
			expect(foldAll(order)!.entries.map(e => e.type)).toEqual(["DecorationCompleted", "DeliveryRequested"]);
		}
	});

	it("merges outcome notices per consumer: handled wins over failed whatever their order, attempts only grow, a dead letter counts until it is handled", () => {
		const failed1 = notice(placed, "store", "failed", 10, { attempt: 1, error: "Error: store down" });
		const failed2 = notice(placed, "store", "failed", 20, { attempt: 2, error: "Error: still down", deadLettered: true });
		const handled = notice(placed, "store", "handled", 90, { attempt: 3 });
		const parked = foldAll([placed, failed2, failed1])!;
		expect(parked.entries[0].outcomes.store).toEqual({ outcome: "failed", at: at(20), attempts: 2, error: "Error: still down", errorAt: at(20), deadLettered: true });
		expect(parked).toMatchObject({ failing: 1, deadLettered: 1, waiting: 2 });

		for (const order of [
			[placed, failed1, failed2, handled],
			[handled, placed, failed2, failed1, handled],
			[failed2, handled, failed1, placed, failed2]
		]) {
			const row = foldAll(order)!;
			expect(row.entries[0].outcomes).toEqual({ store: { outcome: "handled", at: at(90), attempts: 3, error: "Error: still down", errorAt: at(20) } });
			expect(row).toMatchObject({ failing: 0, deadLettered: 0, waiting: 1 }); // mypage has told nothing
		}
		expect(mergeOutcome(mergeOutcome(undefined, { outcome: "handled", at: at(5) }), { outcome: "handled", at: at(3) })).toEqual({ outcome: "handled", at: at(3) });
	});

	it("keeps a notice that overtook its fact, and gives it to the fact when it comes", () => {
		const early = foldOutcome(null, notice(placed, "mypage", "handled", 5), "orderId", "o1");
		expect(early.entries).toEqual([]);
		expect(Object.keys(early.early)).toEqual([placed.id]);
		const row = foldEvent(early, placed, flower, limits)!;
		expect(row.early).toEqual({});
		expect(row.entries[0].outcomes).toEqual({ mypage: { outcome: "handled", at: at(5) } });
	});

	it("marks compensations, and says what the row waits for in its summary", () => {
		const cancelled = event("OrderCancelled", 70, { userName: "LKJ", storeName: "KJSHOP" });
		const row = foldAll([placed, cancelled, notice(cancelled, "payment", "handled", 71)])!;
		expect(row.entries[1].compensates).toBe("OrderPlaced");
		expect(summaryOf(row)).toMatchObject({ id: "flowerdelivery:o1", last: "OrderCancelled", compensated: true, facts: 2, waiting: 2 + 3, owner: "LKJ" });
		expect(summaryOf(row)).not.toHaveProperty("entries");
	});

	it("keeps the latest facts only, counting the dropped ones", () => {
		const row = foldAll([started, placed, accepted, decorated], flower, 2)!;
		expect(row.entries.map(e => e.type)).toEqual(["DecorationCompleted", "DeliveryStarted"]);
		expect(row.dropped).toBe(2);
		expect(row.startedAt).toBe(at(0));
		expect(summaryOf(row).facts).toBe(4);
	});

	it("ignores what the saga table does not name", () => {
		expect(foldEvent(null, { ...placed, type: "SomethingElse" }, flower, limits)).toBeNull();
		expect(foldEvent(null, { ...placed, data: { userName: "LKJ" } }, flower, limits)).toBeNull();
	});
});

describe("rows and owners from any system's saga table", () => {
	// A raffle-like table: an entry and its draw; the draw's run carries only the draw.
	const raffle: SagaTable = {
		keys: ["entryId", "drawId"],
		events: {
			EntryApplied: { producer: "entry", consumers: ["raffle"] },
			RaffleRun: { producer: "raffle", consumers: ["entry"], keys: ["drawId"] },
			StockCounted: { producer: "stock", consumers: [], keys: ["stockId"] }
		},
		steps: {},
		pivots: [{ description: "the raffle runs", owner: "raffle", event: "RaffleRun" }]
	};
	const system: TimelineSystem = { name: "raffle", saga: raffle };

	it("addresses a row by the saga's first correlation key the fact carries", () => {
		expect(keyFieldsOf(raffle, "EntryApplied")).toEqual(["entryId", "drawId"]);
		expect(rowFieldOf(raffle, "EntryApplied")).toBe("entryId");
		expect(rowFieldOf(raffle, "RaffleRun")).toBe("drawId");
		expect(rowFieldOf(raffle, "StockCounted")).toBe("stockId");
		const applied: DomainEvent = { id: "a1", type: "EntryApplied", source: "raffle.entry", aggregateId: "en1", occurredAt: at(0), data: { entryId: "en1", drawId: "d1", userId: "u7" } };
		const row = foldEvent(null, applied, system, limits)!;
		expect(row).toMatchObject({ id: rowIdOf("raffle", "en1"), keyField: "entryId", key: "en1", owner: "u7" });
		expect(row.entries[0].keys).toEqual({ entryId: "en1", drawId: "d1" });
		expect(foldEvent(null, { ...applied, id: "r1", type: "RaffleRun", data: { drawId: "d1" } }, system, limits)).toMatchObject({ id: "raffle:d1", keyField: "drawId" });
	});

	it("finds the owner by the table's `owner` field, or else by the common names (userName, customerName, customer, userId)", () => {
		const applied = (data: Record<string, unknown>): DomainEvent => ({ id: "a", type: "EntryApplied", source: "raffle.entry", aggregateId: "en1", occurredAt: at(0), data: { entryId: "en1", drawId: "d1", ...data } });
		expect(foldEvent(null, applied({ customer: "kim" }), system, limits)?.owner).toBe("kim");
		expect(foldEvent(null, applied({ customerName: "HanYongsun", userId: "u1" }), system, limits)?.owner).toBe("HanYongsun");
		const named: TimelineSystem = { name: "raffle", saga: { ...raffle, owner: "applicant" } };
		expect(foldEvent(null, applied({ applicant: "dj14", userName: "other" }), named, limits)?.owner).toBe("dj14");
		expect(foldEvent(null, applied({ userName: "other" }), named, limits)?.owner).toBeUndefined();
	});
});

describe("any order, any duplicates: the same row", () => {
	// Facts of a cancelled order and what its consumers told, failures and retries included.
	const cancelled = event("OrderCancelled", 70, { userName: "LKJ", storeName: "KJSHOP" }, 3);
	const refunded = event("PaymentCancelled", 80, { userName: "LKJ", amount: 50000, reason: "customer" }, 2);
	const facts = [placed, paid, accepted, cancelled, refunded];
	const notices = [
		notice(placed, "store", "failed", 1, { attempt: 1, error: "Error: store down" }),
		notice(placed, "store", "handled", 300, { attempt: 2 }),
		notice(placed, "mypage", "handled", 2, { attempt: 1 }),
		notice(paid, "mypage", "handled", 3, { attempt: 1 }),
		notice(accepted, "order", "failed", 31, { attempt: 1, error: "Error: timeout" }),
		notice(accepted, "order", "failed", 32, { attempt: 2, error: "Error: timeout again", deadLettered: true }),
		notice(cancelled, "payment", "handled", 71),
		notice(cancelled, "delivery", "failed", 72, { error: "ContractViolationError: data.storeName", deadLettered: true }),
		notice(refunded, "order", "handled", 81),
		{ ...notice(refunded, "mypage", "handled", 82), key: undefined }
	];
	type Item = { kind: "event"; event: DomainEvent } | { kind: "notice"; notice: ConsumerOutcome };
	const items: Item[] = [...facts.map(event => ({ kind: "event" as const, event })), ...notices.map(notice => ({ kind: "notice" as const, notice }))];

	/** As the timeline context folds: through a view store that skips an id it applied. */
	async function fold(delivered: Item[]): Promise<TimelineRow | null> {
		const store = new MemoryViewStore<TimelineRow>();
		const id = rowIdOf("flowerdelivery", "o1");
		for (const item of delivered) {
			if (item.kind === "event") await store.apply(id, item.event.id, row => foldEvent(row, item.event, flower, limits));
			else await store.apply(id, [item.notice.eventId, item.notice.consumer, item.notice.outcome, item.notice.attempt ?? "", item.notice.at].join("|"), row => foldOutcome(row, item.notice, "orderId", "o1"));
		}
		return store.get(id);
	}

	it("folds any permutation of the facts and notices, with duplicates, to the row of the order they happened in", async () => {
		const expected = await fold(items);
		expect(expected?.entries.map(e => e.type)).toEqual(["PaymentApproved", "OrderPlaced", "OrderAccepted", "OrderCancelled", "PaymentCancelled"]);
		expect(expected).toMatchObject({ compensated: true, deadLettered: 2, failing: 2 });
		await fc.assert(
			fc.asyncProperty(fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }), fc.array(fc.nat(items.length - 1), { maxLength: items.length }), fc.nat(), async (permutation, again, seed) => {
				const delivered = [...permutation];
				for (const [i, k] of again.entries()) delivered.splice((seed + i * 7) % (delivered.length + 1), 0, items[k]);
				expect(await fold(delivered)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});
});
