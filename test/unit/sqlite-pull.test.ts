/**
 * The SQLite adapter's `$pull` of items by a field's values (`{ $pull: { outbox: { "event.id": { $in } } } }`,
 * how the outbox removes published events) is done in SQL by SQLite's JSON functions, without reading the
 * document into JavaScript: it must answer exactly what the general update (`$set`, `$pull` with any other
 * condition, … applied in JavaScript) answers — items that match go, in order the rest stay whatever their
 * type, the rest of the document is unchanged (unicode, escapes, numbers, booleans, null), a field that is no
 * array is left alone, and the count is of the documents the query matched.
 */
import { SqliteAdapter } from "../../lib/sqlite-adapter";

type Doc = Record<string, unknown> & { _id: string };

const DOCS: Doc[] = [
	{ _id: "1", outbox: [{ event: { id: "a" }, n: 1 }, { event: { id: "b" } }, { event: { id: "c" }, s: '장미 한바구니 "q" \\ é\n' }], v: 1.5, big: 9007199254740991, t: true, f: false, z: null, nested: { list: [1, "x"] } },
	{ _id: "2", outbox: ["a", 1, true, false, null, { event: {} }, { event: { id: 1 } }, { event: { id: "1" } }, { event: { id: "b" }, keep: false }, [1, 2], { other: "a" }] },
	{ _id: "3", outbox: "not an array" },
	{ _id: "4", state: { status: "Placed" } },
	{ _id: "5", outbox: [] },
	{ _id: "6", outbox: [{ event: { id: "a" } }], version: 3 }
];

/** What the general path answers: the same `$pull`, by a condition the SQL path does not take (`$in` plus another field). */
function expected(doc: Doc, values: unknown[]): Doc {
	const next = structuredClone(doc);
	if (!Array.isArray(next.outbox)) return next;
	next.outbox = next.outbox.filter(item => {
		if (typeof item !== "object" || item === null || Array.isArray(item)) return true;
		const event = (item as { event?: unknown }).event;
		const id = typeof event === "object" && event !== null ? (event as { id?: unknown }).id : undefined;
		return !values.includes(id);
	});
	return next;
}

async function adapter(): Promise<SqliteAdapter> {
	const a = new SqliteAdapter({ file: ":memory:", table: "docs" });
	await a.connect();
	for (const d of DOCS) await a.insert(structuredClone(d));
	return a;
}

describe("SQLite $pull by a field's values, in SQL", () => {
	it("answers what the update in JavaScript answers, for every document of a varied collection", async () => {
		const values = ["a", "b", 1];
		const a = await adapter();
		try {
			expect(await a.updateMany({}, { $pull: { outbox: { "event.id": { $in: values } } } })).toBe(DOCS.length);
			const after = (await a.find({ sort: ["_id"] })) as Doc[];
			expect(after).toEqual(DOCS.map(d => expected(d, values)));
			// Strict equality, as applyUpdate: the string "1" is not the number 1.
			expect((after[1].outbox as unknown[]).filter(i => JSON.stringify(i) === '{"event":{"id":"1"}}')).toHaveLength(1);
		} finally {
			await a.disconnect();
		}
	});

	it("the same answer as the general path for the same documents (which the SQL path does not take)", async () => {
		const sqlPath = await adapter();
		const jsPath = await adapter();
		try {
			await sqlPath.updateMany({ _id: "1" }, { $pull: { outbox: { "event.id": { $in: ["b"] } } } });
			// $set beside it: not the SQL path's shape, so applied in JavaScript.
			await jsPath.updateMany({ _id: "1" }, { $pull: { outbox: { "event.id": { $in: ["b"] } } }, $set: { v: 1.5 } });
			expect(await sqlPath.findById("1")).toEqual(await jsPath.findById("1"));
			expect(await sqlPath.findById("1")).toEqual(expected(DOCS[0], ["b"]));
		} finally {
			await sqlPath.disconnect();
			await jsPath.disconnect();
		}
	});

	it("changes only what the query matches, and counts it", async () => {
		const a = await adapter();
		try {
			expect(await a.updateMany({ _id: "6", version: 2 }, { $pull: { outbox: { "event.id": { $in: ["a"] } } } })).toBe(0);
			expect(await a.findById("6")).toEqual(DOCS[5]);
			expect(await a.updateMany({ _id: "6", version: 3 }, { $pull: { outbox: { "event.id": { $in: ["a"] } } } })).toBe(1);
			expect(await a.findById("6")).toEqual({ ...DOCS[5], outbox: [] });
			expect(await a.findById("1")).toEqual(DOCS[0]);
		} finally {
			await a.disconnect();
		}
	});
});
