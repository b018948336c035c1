/**
 * Two processes on one SQLite store (two replicas of a context given one DATA_DIR, as the reliability suite
 * runs them, or an old and a new instance during a rolling restart): conditional updates on a version
 * (mixins/store.ts) from both at once all land, none fails. lib/sqlite-adapter.ts is compiled alone (its
 * imports are node's and better-sqlite3) and loaded by two child processes that race on one document.
 * Planted: the same adapter with deferred transactions (read first, then take the write lock) fails with
 * SQLITE_BUSY under the same race, without waiting for busy_timeout — so the test sees the difference.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { SqliteAdapter } from "../../lib/sqlite-adapter";

const ROUNDS = 1500;

function compiledAdapter(dir: string, variant: "as-is" | "deferred"): string {
	const source = fs.readFileSync(path.join(__dirname, "..", "..", "lib", "sqlite-adapter.ts"), "utf8");
	let js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
	js = js.replace(/require\("better-sqlite3"\)/, `require(${JSON.stringify(require.resolve("better-sqlite3"))})`);
	if (variant === "deferred") {
		// The write lock is taken where a transaction begins: the turn's group (grouped) and updateMany's own.
		if (!js.includes("this.updateTx.immediate(") || !js.includes('db.exec("BEGIN IMMEDIATE")')) throw new Error("the adapter no longer takes the write lock first: update this test");
		js = js.replace("this.updateTx.immediate(", "this.updateTx.deferred(").replace('db.exec("BEGIN IMMEDIATE")', 'db.exec("BEGIN DEFERRED")');
	}
	const file = path.join(dir, `sqlite-adapter-${variant}.js`);
	fs.writeFileSync(file, js);
	return file;
}

/** A child process: waits for `go`, then commits ROUNDS increments of one document by version, retrying lost races. */
const WORKER = `
const fs = require("node:fs");
const [adapterFile, dbFile, goFile, rounds] = process.argv.slice(2);
const { SqliteAdapter } = require(adapterFile);
(async () => {
	const store = new SqliteAdapter({ file: dbFile, table: "docs" });
	await store.connect();
	console.log("ready");
	while (!fs.existsSync(goFile)) await new Promise(r => setTimeout(r, 5));
	let errors = 0, conflicts = 0, firstError = "";
	for (let i = 0; i < Number(rounds); i++) {
		for (;;) {
			try {
				const doc = await store.findById("a");
				const changed = await store.updateMany({ _id: "a", version: doc.version }, { $set: { version: doc.version + 1 }, $inc: { n: 1 } });
				if (changed === 1) break;
				conflicts++;
			} catch (err) {
				errors++;
				firstError = firstError || String(err.code || err.message);
			}
		}
	}
	console.log(JSON.stringify({ errors, conflicts, firstError }));
	await store.disconnect();
})();
`;

interface Outcome {
	errors: number;
	conflicts: number;
	firstError: string;
}

async function race(dir: string, variant: "as-is" | "deferred"): Promise<{ outcomes: Outcome[]; doc: { version: number; n: number } }> {
	const dbFile = path.join(dir, `${variant}.sqlite`);
	const goFile = path.join(dir, `${variant}.go`);
	const seed = new SqliteAdapter({ file: dbFile, table: "docs" });
	await seed.connect();
	await seed.insert({ _id: "a", version: 0, n: 0 });
	const adapter = compiledAdapter(dir, variant);
	const workerFile = path.join(dir, "worker.js");
	fs.writeFileSync(workerFile, WORKER);
	const children = [0, 1].map(() => spawn(process.execPath, [workerFile, adapter, dbFile, goFile, String(ROUNDS)], { stdio: ["ignore", "pipe", "inherit"] }));
	const outputs = children.map(
		child =>
			new Promise<string[]>((resolve, reject) => {
				let text = "";
				child.stdout.on("data", chunk => (text += String(chunk)));
				child.on("exit", code => (code === 0 ? resolve(text.trim().split("\n")) : reject(new Error(`worker exited ${code}: ${text}`))));
			})
	);
	// Both connected before either starts: the two really race.
	const ready = children.map(child => new Promise<void>(resolve => child.stdout.once("data", () => resolve())));
	await Promise.all(ready);
	fs.writeFileSync(goFile, "go");
	const lines = await Promise.all(outputs);
	const doc = (await seed.findById("a")) as { version: number; n: number };
	await seed.disconnect();
	return { outcomes: lines.map(l => JSON.parse(l[l.length - 1]) as Outcome), doc };
}

describe("the SQLite store shared by two processes", () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sqlite-shared-"));
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	it("takes every conditional update of both, none failing (the write lock is taken before the read)", async () => {
		const { outcomes, doc } = await race(dir, "as-is");
		expect(outcomes.map(o => o.errors)).toEqual([0, 0]);
		expect(doc).toMatchObject({ version: 2 * ROUNDS, n: 2 * ROUNDS });
	}, 60000);

	it("planted: a deferred transaction under the same race fails with SQLITE_BUSY", async () => {
		const { outcomes, doc } = await race(dir, "deferred");
		expect(outcomes.reduce((n, o) => n + o.errors, 0)).toBeGreaterThan(0);
		expect(outcomes.find(o => o.errors > 0)?.firstError).toMatch(/SQLITE_BUSY/);
		// The version check still keeps every increment once: the errors are failed commands, not lost writes.
		expect(doc).toMatchObject({ version: 2 * ROUNDS, n: 2 * ROUNDS });
	}, 60000);
});
