/** The reliability suite's results as a table (scenario × target → result) and the reasons of what it skipped. */
import type { RowResult } from "./suite";

export interface SystemReport {
	system: string;
	seed: string;
	/** Wall time of the system's run (cluster start to stop), ms. */
	ms: number;
	rows: RowResult[];
	/** What stopped the run before its end (an infrastructure failure), if anything did. */
	error?: string;
}

/** Whether every row passed (skips pass) and nothing stopped the run. */
export function passed(r: SystemReport): boolean {
	return !r.error && r.rows.every(row => row.ok);
}

const figuresText = (f: RowResult["figures"]) =>
	Object.entries(f)
		.map(([k, v]) => `${k}: ${v}`)
		.join("; ");

/** One line per scenario × target: PASS / FAIL / SKIP, then its figures (or the reason), then each failure. */
export function formatReport(r: SystemReport): string {
	const lines = [`Reliability suite of ${r.system} (seed ${r.seed}), ${(r.ms / 1000).toFixed(0)} s: ${passed(r) ? "PASS" : "FAIL"}`];
	const width = Math.max(12, ...r.rows.map(row => row.target.length));
	for (const row of r.rows) {
		const result = row.skip !== undefined ? "SKIP" : row.ok ? "PASS" : "FAIL";
		lines.push(`  ${row.scenario.padEnd(16)} ${row.target.padEnd(width)} ${result}  ${row.skip !== undefined ? `opted out: ${row.skip}` : figuresText(row.figures)}`);
		for (const f of row.failures) lines.push(`  ${"".padEnd(16)} ${"".padEnd(width)}       ✗ ${f}`);
	}
	if (r.error) lines.push(`  stopped: ${r.error}`);
	return lines.join("\n");
}
