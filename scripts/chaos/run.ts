/**
 * One chaos run of one system (docs/chaos.md): its cluster (real nats-server -js and redis-server, one
 * process per context), a bounded load of sagas driven to their end by simulated actors, faults while it
 * runs, then — once every saga is terminal and JetStream has delivered everything, or a deadline passed —
 * the invariants, checked through the API and on the dead-letter stream, and a report of figures and defects.
 */
import fs from "node:fs";
import path from "node:path";
import { DEMO_ACCOUNTS } from "../../services/identity/demo";
import { LocalCluster, systemCluster, type ContextSpec } from "../cluster";
import { attemptIds, audit, JetStreamProbe, type AuditFigures, type DeadLetter } from "./audit";
import { DEFECTS, type CustomerSpec, type DefectKind, type Finding, type Snapshot, type SystemDriver } from "./driver";
import { FaultInjector, type FaultEvent } from "./faults";
import { rng, type Rng } from "./rng";
import { sleep, World, type Actor, type KeyRecord } from "./world";

export interface ChaosOptions {
	sagas: number;
	seed: string;
	basePort: number;
	/** Cluster folder (logs, NeDB files, JetStream); a fresh temporary one when not given. */
	workDir?: string;
	/** Mean time between faults while the load runs. */
	faultEveryMs: number;
	/** A killed context stays down this long (min, max). */
	downMs: readonly [number, number];
	natsDownMs: readonly [number, number];
	/** Stop/start nats-server once and restart the gateway once (default true). */
	natsRestart: boolean;
	gatewayRestart: boolean;
	/** At least this many kills, even if the load ends first (default 0). */
	minKills?: number;
	/** Each customer waits up to this long between two placements. */
	thinkMs: number;
	/** How long to wait for every saga to be terminal after the load. */
	settleMs: number;
	httpTimeoutMs: number;
	maxTries: number;
	giveUpAfter503: number;
	/** Cluster environment on top of the run's defaults. */
	env?: Record<string, string>;
	log?: (line: string) => void;
}

export interface ChaosReport {
	system: string;
	seed: string;
	sagas: number;
	customers: number;
	/** The command line that repeats the run's choices. */
	reproduce: string;
	settled: boolean;
	durationsMs: { startCluster: number; load: number; settle: number; check: number; total: number };
	figures: Record<string, number>;
	/** Answers by request ("place", "cancel", "accept", …) and status (0: no answer). */
	answers: Record<string, Record<string, number>>;
	retries: Record<string, number>;
	/** What the 503s, 504s and no-answers said (`data.cause`, or the network error), by request. */
	causes: Record<string, number>;
	faults: Record<string, number>;
	faultLog: FaultEvent[];
	/** Every 503, 504 and no-answer, with its time (ms since the run began, as in the fault log). */
	troubles: World["troubles"];
	orderStatuses: Record<string, number>;
	defects: Record<DefectKind, number>;
	findings: Finding[];
	/** Findings of the first check that were gone ten seconds later (eventual consistency still converging). */
	transientFindings: number;
	ok: boolean;
}

/** The defaults of the cluster the run starts (the shell's own settings win over them). */
const RUN_ENV: Record<string, string> = {
	LOG_LEVEL: "info",
	OUTBOX_SWEEP_MS: "300",
	CHANNEL_ACK_WAIT_MS: "5000",
	CHANNEL_BACKOFF_MS: "100",
	RETRY_AFTER_SECONDS: "2",
	PENDING_PLACEMENT_TIMEOUT_MS: "20000",
	RATE_LIMIT_PER_WINDOW: "1000000",
	RATE_LIMIT_TOKEN_PER_WINDOW: "1000000"
};

export function clusterEnv(driver: SystemDriver, extra: Record<string, string> = {}): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [k, v] of Object.entries({ ...RUN_ENV, ...driver.env })) env[k] = process.env[k] ?? v;
	return { ...env, ...extra };
}

/** The system's processes: one per context, then identity (with the driver's own accounts, as a Secret gives them) and the gateway. */
export function clusterSpecs(driver: SystemDriver): ContextSpec[] {
	const accounts = driver.accounts ? { IDENTITY_ACCOUNTS: JSON.stringify([...DEMO_ACCOUNTS, ...driver.accounts]) } : undefined;
	return systemCluster(driver.system).map(s => (accounts && s.name === "identity" ? { ...s, env: { ...s.env, ...accounts } } : s));
}

/** A customer of the driver: logged in with its password, or a token minted with the identity's key. */
export function customerActor(world: World, spec: CustomerSpec): Actor {
	return spec.password ? world.login(spec.name, spec.password) : world.minted(spec.name, ["customer"]);
}

export interface SagaBatch {
	/** The sagas `from` … `from + count - 1` (saga i is customer `i % customers`'s). */
	from: number;
	count: number;
	/** Each customer waits up to this long between two placements. */
	thinkMs: number;
	/** Saga i's Idempotency-Key is `<keyPrefix>-<i>`. */
	keyPrefix: string;
}

/**
 * The customers place a batch of sagas, each customer its own in turn (with the retry protocol), and cancel
 * the share the driver says at a random moment after the 201 (the cancels are added to `cancels`).
 */
export async function placeSagas(world: World, driver: SystemDriver, root: Rng, batch: SagaBatch, cancels: Promise<void>[], log: (line: string) => void = () => undefined): Promise<void> {
	const n = driver.customers.length;
	const end = batch.from + batch.count;
	await Promise.all(
		driver.customers.map(async (spec, c) => {
			const actor = customerActor(world, spec);
			for (let i = batch.from + ((c - (batch.from % n) + n) % n); i < end && !world.finished; i += n) {
				const rnd = root.fork(`saga:${i}`);
				const cancel = rnd.chance(driver.cancelShare) ? rnd.between(...driver.cancelDelayMs) : undefined;
				const think = rnd.between(0, batch.thinkMs);
				const body = driver.placement(spec.name, rnd, { index: i, world });
				const record = await world.place(actor, i, `${batch.keyPrefix}-${i}`, driver.placePath, body, rnd.fork("answers"));
				if (record.final === "placed" && cancel !== undefined) cancels.push(cancelLater(world, actor, driver, record, cancel));
				if (i % 50 === 0) log(`saga ${i}: ${record.final} (${record.answers.join(",")})`);
				await sleep(think);
			}
		})
	);
}

export async function runChaos(driver: SystemDriver, opts: ChaosOptions): Promise<ChaosReport> {
	const log = opts.log ?? (() => undefined);
	const t0 = Date.now();
	const root = rng(`${opts.seed}/${driver.system}`);
	const cluster = new LocalCluster({ basePort: opts.basePort, workDir: opts.workDir, env: clusterEnv(driver, opts.env) });
	const specs = clusterSpecs(driver);
	const victims = specs.filter(s => s.name !== "gateway" && s.name !== "identity").map(s => s.name);
	const js = new JetStreamProbe(cluster.natsUrl);
	const world = new World(cluster, root, { seed: opts.seed, httpTimeoutMs: opts.httpTimeoutMs, maxTries: opts.maxTries, giveUpAfter503: opts.giveUpAfter503, log });
	const faultRnd = root.fork("faults");
	const faults = new FaultInjector(
		cluster,
		specs,
		victims,
		faultRnd,
		{
			everyMs: opts.faultEveryMs,
			downMs: opts.downMs,
			natsDownMs: opts.natsDownMs,
			natsAt: opts.natsRestart ? faultRnd.int(2, 4) : 0,
			gatewayAt: opts.gatewayRestart ? faultRnd.int(5, 7) : 0,
			minKills: opts.minKills ?? 0
		},
		t0,
		log
	);
	const durations = { startCluster: 0, load: 0, settle: 0, check: 0, total: 0 };
	try {
		log(`cluster: ${specs.map(s => s.name).join(", ")} in ${cluster.workDir}`);
		await cluster.startServers();
		for (const spec of specs) await cluster.start(spec);
		durations.startCluster = Date.now() - t0;
		log(`cluster up in ${(durations.startCluster / 1000).toFixed(1)} s: ${opts.sagas} sagas, ${driver.customers.length} customers, seed ${opts.seed}`);

		await driver.setup?.(world, { sagas: opts.sagas });
		durations.startCluster = Date.now() - t0;

		// ---- load, with faults -------------------------------------------------------------------------
		const tLoad = Date.now();
		const workers = driver.workers(world).map(w => w.run().catch(err => log(`worker ${w.name} stopped: ${(err as Error).stack ?? err}`)));
		// A context that will not come back stops the run (an infrastructure failure, not a defect).
		let faultFailure: unknown;
		const injecting = faults.run().catch(err => {
			faultFailure = err;
			world.finished = true;
		});
		const cancels: Promise<void>[] = [];
		await placeSagas(world, driver, root, { from: 0, count: opts.sagas, thinkMs: opts.thinkMs, keyPrefix: `chaos-${opts.seed}-${driver.system}` }, cancels, line => log(`${line}; faults so far: ${faults.events.length}`));
		await Promise.all(cancels);
		world.loadDone = true;
		faults.stop();
		await injecting;
		if (faultFailure) throw faultFailure;
		await faults.owed();
		durations.load = Date.now() - tLoad;
		log(`load done in ${(durations.load / 1000).toFixed(1)} s; faults: ${JSON.stringify(faults.counts())}`);

		// ---- settle ------------------------------------------------------------------------------------
		const tSettle = Date.now();
		const settled = await settle(world, driver, js, opts.settleMs, log);
		world.finished = true;
		await Promise.allSettled(workers);
		await waitDrained(js, 15000);
		durations.settle = Date.now() - tSettle;
		log(`${settled ? "settled" : "NOT settled"} after ${(durations.settle / 1000).toFixed(1)} s; checking`);

		// ---- check -------------------------------------------------------------------------------------
		const tCheck = Date.now();
		let result = await check(world, driver, js);
		let transient = 0;
		if (result.findings.length > 0) {
			log(`${result.findings.length} findings; checking again in 10 s (eventual consistency)`);
			await sleep(10000);
			const again = await check(world, driver, js);
			const stable = new Set(again.findings.map(f => `${f.defect}|${f.rule}|${f.orderId}|${f.key}`));
			transient = result.findings.filter(f => !stable.has(`${f.defect}|${f.rule}|${f.orderId}|${f.key}`)).length;
			result = again;
		}
		durations.check = Date.now() - tCheck;
		durations.total = Date.now() - t0;
		return report(driver, opts, world, faults, result, settled, durations, transient);
	} finally {
		world.finished = true;
		await js.close();
		await cluster.stopAll();
	}
}

async function cancelLater(world: World, actor: Actor, driver: SystemDriver, record: KeyRecord, delayMs: number): Promise<void> {
	await sleep(delayMs);
	if (world.finished) return;
	const id = record.placedIds[0];
	const cancel: NonNullable<KeyRecord["cancel"]> = { at: Date.now(), answers: [] };
	record.cancel = cancel;
	const res = await world.command(actor, "cancel", { method: "DELETE", path: driver.cancelPath(id) }, status => cancel.answers.push(status));
	cancel.final = res.status;
}

/** Waits until every established saga is terminal, no placement is pending and JetStream delivered everything (twice in a row), or the deadline. */
export async function settle(world: World, driver: SystemDriver, js: JetStreamProbe, timeoutMs: number, log: (line: string) => void): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	let quiet = 0;
	let last = "";
	while (Date.now() < deadline) {
		try {
			const p = await driver.progress(world);
			const undelivered = await js.undelivered();
			const line = `settling: ${p.open} of ${p.established} established sagas open, ${p.pending} placements pending, ${undelivered} messages undelivered`;
			if (line !== last) log(line);
			last = line;
			quiet = p.open === 0 && p.pending === 0 && undelivered === 0 ? quiet + 1 : 0;
			if (quiet >= 2) return true;
		} catch (err) {
			log(`settling: cannot read yet (${(err as Error).message})`);
			quiet = 0;
		}
		await sleep(2000);
	}
	return false;
}

export async function waitDrained(js: JetStreamProbe, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if ((await js.undelivered().catch(() => 1)) === 0) return;
		await sleep(500);
	}
}

export interface Checked {
	snapshot: Snapshot;
	findings: Finding[];
	figures: AuditFigures;
	deadLetters: DeadLetter[];
}

/** The ids a key's attempts may have created, as the driver derives them (by default from its placement scope). */
function idsOfDriver(driver: SystemDriver): (record: KeyRecord) => string[] {
	return record => driver.idsOf?.(record) ?? attemptIds(driver.placeScope, record);
}

export async function check(world: World, driver: SystemDriver, js: JetStreamProbe): Promise<Checked> {
	const snapshot = await driver.snapshot(world);
	const deadLetters = await js.deadLetters();
	const { findings, figures } = audit(idsOfDriver(driver), world.ledger.values(), snapshot, deadLetters);
	return { snapshot, findings, figures, deadLetters };
}

function report(driver: SystemDriver, opts: ChaosOptions, world: World, faults: FaultInjector, result: Checked, settled: boolean, durationsMs: ChaosReport["durationsMs"], transientFindings: number): ChaosReport {
	const c = world.counters;
	const records = [...world.ledger.values()];
	const finals = (f: KeyRecord["final"]) => records.filter(r => r.final === f).length;
	const defects = Object.fromEntries(DEFECTS.map(d => [d, result.findings.filter(f => f.defect === d).length])) as Record<DefectKind, number>;
	const orderStatuses: Record<string, number> = {};
	for (const o of result.snapshot.orders) orderStatuses[o.status] = (orderStatuses[o.status] ?? 0) + 1;
	const answers: Record<string, Record<string, number>> = {};
	for (const [name, n] of Object.entries(c.under("answers."))) {
		const dot = name.lastIndexOf(".");
		if (dot < 0) continue;
		const what = name.slice(0, dot);
		(answers[what] ??= {})[name.slice(dot + 1)] = n;
	}
	const cancels = records.filter(r => r.cancel);
	const orderIds = new Set(result.snapshot.orders.map(o => o.id));
	const faultCounts = faults.counts();
	const figures: Record<string, number> = {
		"sagas started": records.length,
		"placed (201)": finals("placed"),
		"gave up after a 503": finals("gave-up-503"),
		"outcome still unknown (tries used up)": finals("unknown"),
		"refused (4xx)": finals("refused"),
		"requests sent": c.get("http.requests"),
		retries: c.get("http.retries"),
		"answered 503": c.get("answers.503"),
		"answered 503 without Retry-After": c.get("answers.503-without-retry-after"),
		"answered 504": c.get("answers.504"),
		"answered 504 without outcome unknown": c.get("answers.504-without-outcome-unknown"),
		"no answer (network error)": c.get("answers.no-answer"),
		"answered 5xx (other)": c.get("answers.5xx-other"),
		"placement attempts (orders stored)": records.reduce((n, r) => n + idsOfDriver(driver)(r).filter(id => orderIds.has(id)).length, 0),
		"cancels asked": cancels.length,
		"cancels accepted (200)": cancels.filter(r => r.cancel!.final === 200).length,
		"cancels refused (409)": cancels.filter(r => r.cancel!.final === 409).length,
		"established orders": result.snapshot.orders.filter(o => o.established).length,
		"charged then refunded, key given up after 503": result.figures.gaveUp503ChargeRefunded,
		"charged then refunded, attempt failed": result.figures.refundedAttempts,
		"dead letters": result.deadLetters.length,
		"tokens logged in (POST /oauth/token)": c.get("tokens.logged-in"),
		"tokens minted (the identity's key)": c.get("tokens.minted"),
		"tokens refreshed after a 401": c.get("tokens.refreshed-after-401"),
		...Object.fromEntries(Object.entries(c.under("figure.")).map(([k, v]) => [k, v])),
		"faults injected": faults.events.length
	};
	return {
		system: driver.system,
		seed: opts.seed,
		sagas: opts.sagas,
		customers: driver.customers.length,
		reproduce: `CHAOS_SYSTEM=${driver.system} CHAOS_SAGAS=${opts.sagas} CHAOS_SEED=${opts.seed} CHAOS_FAULT_EVERY_MS=${opts.faultEveryMs} npm run chaos`,
		settled,
		durationsMs,
		figures,
		answers,
		retries: c.under("retry."),
		causes: c.under("causes."),
		faults: faultCounts,
		faultLog: faults.events,
		troubles: world.troubles,
		orderStatuses,
		defects,
		findings: result.findings,
		transientFindings,
		ok: settled && Object.values(defects).every(n => n === 0)
	};
}

/** The report as a table of figures, then the defects (each must be 0) with a few examples of each. */
export function formatReport(r: ChaosReport): string {
	const lines: string[] = [];
	const row = (name: string, value: string | number) => lines.push(`  ${name.padEnd(50, " ")} ${String(value).padStart(8)}`);
	const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
	lines.push(`Chaos run of ${r.system}: ${r.sagas} sagas, ${r.customers} customers, seed ${r.seed}`);
	lines.push(`  reproduce: ${r.reproduce}`);
	lines.push(`  durations: cluster start ${s(r.durationsMs.startCluster)}, load ${s(r.durationsMs.load)}, settle ${s(r.durationsMs.settle)}, check ${s(r.durationsMs.check)}, total ${s(r.durationsMs.total)}; ${r.settled ? "settled" : "NOT SETTLED before the deadline"}`);
	lines.push("", "Figures");
	for (const [k, v] of Object.entries(r.figures)) row(k, v);
	lines.push("", "Retries by reason");
	for (const [k, v] of Object.entries(r.retries)) row(k, v);
	lines.push("", "Answers by request (status: count; 0 = no answer)");
	for (const [what, statuses] of Object.entries(r.answers))
		row(
			what,
			Object.entries(statuses)
				.map(([st, n]) => `${st}:${n}`)
				.join(" ")
		);
	lines.push("", "Causes of 503, 504 and no answer, by request");
	for (const [k, v] of Object.entries(r.causes)) row(k, v);
	lines.push("", "Faults injected");
	for (const [k, v] of Object.entries(r.faults).sort(([a], [b]) => a.localeCompare(b))) row(k, v);
	row("total", r.faultLog.length);
	lines.push("", "Orders by status");
	for (const [k, v] of Object.entries(r.orderStatuses).sort(([a], [b]) => a.localeCompare(b))) row(k, v);
	lines.push("", "Defects (each must be 0)");
	for (const [k, v] of Object.entries(r.defects)) row(k, v);
	if (r.transientFindings > 0) lines.push(`  (${r.transientFindings} findings of the first check were gone 10 s later: not counted)`);
	for (const d of DEFECTS) {
		const found = r.findings.filter(f => f.defect === d);
		if (found.length === 0) continue;
		const rules = new Map<string, number>();
		for (const f of found) rules.set(f.rule, (rules.get(f.rule) ?? 0) + 1);
		lines.push("", `${d}: ${[...rules.entries()].map(([rule, n]) => `${rule} ×${n}`).join(", ")}`);
		for (const f of found.slice(0, 8)) lines.push(`  - [${f.rule}] ${f.orderId ? `order ${f.orderId} ` : ""}${f.key ? `key ${f.key} ` : ""}${f.detail}`);
		if (found.length > 8) lines.push(`  … ${found.length - 8} more in the JSON report`);
	}
	lines.push("", r.ok ? "OK: every defect count is 0" : `FAILED: ${r.settled ? "" : "not settled; "}${Object.entries(r.defects).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "no defect counted"}`);
	return lines.join("\n");
}

export function writeReport(r: ChaosReport, file: string): void {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(r, null, 2));
}
