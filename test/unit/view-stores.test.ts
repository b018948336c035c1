/**
 * The embedded view stores answer `applyAll` alike (mixins/view.mixin.ts): in order, a write with an event id
 * applied once (within the batch and after it), a write without one merged every time, each write answered
 * with the row as it left it. SQLite reads and writes a row once per batch however many writes change it,
 * and keeps rows and applied ids across a reopen of its file. (Redis: test/service/timeline-redis.test.ts.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { MemoryViewStore, SqliteViewStore, type ViewStore } from "../../mixins/view.mixin";

interface Row {
	n: number;
	seen: string[];
}

const add = (tag: string) => (row: Row | null) => ({ n: (row?.n ?? 0) + 1, seen: [...(row?.seen ?? []), tag] });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "view-stores-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Each embedded store, the SQLite one on a view of its own per test (`view`). */
const storesOf = (view: string): { name: string; open: () => ViewStore<Row> }[] => [
	{ name: "memory", open: () => new MemoryViewStore<Row>() },
	{ name: "SQLite", open: () => new SqliteViewStore<Row>(path.join(dir, "views.sqlite"), view) }
];

describe.each(storesOf("test"))("$name view store", ({ open }) => {
	it("applyAll: an event id once, a merge every time, in order, each write answered with its row", async () => {
		const store = open();
		try {
			const rows = await store.applyAll([
				{ key: "k", id: "e1", fold: add("e1") },
				{ key: "k", id: "e1", fold: add("e1 again") },
				{ key: "k", id: null, fold: add("merge") },
				{ key: "other", id: "e1", fold: add("e1 elsewhere") },
				{ key: "k", id: "e2", fold: () => null },
				{ key: "k", id: null, fold: add("merge") }
			]);
			expect(rows.map(r => r?.n)).toEqual([1, 1, 2, 1, 2, 3]);
			expect(rows[0]).toEqual({ n: 1, seen: ["e1"] });
			expect(await store.get("k")).toEqual({ n: 3, seen: ["e1", "merge", "merge"] });
			expect(await store.get("other")).toEqual({ n: 1, seen: ["e1 elsewhere"] });
			// Later batches: e1 stays applied; e2 was refused by its fold (null), so it is not remembered.
			expect(await store.applyAll([{ key: "k", id: "e1", fold: add("e1 once more") }, { key: "k", id: "e2", fold: add("e2") }])).toEqual([
				{ n: 3, seen: ["e1", "merge", "merge"] },
				{ n: 4, seen: ["e1", "merge", "merge", "e2"] }
			]);
			expect(await store.apply("k", "e2", add("e2 again"))).toEqual({ n: 4, seen: ["e1", "merge", "merge", "e2"] });
		} finally {
			await store.close();
		}
	});
});

describe.each(storesOf("turn"))("$name view store, folds of one turn", ({ open }) => {
	it("each answered with its own row; a fold that throws fails alone, the others of its turn are written", async () => {
		const store = open();
		try {
			const answers = await Promise.allSettled([
				store.apply("t1", "a", add("a")),
				store.apply("t1", "b", () => {
					throw new Error("bad fold");
				}),
				store.apply("t2", "c", add("c")),
				store.apply("t1", "d", add("d"))
			]);
			expect(answers.map(a => a.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
			expect(answers[0]).toEqual({ status: "fulfilled", value: { n: 1, seen: ["a"] } });
			expect(answers[3]).toEqual({ status: "fulfilled", value: { n: 2, seen: ["a", "d"] } });
			expect(await store.get("t1")).toEqual({ n: 2, seen: ["a", "d"] });
			expect(await store.get("t2")).toEqual({ n: 1, seen: ["c"] });
			// The failed fold was not remembered: its event applies when it comes again.
			expect(await store.apply("t1", "b", add("b"))).toEqual({ n: 3, seen: ["a", "d", "b"] });
		} finally {
			await store.close();
		}
	});
});

it("SQLite: rows and applied ids stay across a reopen of the file", async () => {
	const reopened = new SqliteViewStore<Row>(path.join(dir, "views.sqlite"), "test");
	try {
		expect(await reopened.get("k")).toEqual({ n: 4, seen: ["e1", "merge", "merge", "e2"] });
		expect(await reopened.apply("k", "e1", add("e1 after reopen"))).toEqual({ n: 4, seen: ["e1", "merge", "merge", "e2"] });
		expect((await reopened.list({ filter: {}, page: 1, pageSize: 10, sort: {} })).total).toBe(2);
	} finally {
		await reopened.close();
	}
});
