/**
 * The chaos run (docs/chaos.md): proves a system's sagas stay right under faults. One process per context
 * over real nats-server -js and redis-server; customers, shops and riders drive a bounded load of sagas to
 * their end with real tokens and the retry protocol (Idempotency-Key, 503 + Retry-After, 504 outcome
 * unknown); contexts are killed (SIGKILL) and restarted, nats-server and the gateway restarted once; then
 * the invariants are checked through the API and on the dead-letter stream. Exits 1 when a defect is found.
 *
 *   npm run chaos                                             # flower delivery, 900 sagas
 *   CHAOS_SYSTEM=fishdelivery CHAOS_SAGAS=400 npm run chaos   # fish delivery
 *   CHAOS_SEED=1234 npm run chaos                             # the same choices as an earlier run
 */
import { randomInt } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { driverOf } from "./chaos/drivers";
import { formatReport, runChaos, writeReport, type ChaosOptions } from "./chaos/run";

const ROOT = path.basename(path.dirname(__dirname)) === "dist" ? path.resolve(__dirname, "..", "..") : path.resolve(__dirname, "..");

function num(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	const n = Number(raw);
	if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a non-negative number, got "${raw}"`);
	return n;
}

function range(name: string, fallback: readonly [number, number]): readonly [number, number] {
	const raw = process.env[name];
	if (!raw) return fallback;
	const m = /^(\d+)(?:-(\d+))?$/.exec(raw);
	if (!m) throw new Error(`${name}: expected MS or MIN-MAX, got "${raw}"`);
	return [Number(m[1]), Number(m[2] ?? m[1])];
}

function flag(name: string, fallback: boolean): boolean {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	if (!["0", "1", "true", "false"].includes(raw)) throw new Error(`${name}: expected true or false, got "${raw}"`);
	return raw === "1" || raw === "true";
}

async function main(): Promise<void> {
	const system = process.env.CHAOS_SYSTEM || "flowerdelivery";
	const driver = driverOf(system);
	const seed = process.env.CHAOS_SEED || String(randomInt(1, 2 ** 31));
	const ports: Record<string, number> = { flowerdelivery: 17000, fishdelivery: 17050, productorder: 17100, thedraw: 17150, warehouse: 17500 };
	const opts: ChaosOptions = {
		sagas: num("CHAOS_SAGAS", driver.defaultSagas),
		seed,
		basePort: num("CHAOS_BASE_PORT", ports[system] ?? 17100),
		workDir: process.env.CHAOS_WORK_DIR || path.join(ROOT, ".cluster", `chaos-${system}`),
		faultEveryMs: num("CHAOS_FAULT_EVERY_MS", 3000),
		downMs: range("CHAOS_DOWN_MS", [300, 3000]),
		natsDownMs: range("CHAOS_NATS_DOWN_MS", [1000, 4000]),
		natsRestart: flag("CHAOS_NATS_RESTART", true),
		gatewayRestart: flag("CHAOS_GATEWAY_RESTART", true),
		minKills: num("CHAOS_MIN_KILLS", 5),
		thinkMs: num("CHAOS_THINK_MS", 800),
		settleMs: num("CHAOS_SETTLE_MS", 240000),
		httpTimeoutMs: num("CHAOS_HTTP_TIMEOUT_MS", 20000),
		maxTries: num("CHAOS_MAX_TRIES", 30),
		giveUpAfter503: num("CHAOS_GIVE_UP_AFTER_503", 0.5),
		log: line => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`)
	};
	const out = process.env.CHAOS_OUT || path.join(ROOT, ".cluster", `chaos-${system}.json`);
	console.log(`chaos: ${system}, ${opts.sagas} sagas, seed ${seed} (CHAOS_SEED=${seed} repeats the choices)`);
	// A fresh cluster: the folder of an earlier run is emptied (its report JSON is kept beside it).
	fs.rmSync(opts.workDir!, { recursive: true, force: true });
	fs.mkdirSync(opts.workDir!, { recursive: true });
	const report = await runChaos(driver, opts);
	console.log(`\n${formatReport(report)}`);
	writeReport(report, out);
	console.log(`\nJSON report: ${out}; cluster logs: ${path.join(opts.workDir!, "logs")}`);
	process.exitCode = report.ok ? 0 : 1;
}

main().catch(err => {
	console.error(err);
	process.exit(2);
});
