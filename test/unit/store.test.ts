/**
 * The aggregate store (mixins/store.ts) over moleculer-db's NeDB adapter: exact idempotency on a hot
 * aggregate, optimistic concurrency, and the creating request kept with the aggregate.
 */
import { ServiceBroker } from "moleculer";
import { MemoryAdapter, type DbAdapter } from "moleculer-db";
import { SqliteAdapter } from "../../lib/sqlite-adapter";
import type { Decision } from "../../domain";
import { AggregateStore, PROCESSED_IN_DOCUMENT } from "../../mixins/store";

interface Stock {
	id: string;
	units: number;
	/** What each order reserved (the mall keeps this; here it only counts). */
	applied: number;
}

const broker = new ServiceBroker({ logger: false });

/** The store on each embedded adapter: moleculer-db's NeDB reference adapter, and SQLite (the default). */
const ADAPTERS: [string, (table: string) => DbAdapter][] = [
	["NeDB", () => new MemoryAdapter()],
	["SQLite", table => new SqliteAdapter({ file: ":memory:", table })]
];
let makeAdapter: (table: string) => DbAdapter = ADAPTERS[0][1];

async function store(): Promise<{ store: AggregateStore<Stock>; processed: DbAdapter; documents: DbAdapter }> {
	const documents = makeAdapter("documents");
	const processed = makeAdapter("processed");
	for (const adapter of [documents, processed]) {
		adapter.init(broker, broker.createService({ name: `s${Math.random()}` }));
		await adapter.connect();
	}
	return { store: new AggregateStore<Stock>({ system: "test", source: "test.stock", documents, processed }), processed, documents };
}

/** One event: takes a unit. */
const take = (current: Stock | null): Decision<Stock> => {
	const s = current ?? { id: "item-2", units: 5000, applied: 0 };
	return { state: { ...s, units: s.units - 1, applied: s.applied + 1 }, events: [{ type: "Taken", data: { itemcd: "item-2" } }] };
};

describe.each(ADAPTERS)("aggregate store on %s", (_name, adapter) => {
	beforeAll(() => {
		makeAdapter = adapter;
	});

	it("recognises a redelivered event however many others came after it: replayed after 1,000 on one aggregate, it changes nothing", async () => {
		const { store: s, processed } = await store();
		for (let i = 0; i <= 1000; i++) await s.commit("item-2", take, { causationId: `event-${i}` });
		const before = await s.load("item-2");
		expect(before?.state).toMatchObject({ units: 5000 - 1001, applied: 1001 });
		// The oldest applied ids left the document for the processed collection, none is lost.
		expect(before?.processed).toHaveLength(PROCESSED_IN_DOCUMENT);
		expect(await processed.count({})).toBe(1001 - PROCESSED_IN_DOCUMENT);

		for (const old of ["event-0", "event-1", "event-500", "event-1000"]) {
			const again = await s.commit("item-2", take, { causationId: old });
			expect(again).toEqual({ state: before?.state, written: false, events: 0 });
		}
		const after = await s.load("item-2");
		expect({ version: after?.version, state: after?.state, outbox: after?.outbox.length }).toEqual({ version: before?.version, state: before?.state, outbox: before?.outbox.length });
		// A new event still applies.
		expect((await s.commit("item-2", take, { causationId: "event-1001" })).state?.applied).toBe(1002);
	});

	it("concurrent writers of one aggregate all apply, one after the other: in one process they queue, across processes the version check retries the loser", async () => {
		const { store: s, documents, processed } = await store();
		// A second process on the same collections.
		const other = new AggregateStore<Stock>({ system: "test", source: "test.stock", documents, processed });
		await s.commit("item-2", take, { causationId: "first" });
		await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? s : other).commit("item-2", take, { causationId: `c${i}` })));
		const doc = await s.load("item-2");
		expect(doc?.state.applied).toBe(9);
		expect(doc?.version).toBe(9);
		expect(doc?.outbox).toHaveLength(9);
		expect(new Set(doc?.outbox.map(e => e.event.version))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
	});

	it("keeps the creating request (caller, key, fingerprint) with the aggregate, written in the same insert", async () => {
		const { store: s } = await store();
		const request = { caller: "LKJ", key: "k-1", fingerprint: "f" };
		await s.commit("o1", () => ({ state: { id: "o1", units: 1, applied: 0 }, events: [] }), { request });
		expect((await s.load("o1"))?.request).toEqual(request);
	});
});
