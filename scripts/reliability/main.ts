/**
 * The reliability suite (docs/reliability.md), every system or some: for each, its own cluster (real
 * nats-server -js and redis-server, one process per context: `npm run build` first, `npm run reliability`
 * does it) and the five scenarios generated from its manifest and saga table; prints what it skipped and
 * why, and a table of scenario × context (or step) → result with the figures; writes a JSON report. Exits 1
 * when a row failed.
 *
 *   npm run reliability                                                     # every system, every scenario
 *   RELIABILITY_SYSTEM=warehouse RELIABILITY_SCENARIOS=step-down,step-slow npm run reliability
 *   RELIABILITY_KILL_SAGAS=200 RELIABILITY_BURST=60 npm run reliability     # bigger (sizes: suite.ts, sizesFromEnv)
 */
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { isReliabilityScenario, RELIABILITY_SCENARIOS, type ReliabilityScenario } from "../../domain";
import { SYSTEMS } from "../../services/systems";
import { driverOf } from "../chaos/drivers";
import { formatReport, passed, type SystemReport } from "./report";
import { runReliability, sizesFromEnv } from "./suite";

/** The project root, whether this runs compiled (dist/scripts/reliability) or from source. */
const UP = path.resolve(__dirname, "..", "..");
const ROOT = path.basename(UP) === "dist" ? path.dirname(UP) : UP;

function list<T extends string>(raw: string | undefined, all: readonly T[], valid: (x: string) => x is T, name: string): T[] {
	if (!raw || raw === "all") return [...all];
	const picked = raw.split(",").map(x => x.trim()).filter(Boolean);
	const bad = picked.filter(x => !valid(x));
	if (bad.length > 0) throw new Error(`${name}: unknown ${bad.join(", ")} (expected "all" or some of ${all.join(", ")})`);
	return picked.filter(valid);
}

async function main(): Promise<void> {
	const names = SYSTEMS.map(s => s.name);
	const systems = list(process.env.RELIABILITY_SYSTEM, names, (x: string): x is string => names.includes(x), "RELIABILITY_SYSTEM");
	const scenarios = list<ReliabilityScenario>(process.env.RELIABILITY_SCENARIOS, RELIABILITY_SCENARIOS, isReliabilityScenario, "RELIABILITY_SCENARIOS");
	const seed = process.env.RELIABILITY_SEED || String(randomInt(1, 2 ** 31));
	const sizes = sizesFromEnv(process.env);
	const base = Number(process.env.RELIABILITY_BASE_PORT || 18500);
	console.log(`reliability: ${systems.join(", ")}; scenarios ${scenarios.join(", ")}; seed ${seed}; sizes ${JSON.stringify(sizes)}`);
	const reports: SystemReport[] = [];
	for (const name of systems) {
		const system = SYSTEMS.find(s => s.name === name)!;
		const workDir = path.join(ROOT, ".cluster", `reliability-${name}`);
		fs.rmSync(workDir, { recursive: true, force: true });
		fs.mkdirSync(workDir, { recursive: true });
		const report = await runReliability(system, driverOf(name), { basePort: base + 100 * SYSTEMS.indexOf(system), seed, workDir, sizes, log: line => console.log(`[${name} ${new Date().toISOString().slice(11, 19)}] ${line}`) }, scenarios);
		console.log(`\n${formatReport(report)}\n`);
		reports.push(report);
	}
	const out = process.env.RELIABILITY_OUT || path.join(ROOT, ".cluster", "reliability.json");
	fs.mkdirSync(path.dirname(out), { recursive: true });
	fs.writeFileSync(out, JSON.stringify(reports, null, 2));
	console.log(reports.map(formatReport).join("\n\n"));
	console.log(`\nJSON report: ${out}; cluster logs under ${path.join(ROOT, ".cluster")}/reliability-<system>/logs`);
	process.exitCode = reports.every(passed) ? 0 : 1;
}

main().catch(err => {
	console.error(err);
	process.exit(2);
});
