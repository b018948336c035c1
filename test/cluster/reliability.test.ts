/**
 * The reliability suite (scripts/reliability/, docs/reliability.md), short, for every system of
 * services/systems.ts: each over its own cluster (real nats-server -js and redis-server, one process per
 * context, compiled code: `npm run build` first) on its own ports (18000 + 100 × its index), the five
 * scenarios generated from its manifest and saga table run in order, each target a row that must pass;
 * what the manifest opts out of is printed with its reason. The checks themselves are shown to bite in
 * test/unit/reliability.test.ts (planted defects).
 */
import { RELIABILITY_SCENARIOS } from "../../domain";
import { SYSTEMS } from "../../services/systems";
import { driverOf } from "../../scripts/chaos/drivers";
import { formatReport, type SystemReport } from "../../scripts/reliability/report";
import { DEFAULT_SIZES, runReliability, sizesFromEnv, type Sizes } from "../../scripts/reliability/suite";

/** Small by default (the five systems within ~15 minutes on two cores); RELIABILITY_* variables make it bigger. */
const SIZES: Sizes = sizesFromEnv(process.env, { ...DEFAULT_SIZES, downSagas: 3, replicaSagas: 10, killSagas: 50, downShots: 3, slowShots: 8, burst: 30, rollWriters: 2, settleMs: 90000 });
const SEED = process.env.RELIABILITY_SEED || String(Date.now() % 2 ** 31);

describe.each(SYSTEMS.map((system, index) => ({ name: system.name, system, index })))("reliability suite of $name", ({ name, system, index }) => {
	let report: SystemReport;
	const lines: string[] = [];

	beforeAll(async () => {
		report = await runReliability(system, driverOf(name), { basePort: 18000 + 100 * index, seed: SEED, sizes: SIZES, log: line => lines.push(`${new Date().toISOString().slice(11, 19)} ${line}`) }, RELIABILITY_SCENARIOS);
		console.log(`${formatReport(report)}\n\nrun log (RELIABILITY_SEED=${SEED}):\n${lines.join("\n")}`);
	}, 900000);

	it("ran to its end (no process failed to start, no preparation broke)", () => {
		expect(report.error).toBeUndefined();
	});

	it.each(RELIABILITY_SCENARIOS.map(scenario => ({ scenario })))("$scenario: every target passes, every skip has its reason", ({ scenario }) => {
		const rows = report.rows.filter(r => r.scenario === scenario);
		// Every target of the scenario has a row (run or skipped), and what was skipped says why.
		expect(rows.length).toBeGreaterThan(0);
		for (const r of rows.filter(r => r.skip !== undefined)) expect(r.skip!.trim()).not.toBe("");
		expect(rows.filter(r => r.skip === undefined).length).toBeGreaterThan(0);
		expect(rows.filter(r => !r.ok).map(r => `${r.target}: ${r.failures.join("; ")}`)).toEqual([]);
	});
});
