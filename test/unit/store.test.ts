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

	it("a fresh id (just made by newId) is inserted without a read first; one that exists after all is read and decided on again, not overwritten", async () => {
		const { store: s, documents } = await store();
		let reads = 0;
		const findById = documents.findById.bind(documents);
		documents.findById = (id: string | number) => {
			reads++;
			return findById(id);
		};
		const created = await s.commit("fresh-1", take, { fresh: true });
		expect(created).toMatchObject({ written: true, events: 1, state: { units: 4999, applied: 1 } });
		expect(reads).toBe(0);
		expect((await s.load("fresh-1"))?.version).toBe(1);

		// Claimed fresh, but stored already: the insert fails on the key, the store reads it and decides on it.
		reads = 0;
		const again = await s.commit("fresh-1", take, { fresh: true });
		expect(reads).toBe(1);
		expect(again.state).toMatchObject({ units: 4998, applied: 2 });
		const doc = await s.load("fresh-1");
		expect({ version: doc?.version, applied: doc?.state.applied, outbox: doc?.outbox.length }).toEqual({ version: 2, applied: 2, outbox: 2 });
	});

	it("keeps the creating request (caller, key, fingerprint) with the aggregate, written in the same insert", async () => {
		const { store: s } = await store();
		const request = { caller: "LKJ", key: "k-1", fingerprint: "f" };
		await s.commit("o1", () => ({ state: { id: "o1", units: 1, applied: 0 }, events: [] }), { request });
		expect((await s.load("o1"))?.request).toEqual(request);
	});
});
