/**
 * Loaded before the product (`node -r dist/bench/statements.js …`, bench/suite.ts section (s)): counts every
 * SQLite statement the process runs, by its SQL, and writes the counts as JSON to BENCH_STATEMENTS_OUT on
 * SIGUSR2. A count hardly moves with the machine's speed, where times do: only how many writes one turn
 * merges (a view row folded twice in one group is written once) depends on how fast the work arrives.
 */
import fs from "node:fs";
import Database from "better-sqlite3";

const out = process.env.BENCH_STATEMENTS_OUT;
const counts: Record<string, number> = {};
const count = (key: string) => {
	counts[key] = (counts[key] ?? 0) + 1;
};

type Run = (this: Database.Statement, ...params: unknown[]) => unknown;
const probe = new Database(":memory:");
const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<"run" | "get" | "all", Run>;
probe.close();
for (const method of ["run", "get", "all"] as const) {
	const original = statement[method];
	statement[method] = function (this: Database.Statement, ...params: unknown[]) {
		count(this.source.replace(/\s+/g, " ").trim());
		return original.apply(this, params);
	};
}
const exec = Database.prototype.exec;
Database.prototype.exec = function (this: Database.Database, source: string) {
	count(source.replace(/\s+/g, " ").trim());
	return exec.call(this, source);
};

if (out) process.on("SIGUSR2", () => fs.writeFileSync(out, JSON.stringify(counts)));
