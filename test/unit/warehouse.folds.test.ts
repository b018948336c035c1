/**
 * Monotonic folds of the warehouse, property-based (as test/unit/folds.test.ts for the other systems): the
 * delivery folding the warehouse's InStock, and the stock view folding every fact, fold any permutation of a
 * saga's events, with duplicates, to the state of the events in the order they happened. And the view agrees
 * with the books: for random histories of the Stock aggregate (receipts, shipments, disposals, cancels), the
 * view folded from its events in any order, with duplicates, says what the aggregate says.
 */
import fc from "fast-check";
import type { Decision, EventDraft } from "../../domain";
import * as delivery from "../../services/warehouse/delivery.domain";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import { stockIdOf } from "../../services/warehouse/stock-id";
import * as stock from "../../services/warehouse/stock.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import { foldStock, type StockRow } from "../../services/warehouse/stock.view";

interface Ev {
	id: string;
	type: string;
	occurredAt: string;
	/** The producing aggregate's version once it had produced it (the stock's facts). */
	version?: number;
	data: Record<string, unknown>;
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const S = stockIdOf("gildong", "사과");
const base = { stockId: S, customer: "gildong", product: "사과" };

/** A saga's events, in the order they happened (one second apart). */
function saga(...events: [string, Record<string, unknown>, number?][]): Ev[] {
	return events.map(([type, data, version], i) => ({ id: `e${i}`, type, occurredAt: at(i + 1), ...(version === undefined ? {} : { version }), data: { ...base, ...data } }));
}

type Apply<S> = (current: S | null, e: Ev) => S | null;

/** Folds events as a consumer does: an event id seen before is skipped. */
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

/** Any permutation of `events`, with any of them delivered again (`dup` seeds where). */
const deliveries = (events: Ev[]) =>
	fc.tuple(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(events.length - 1), { maxLength: events.length * 2 }), fc.nat()).map(([permutation, again, seed]) => {
		const delivered = [...permutation];
		for (const [i, n] of again.entries()) delivered.splice((seed + i * 7) % (delivered.length + 1), 0, events[n]);
		return delivered;
	});

function orderInsensitive<S>(name: string, initial: S | null, events: Ev[], apply: Apply<S>, check: (state: S) => void = () => undefined): void {
	it(`${name}: any permutation with duplicates folds to the same state`, () => {
		const expected = foldAll(initial, events, apply);
		expect(expected).not.toBeNull();
		check(expected as S);
		fc.assert(
			fc.property(deliveries(events), delivered => {
				expect(foldAll(initial, delivered, apply)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});
}

describe("warehouse folds", () => {
	const input = { customer: "gildong", product: "사과", qty: 5 };
	const requested = delivery.requestDelivery("d1", input, S, at(0)).state;
	const asked = delivery.startReceipt(requested, at(0))!.state;
	const onInStock: Apply<InboundDelivery> = policy((cur, e) => delivery.onInStock(cur, { deliveryId: String(e.data.deliveryId), stockId: String(e.data.stockId) }, e.occurredAt));

	// (InStock is told once per delivery; a republished one keeps its id: the duplicates of the generator.)
	orderInsensitive("delivery, its receive timed out: received by its InStock (redelivered after a crash)", asked, saga(["InStock", { deliveryId: "d1", qty: 5, quantity: 5 }, 1]), onInStock, d => {
		expect(d.status).toBe("received");
	});
	orderInsensitive("delivery, received on the warehouse's answer first: the InStock changes nothing", delivery.received(asked, { deliveryId: "d1", stockId: S }, at(0))!.state, saga(["InStock", { deliveryId: "d1", qty: 5, quantity: 5 }, 1]), onInStock, d => {
		expect(d.status).toBe("received");
	});

	const view: Apply<StockRow> = (row, e) => foldStock(row, e);
	orderInsensitive(
		"stock view: requests, a cancel, receipts, a shipment and a disposal",
		null,
		saga(
			["DeliveryRequested", { deliveryId: "d1", qty: 5 }, 1],
			["DeliveryRequested", { deliveryId: "d2", qty: 3 }, 1],
			["DeliveryCancelled", { deliveryId: "d2", qty: 3 }, 2],
			["InStock", { deliveryId: "d1", qty: 5, quantity: 5 }, 1],
			["Shipped", { qty: 2, quantity: 3 }, 2],
			["DeliveryRequested", { deliveryId: "d3", qty: 4 }, 1],
			["InStock", { deliveryId: "d3", qty: 4, quantity: 7 }, 3],
			["Disposed", { qty: 1, quantity: 6, reason: "파손" }, 4]
		),
		view,
		row => {
			expect(row).toMatchObject({ stockId: S, customer: "gildong", product: "사과", quantity: 6, received: 9, shipped: 2, disposed: 1, requested: 12, cancelled: 3, incoming: 0, status: "inStock", version: 4, updatedAt: at(8) });
			expect(row.quantity).toBe(row.received - row.shipped - row.disposed);
		}
	);
	orderInsensitive("stock view: shipped down to zero, zero stays (empty)", null, saga(["InStock", { deliveryId: "d1", qty: 2, quantity: 2 }, 1], ["Shipped", { qty: 1, quantity: 1 }, 2], ["Shipped", { qty: 1, quantity: 0 }, 3]), view, row => {
		expect(row).toMatchObject({ quantity: 0, status: "empty", shipped: 2 });
	});

	it("stock view: while facts are still on their way it never shows a negative quantity", () => {
		const events = saga(["InStock", { deliveryId: "d1", qty: 2, quantity: 2 }, 1], ["Shipped", { qty: 2, quantity: 0 }, 2], ["InStock", { deliveryId: "d2", qty: 3, quantity: 3 }, 3]);
		fc.assert(
			fc.property(deliveries(events), delivered => {
				let row: StockRow | null = null;
				const seen = new Set<string>();
				for (const e of delivered) {
					if (seen.has(e.id)) continue;
					seen.add(e.id);
					row = foldStock(row, e);
					expect(row!.quantity).toBeGreaterThanOrEqual(0);
					expect(row!.incoming).toBeGreaterThanOrEqual(0);
				}
			}),
			{ numRuns: 200 }
		);
	});

	type Op = { kind: "receive"; delivery: number; qty: number } | { kind: "cancel"; delivery: number } | { kind: "ship" | "dispose"; qty: number };
	const op: fc.Arbitrary<Op> = fc.oneof(
		fc.record({ kind: fc.constant("receive" as const), delivery: fc.nat(7), qty: fc.integer({ min: 1, max: 9 }) }),
		fc.record({ kind: fc.constant("cancel" as const), delivery: fc.nat(7) }),
		fc.record({ kind: fc.constantFrom("ship" as const, "dispose" as const), qty: fc.integer({ min: 1, max: 12 }) })
	);

	/** Runs a history on the Stock aggregate (refusals change nothing), recording its events as the store would (id, version). */
	function history(ops: Op[]): { stock: Stock | null; events: Ev[] } {
		let current: Stock | null = null;
		let version = 0;
		const events: Ev[] = [];
		const qtyOf = new Map<number, number>();
		const commit = (d: Decision<Stock> | null, i: number) => {
			if (!d) return;
			version++;
			current = d.state;
			for (const draft of d.events as EventDraft[]) events.push({ id: `e${events.length}`, type: draft.type, occurredAt: at(i + 1), version, data: { ...draft.data } });
		};
		for (const [i, o] of ops.entries()) {
			try {
				if (o.kind === "receive") {
					if (!qtyOf.has(o.delivery)) qtyOf.set(o.delivery, o.qty);
					commit(stock.book(current, { ...base, deliveryId: `d${o.delivery}`, qty: qtyOf.get(o.delivery)! }, at(i + 1)), i);
				} else if (o.kind === "cancel") commit(stock.acceptCancel(current, { ...base, deliveryId: `d${o.delivery}` }, at(i + 1)), i);
				else if (current) commit(o.kind === "ship" ? stock.ship(current, o.qty, at(i + 1)) : stock.dispose(current, o.qty, "파손", at(i + 1)), i);
			} catch {
				/* refused: nothing written */
			}
		}
		return { stock: current, events };
	}

	it("property: the stock view, folded from the aggregate's events in any order with duplicates, says what the books say", () => {
		fc.assert(
			fc.property(
				fc.array(op, { minLength: 1, maxLength: 40 }).chain(ops => {
					const h = history(ops);
					return fc.tuple(fc.constant(h), h.events.length ? deliveries(h.events) : fc.constant([] as Ev[]));
				}),
				([{ stock: books, events }, delivered]) => {
					const row = foldAll<StockRow>(null, delivered, view);
					if (!books || events.length === 0) return expect(row).toBeNull();
					expect(row).toMatchObject({ stockId: S, quantity: books.quantity, received: books.received, shipped: books.shipped, disposed: books.disposed, status: books.status });
					expect(row!.quantity).toBe(row!.received - row!.shipped - row!.disposed);
				}
			),
			{ numRuns: 300 }
		);
	});
});
