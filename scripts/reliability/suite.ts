/**
 * The reliability suite of one system (docs/reliability.md): its cluster (real nats-server -js and
 * redis-server, one process per context, compiled code), the chaos kit's world, actors and audit
 * (scripts/chaos/), and the five scenarios of domain/reliability.ts run over it one after the other, each
 * on the targets its manifest and saga table give (plan.ts). Between scenarios the processes are put back
 * as they were; every scenario ends with the sagas settled and the chaos audit's six defect counts.
 */
import { config } from "../../config";
import { isStepScenario, type ReliabilityScenario, type StepScenario } from "../../domain";
import type { SystemManifest } from "../../services/system";
import { LocalCluster, type ContextSpec } from "../cluster";
import { JetStreamProbe } from "../chaos/audit";
import { DEFECTS, type DefectKind, type Finding, type SystemDriver } from "../chaos/driver";
import { FaultInjector } from "../chaos/faults";
import { rng, type Rng } from "../chaos/rng";
import { check, clusterEnv, clusterSpecs, customerActor, placeSagas, settle, waitDrained } from "../chaos/run";
import { sleep, World, type HttpResult, type KeyRecord } from "../chaos/world";
import { coreContext, planOf, type PlanRow } from "./plan";
import type { SystemReport } from "./report";
import { STEP_EXERCISES, type ExerciseRun, type Shot } from "./steps";

export interface Sizes {
	/** Sagas placed while each supporting context is down. */
	downSagas: number;
	/** Sagas placed while every consumer context runs two replicas. */
	replicaSagas: number;
	/** Sagas placed while each context is killed in turn. */
	killSagas: number;
	/** Shots at a step whose owner is down, and at one slower than its caller (sequential). */
	downShots: number;
	slowShots: number;
	/** Shots at once at a saturated step. */
	burst: number;
	/** Writers placing and readers reading while each context is rolled. */
	rollWriters: number;
	/** How long the sagas may take to settle after a scenario. */
	settleMs: number;
}

export const DEFAULT_SIZES: Sizes = { downSagas: 4, replicaSagas: 12, killSagas: 50, downShots: 3, slowShots: 10, burst: 30, rollWriters: 2, settleMs: 120000 };

export interface SuiteOptions {
	basePort: number;
	seed: string;
	/** Cluster folder (logs, stores, JetStream); a fresh temporary one when not given. */
	workDir?: string;
	sizes: Sizes;
	log?: (line: string) => void;
}

/** One scenario × target: run (passed or failed, with its figures) or skipped with the manifest's reason. */
export interface RowResult extends PlanRow {
	ok: boolean;
	figures: Record<string, number | string>;
	failures: string[];
}

/** How a scenario's sagas ended: settled or not, and the chaos audit's defect counts over every saga so far. */
export interface ScenarioAudit {
	settled: boolean;
	sagas: number;
	defects: Record<DefectKind, number>;
	findings: Finding[];
	deadLetters: number;
}

/** The config of a faulted step owner (scripts/chaos/fault-config.ts: CHAOS_DELAY). */
const FAULT_CONFIG = "scripts/chaos/fault-config.js";
/** The bulkhead of a saturated step's owner, and its delay (two in flight, two waiting: a queued call still answers within the caller's timeout). */
const SATURATED = { concurrency: 2, queue: 2 };
/** At most this many batches of sagas in the replicas scenario, until every consumer context has had an event. */
const REPLICA_ROUNDS = 4;
/** How many shots per wanted one an exercise prepares when the caller may refuse some on its own (a mall order rejected for want of stock). */
const SPARE_SHOTS = 3;
/** Circuit breaker of every process: a window of 5 calls opens it, half-open after 1 s (the defaults wait for 20 calls). */
const BREAKER_ENV: Record<string, string> = { CB_MIN_REQUESTS: "5", CB_WINDOW_SECONDS: "5", CB_HALF_OPEN_MS: "1000" };

/** The consumer group of a context on JetStream (the durable name of `<system>.<context>`). */
export const durableOf = (system: string, context: string) => `${system}_${context}`;

/** The events a process's log says it handled since `offset` (mixins/consume.ts logs one line each, at debug). */
export function handledIn(log: string, offset = 0): string[] {
	const ids: string[] = [];
	for (const line of log.slice(offset).split("\n")) {
		if (!line.startsWith("{")) continue;
		try {
			const parsed: unknown = JSON.parse(line);
			if (typeof parsed === "object" && parsed !== null && "handled" in parsed && "eventId" in parsed && typeof parsed.eventId === "string") ids.push(parsed.eventId);
		} catch {
			/* not a JSON line */
		}
	}
	return ids;
}

export interface Answer {
	status: number;
	ms: number;
	retryAfter: boolean;
	cause: string;
}

/**
 * Where the breaker of a slow step is seen to open: the first 503 + Retry-After answered in under half the
 * caller's timeout after an answer that took the timeout (undefined: it never did).
 */
export function breakerOpened(answers: readonly Answer[], timeoutMs: number): { at: number; fastestMs: number } | undefined {
	const firstSlow = answers.findIndex(a => a.ms >= timeoutMs * 0.9);
	if (firstSlow < 0) return undefined;
	const fast = answers.map((a, i) => ({ a, i })).filter(({ a, i }) => i > firstSlow && a.status === 503 && a.retryAfter && a.ms < timeoutMs / 2);
	return fast.length === 0 ? undefined : { at: fast[0].i, fastestMs: Math.min(...fast.map(f => f.a.ms)) };
}

/** Whether `wanted` of the answers reached the step (were not the caller's own refusals). */
export function reachedEnough(answers: readonly Pick<Answer, "status">[], until: { wanted: number; refusals: readonly number[] }): boolean {
	return answers.filter(a => !until.refusals.includes(a.status)).length >= until.wanted;
}

/** What a step scenario finds wrong in its answers (each check can fail: test/unit/reliability.test.ts plants one). */
export function judgeStepPart(part: StepScenario, all: readonly Answer[], answered: readonly number[], timeoutMs: number, refusals: readonly number[] = []): string[] {
	const failures: string[] = [];
	// What the caller refused on its own (the saga moved on: a mall order rejected for want of stock) never reached the step.
	const answers = all.filter(a => !refusals.includes(a.status));
	if (all.length > 0 && answers.length === 0) return [`${part}: every shot was refused by the caller itself (${all.map(a => a.status).join(",")}): none reached the step`];
	const fastMs = Math.max(timeoutMs, 1000);
	const is503 = (a: Answer) => a.status === 503 && a.retryAfter;
	const list = (xs: readonly Answer[]) => xs.map(a => `${a.status}${a.status === 503 && !a.retryAfter ? " without Retry-After" : ""} in ${a.ms} ms${a.cause ? ` (${a.cause})` : ""}`).join(", ");
	if (answers.length === 0) return [`${part}: no shot was fired`];
	if (part === "step-down") {
		const bad = answers.filter(a => !is503(a) || a.ms > fastMs);
		if (bad.length > 0) failures.push(`expected 503 + Retry-After within ${fastMs} ms, got ${list(bad)}`);
	} else if (part === "step-saturated") {
		const bad = answers.filter(a => !is503(a) && !answered.includes(a.status));
		if (bad.length > 0) failures.push(`expected ${answered.join("/")} or 503 + Retry-After, got ${list(bad)}`);
		if (!answers.some(is503)) failures.push("no shot was turned away (503): the bulkhead was never full");
		if (!answers.some(a => answered.includes(a.status))) failures.push("no shot got through the bulkhead");
	} else {
		const bad = answers.filter(a => !is503(a) && a.status !== 504);
		if (bad.length > 0) failures.push(`expected 504 or 503 + Retry-After, got ${list(bad)}`);
		if (!answers.some(a => a.ms >= timeoutMs * 0.9)) failures.push(`no answer took the caller's timeout (${timeoutMs} ms): the step was not slower than its caller`);
		else if (!breakerOpened(answers, timeoutMs)) failures.push(`no fast 503 after the timeouts: the breaker never opened (${list(answers)})`);
	}
	return failures;
}

export class ReliabilitySuite {
	readonly cluster: LocalCluster;
	readonly world: World;
	readonly core: string;
	private readonly js: JetStreamProbe;
	private readonly root: Rng;
	private readonly log: (line: string) => void;
	/** The platform's processes (identity, gateway) and each context's current instance. */
	private readonly platform: ContextSpec[];
	private readonly instances = new Map<string, ContextSpec>();
	private next = 0;
	private generation = 0;
	private workers: Promise<void>[] = [];

	constructor(
		readonly system: SystemManifest,
		readonly driver: SystemDriver,
		readonly opts: SuiteOptions
	) {
		this.log = opts.log ?? (() => undefined);
		this.core = coreContext(system, driver.placeScope);
		const extra: Record<string, string> = {};
		for (const [k, v] of Object.entries(BREAKER_ENV)) extra[k] = process.env[k] ?? v;
		this.cluster = new LocalCluster({ basePort: opts.basePort, workDir: opts.workDir, env: clusterEnv(driver, extra) });
		this.root = rng(`${opts.seed}/reliability/${driver.system}`);
		this.world = new World(this.cluster, this.root, { seed: opts.seed, httpTimeoutMs: 15000, maxTries: 30, giveUpAfter503: 0.5, log: this.log });
		this.js = new JetStreamProbe(this.cluster.natsUrl);
		const specs = clusterSpecs(driver);
		this.platform = specs.filter(s => !system.contexts.includes(s.name));
		// The system's contexts log each event they handle (debug), so the replicas' shares can be counted.
		for (const s of specs) if (system.contexts.includes(s.name)) this.instances.set(s.name, { ...s, env: { ...s.env, LOG_LEVEL: "debug" } });
	}

	/** Every scenario × target of this system, run or skipped with its reason. */
	plan(scenarios?: readonly ReliabilityScenario[]): PlanRow[] {
		return planOf(this.system, this.core, scenarios);
	}

	private get specs(): ContextSpec[] {
		return [...this.instances.values(), ...this.platform];
	}

	private instance(context: string): ContextSpec {
		const spec = this.instances.get(context);
		if (!spec) throw new Error(`no context ${context} in ${this.system.name}`);
		return spec;
	}

	async start(expectedSagas: number): Promise<void> {
		await this.cluster.startServers();
		for (const spec of this.specs) await this.cluster.start(spec);
		this.log(`cluster of ${this.system.name} up: ${this.specs.map(s => s.name).join(", ")} (${this.cluster.workDir})`);
		await this.driver.setup?.(this.world, { sagas: expectedSagas });
		this.startWorkers();
	}

	async stop(): Promise<void> {
		await this.stopWorkers();
		await this.js.close();
		await this.cluster.stopAll();
	}

	private startWorkers(): void {
		if (this.workers.length > 0) return;
		this.world.finished = false;
		this.workers = this.driver.workers(this.world).map(w => w.run().catch(err => this.log(`worker ${w.name} stopped: ${(err as Error).message}`)));
	}

	private async stopWorkers(): Promise<void> {
		this.world.finished = true;
		await Promise.allSettled(this.workers);
		this.workers = [];
		this.world.finished = false;
	}

	// ---- sagas -------------------------------------------------------------------------------------------

	/** `count` new saga numbers, the first a multiple of `align` (default: one saga per customer, as The Draw's draws are). */
	private sagas(count: number, align = this.driver.customers.length): number[] {
		const from = Math.ceil(this.next / align) * align;
		this.next = from + count;
		return Array.from({ length: count }, (_, k) => from + k);
	}

	private key(i: number): string {
		return `reliability-${this.opts.seed}-${this.driver.system}-${i}`;
	}

	/** A batch of sagas by the driver's customers (some cancelled later, as in the chaos run); resolves when placed, the cancels when they are answered. */
	private async batch(count: number, thinkMs: number): Promise<{ records: KeyRecord[]; cancels: Promise<void>[] }> {
		const [from] = this.sagas(count);
		const cancels: Promise<void>[] = [];
		await placeSagas(this.world, this.driver, this.root, { from, count, thinkMs, keyPrefix: `reliability-${this.opts.seed}-${this.driver.system}` }, cancels, this.log);
		return { records: [...this.world.ledger.values()].filter(r => r.index >= from && r.index < from + count), cancels };
	}

	private customerOf(i: number) {
		return this.driver.customers[i % this.driver.customers.length];
	}

	/** Saga `i` placed with the retry protocol. */
	private place(i: number): Promise<KeyRecord> {
		const spec = this.customerOf(i);
		const rnd = this.root.fork(`saga:${i}`);
		return this.world.place(customerActor(this.world, spec), i, this.key(i), this.driver.placePath, this.driver.placement(spec.name, rnd, { index: i, world: this.world }), rnd.fork("answers"));
	}

	/** Saga `i`'s placement sent once, in the ledger as its answer says. */
	private async placeOnce(i: number): Promise<HttpResult> {
		const spec = this.customerOf(i);
		const rnd = this.root.fork(`saga:${i}`);
		const record: KeyRecord = { key: this.key(i), customer: spec.name, index: i, answers: [], placedIds: [] };
		this.world.ledger.set(record.key, record);
		const body = this.driver.placement(spec.name, rnd, { index: i, world: this.world });
		const res = await this.world.as(customerActor(this.world, spec), { method: "POST", path: this.driver.placePath, body, headers: { "Idempotency-Key": record.key, "X-Request-ID": record.key } });
		record.answers.push(res.status);
		if (res.status === 201) record.placedIds.push(String(res.body?.id));
		record.final = res.status === 201 ? "placed" : res.status === 503 ? "gave-up-503" : res.status === 0 || res.status >= 500 ? "unknown" : "refused";
		return res;
	}

	// ---- audit -------------------------------------------------------------------------------------------

	/** The sagas settled (every worker running), then the chaos audit over every saga of the run so far. */
	private async audit(): Promise<ScenarioAudit> {
		this.startWorkers();
		this.world.loadDone = true;
		const settled = await settle(this.world, this.driver, this.js, this.opts.sizes.settleMs, this.log);
		await waitDrained(this.js, 15000);
		let result = await check(this.world, this.driver, this.js);
		if (result.findings.length > 0) {
			this.log(`${result.findings.length} findings; checking again in 8 s (eventual consistency)`);
			await sleep(8000);
			result = await check(this.world, this.driver, this.js);
		}
		this.world.loadDone = false;
		const defects = Object.fromEntries(DEFECTS.map(d => [d, result.findings.filter(f => f.defect === d).length])) as Record<DefectKind, number>;
		return { settled, sagas: this.world.ledger.size, defects, findings: result.findings, deadLetters: result.deadLetters.length };
	}

	/** The audit as figures and failures of a row. */
	private static audited(a: ScenarioAudit): { figures: Record<string, number>; failures: string[] } {
		const failures: string[] = [];
		if (!a.settled) failures.push("the sagas did not settle before the deadline");
		for (const d of DEFECTS) {
			if (a.defects[d] === 0) continue;
			const rules = [...new Set(a.findings.filter(f => f.defect === d).map(f => f.rule))];
			const example = a.findings.find(f => f.defect === d);
			failures.push(`${d} ×${a.defects[d]} (${rules.join(", ")}; e.g. ${example?.orderId ?? example?.key ?? ""} ${example?.detail ?? ""})`);
		}
		return { figures: { "sagas audited": a.sagas, "defects": DEFECTS.reduce((n, d) => n + a.defects[d], 0), "dead letters": a.deadLetters }, failures };
	}

	/** Counters of the world's answers, to take the difference a scenario made. */
	private answerCounts(): Record<string, number> {
		const c = this.world.counters;
		return {
			"503": c.get("answers.503"),
			"503 without Retry-After": c.get("answers.503-without-retry-after"),
			"504": c.get("answers.504"),
			"504 without outcome unknown": c.get("answers.504-without-outcome-unknown"),
			"5xx other": c.get("answers.5xx-other")
		};
	}

	/** The answers the actors got during a scenario (503s and their Retry-After, 504s and their outcome). */
	private answersSince(before: Record<string, number>): { figures: Record<string, number>; failures: string[] } {
		const now = this.answerCounts();
		const figures: Record<string, number> = {};
		for (const k of Object.keys(now)) figures[`answered ${k}`] = now[k] - before[k];
		const failures: string[] = [];
		if (figures["answered 503 without Retry-After"] > 0) failures.push(`${figures["answered 503 without Retry-After"]} answers 503 without Retry-After`);
		if (figures["answered 504 without outcome unknown"] > 0) failures.push(`${figures["answered 504 without outcome unknown"]} answers 504 without outcome unknown`);
		return { figures, failures };
	}

	// ---- scenarios ---------------------------------------------------------------------------------------

	/**
	 * Runs scenarios one after the other, then settles the sagas and audits once: every row of the group gets
	 * the audit's verdict (the step scenarios of a run are one group: their shots leave sagas the actors then
	 * drive to their end together).
	 */
	async run(group: readonly ReliabilityScenario[]): Promise<RowResult[]> {
		const t0 = Date.now();
		const before = this.answerCounts();
		const ran: Array<{ scenario: ReliabilityScenario; target: string; figures: Record<string, number | string>; failures: string[] }> = [];
		const skipped: RowResult[] = [];
		for (const scenario of group) {
			const rows = this.plan([scenario]);
			for (const r of rows.filter(r => r.skip !== undefined)) {
				this.log(`${scenario} of ${r.target}: skipped (${r.skip})`);
				skipped.push({ ...r, ok: true, figures: {}, failures: [] });
			}
			const targets = rows.filter(r => r.skip === undefined).map(r => r.target);
			if (targets.length === 0) continue;
			const t = Date.now();
			const results = await this.scenario(scenario, targets);
			for (const target of targets) {
				const own = results.get(target) ?? { figures: {}, failures: [`no result for ${target}`] };
				ran.push({ scenario, target, figures: { ...own.figures, "scenario s": Math.round((Date.now() - t) / 1000) }, failures: own.failures });
			}
		}
		if (ran.length === 0) return skipped;
		const audit = ReliabilitySuite.audited(await this.audit());
		const answers = this.answersSince(before);
		this.log(`${group.join(", ")}: ${((Date.now() - t0) / 1000).toFixed(1)} s; audit ${JSON.stringify(audit.figures)}${audit.failures.length ? `; ${audit.failures.join("; ")}` : ""}`);
		const results: RowResult[] = ran.map(r => {
			const failures = [...r.failures, ...audit.failures, ...answers.failures];
			return { scenario: r.scenario, target: r.target, ok: failures.length === 0, figures: { ...r.figures, ...audit.figures, ...answers.figures }, failures };
		});
		return [...results, ...skipped];
	}

	private scenario(scenario: ReliabilityScenario, targets: string[]): Promise<Map<string, { figures: Record<string, number | string>; failures: string[] }>> {
		switch (scenario) {
			case "supporting-down":
				return this.supportingDown(targets);
			case "replicas":
				return this.replicas(targets);
			case "kill-each":
				return this.killEach(targets);
			case "step-down":
			case "step-saturated":
			case "step-slow":
				return this.stepScenario(scenario, targets);
			case "rolling-restart":
				return this.rollingRestart(targets);
		}
	}

	/** (a) Each supporting context stopped while its upstream takes placements; started again, it catches up. */
	private async supportingDown(targets: string[]) {
		const out = new Map<string, { figures: Record<string, number | string>; failures: string[] }>();
		const cancels: Promise<void>[] = [];
		for (const context of targets) {
			const spec = this.instance(context);
			const failures: string[] = [];
			await this.cluster.stop(spec.name);
			const { records, cancels: c } = await this.batch(this.opts.sizes.downSagas, 300);
			cancels.push(...c);
			const placed = records.filter(r => r.final === "placed").length;
			if (placed < records.length) failures.push(`while ${context} was down, ${records.length - placed} of ${records.length} placements did not end 201 (${records.map(r => r.answers.join(",")).join("; ")})`);
			await sleep(1000);
			const owed = await this.js.undelivered(durableOf(this.system.name, context));
			const t = Date.now();
			await this.cluster.start(spec);
			const caughtUp = await this.until(async () => (await this.js.undelivered(durableOf(this.system.name, context))) === 0, 30000);
			if (!caughtUp) failures.push(`${context} still owed ${await this.js.undelivered(durableOf(this.system.name, context))} messages 30 s after it restarted`);
			this.log(`supporting-down ${context}: ${placed}/${records.length} placed while down, ${owed} owed, caught up in ${Date.now() - t} ms`);
			out.set(context, { figures: { "placed while down": `${placed}/${records.length}`, "owed while down": owed, "caught up ms": caughtUp ? Date.now() - t : -1 }, failures });
		}
		await Promise.all(cancels);
		return out;
	}

	/** (b) Two replicas of every consumer context on one store: each event handled once in effect, both replicas working. */
	private async replicas(targets: string[]) {
		const out = new Map<string, { figures: Record<string, number | string>; failures: string[] }>();
		const pairs = targets.map(context => {
			const first = this.instance(context);
			const second: ContextSpec = { ...first, name: `${first.name}-b`, env: { ...first.env, DATA_DIR: this.cluster.dataDirOf(first.name) } };
			return { context, first, second, offset: this.cluster.logOf(first.name).length };
		});
		for (const p of pairs) await this.cluster.start(p.second);
		const handledBy = (p: (typeof pairs)[number]) => handledIn(this.cluster.logOf(p.first.name), p.offset).length + handledIn(this.cluster.logOf(p.second.name)).length;
		// A context that consumes only what some sagas do (flower's payment: the refunds of cancelled or
		// rejected orders) may get nothing from one batch: more batches, until each has had work (at most 4).
		for (let round = 0; round < REPLICA_ROUNDS; round++) {
			this.world.loadDone = false;
			const { cancels } = await this.batch(this.opts.sizes.replicaSagas, 600);
			await Promise.all(cancels);
			// Both replicas serve until the sagas have settled (the audit below), then the second leaves.
			this.world.loadDone = true;
			await settle(this.world, this.driver, this.js, this.opts.sizes.settleMs, this.log);
			const idle = pairs.filter(p => handledBy(p) === 0).map(p => p.context);
			if (idle.length === 0) break;
			this.log(`replicas: no event for ${idle.join(", ")} yet after ${round + 1} batch(es) of ${this.opts.sizes.replicaSagas}`);
		}
		let secondTotal = 0;
		for (const p of pairs) {
			const one = handledIn(this.cluster.logOf(p.first.name), p.offset);
			const two = handledIn(this.cluster.logOf(p.second.name));
			secondTotal += two.length;
			const both = one.filter(id => two.includes(id)).length;
			const failures = one.length + two.length === 0 ? [`neither replica of ${p.context} handled an event`] : [];
			out.set(p.context, { figures: { "handled by replica 1": one.length, "handled by replica 2": two.length, "handled by both (redelivered)": both }, failures });
		}
		if (secondTotal === 0) for (const v of out.values()) v.failures.push("no second replica handled any event: the replicas did not share the work");
		for (const p of pairs) await this.cluster.stop(p.second.name);
		return out;
	}

	/** (c) SIGKILL of each context in turn while sagas flow. */
	private async killEach(targets: string[]) {
		const victims = targets.map(c => this.instance(c).name);
		const faultRnd = this.root.fork(`kill-each:${this.generation++}`);
		const faults = new FaultInjector(this.cluster, this.specs, victims, faultRnd, { everyMs: 2500, downMs: [300, 1500], natsDownMs: [0, 0], natsAt: 0, gatewayAt: 0, minKills: victims.length }, this.world.started, this.log);
		let failure: unknown;
		const injecting = faults.run().catch(err => {
			failure = err;
		});
		const watch = (async () => {
			while (faults.kills < victims.length && failure === undefined) await sleep(200);
			faults.stop();
		})();
		// The kills go on while the sagas placed flow on (the actors drive them), until each context was killed once.
		const { cancels } = await this.batch(this.opts.sizes.killSagas, 2500);
		await Promise.all([...cancels, watch, injecting]);
		if (failure) throw failure;
		await faults.owed();
		const counts = faults.counts();
		const out = new Map<string, { figures: Record<string, number | string>; failures: string[] }>();
		for (const context of targets) {
			const name = this.instance(context).name;
			const kills = faults.events.filter(e => e.kind === "kill" && e.target === name);
			out.set(context, {
				figures: { "killed (SIGKILL)": counts[`kill ${name}`] ?? 0, "restart ms": kills.map(e => e.restartMs).join(","), "sagas during the kills": this.opts.sizes.killSagas },
				failures: kills.length === 0 ? [`${context} was never killed`] : []
			});
		}
		return out;
	}

	/**
	 * (d) Each synchronous step with its owner down, saturated or slower than the caller's timeout (one part a
	 * scenario): the shots prepared with the owner as usual, the owner faulted, the shots fired, the owner put
	 * back, and the caller's breaker given time to close before the next step.
	 */
	private async stepScenario(part: StepScenario, targets: string[]) {
		const out = new Map<string, { figures: Record<string, number | string>; failures: string[] }>();
		const timeoutMs = config.resilience.stepTimeoutMs;
		const n = part === "step-down" ? this.opts.sizes.downShots : part === "step-saturated" ? this.opts.sizes.burst : this.opts.sizes.slowShots;
		// The actors would race the shots for the same sagas: they wait, and drive everything to its end in the audit.
		await this.stopWorkers();
		for (const step of targets) {
			const exercise = STEP_EXERCISES[this.system.name]?.[step];
			const saga = this.system.saga.steps[step];
			if (!exercise) {
				out.set(step, { figures: {}, failures: [`no exercise for step ${step} in scripts/reliability/steps.ts (or an opt-out with its reason in the manifest)`] });
				continue;
			}
			const action = saga.participant.action;
			const usual = this.instance(saga.owner);
			const fault: Record<string, string> | undefined =
				part === "step-saturated"
					? { SYNC_STEP_CONCURRENCY: String(SATURATED.concurrency), SYNC_STEP_QUEUE: String(SATURATED.queue), CHAOS_DELAY: `${action}:${Math.round(timeoutMs / 3)}` }
					: part === "step-slow"
						? { CHAOS_DELAY: `${action}:${timeoutMs + 500}` }
						: undefined;
			const figures: Record<string, number | string> = { step: `${saga.caller} → ${action}`, shot: exercise.what, ...(fault ? { fault: Object.entries(fault).map(([k, v]) => `${k}=${v}`).join(" ") } : { fault: `${saga.owner} stopped` }) };
			const run: ExerciseRun = {
				world: this.world,
				driver: this.driver,
				sagas: (count, align = 1) => this.sagas(count, align),
				place: i => this.place(i),
				placeOnce: i => this.placeOnce(i),
				drained: () => waitDrained(this.js, 30000),
				ownerDown: async fn => {
					await this.cluster.stop(usual.name);
					try {
						return await fn();
					} finally {
						await this.cluster.start(usual);
						await sleep(500);
					}
				}
			};
			// A shot the caller may refuse on its own never reaches the step: one after the other, spares are
			// prepared and fired until `n` reached it (all at once, a burst of `n` is enough to fill the bulkhead).
			const sequential = part !== "step-saturated";
			const prepared = exercise.refusals && sequential ? n * SPARE_SHOTS : n;
			let shots: Shot[];
			try {
				shots = await exercise.prepare(run, prepared);
			} catch (err) {
				out.set(step, { figures, failures: [`preparing the shots: ${(err as Error).message}`] });
				continue;
			}
			await this.cluster.stop(usual.name);
			if (fault) {
				await this.cluster.start({ ...usual, config: FAULT_CONFIG, env: { ...usual.env, ...fault } });
				await sleep(500);
			}
			const answers = await ReliabilitySuite.fire(shots, !sequential, { wanted: n, refusals: exercise.refusals ?? [] });
			await this.cluster.stop(usual.name);
			await this.cluster.start(usual);
			// The caller's breaker, open after the faults, lets calls through again (half-open) before the next step.
			await sleep(Number(BREAKER_ENV.CB_HALF_OPEN_MS) + 1000);
			const failures = judgeStepPart(part, answers, exercise.answered, timeoutMs, exercise.refusals);
			const by = new Map<number, number>();
			for (const a of answers) by.set(a.status, (by.get(a.status) ?? 0) + 1);
			figures.answers = [...by.entries()].map(([status, k]) => `${status}×${k}`).join(" ");
			figures["503 with Retry-After"] = answers.filter(a => a.status === 503 && a.retryAfter).length;
			figures["slowest ms"] = Math.max(...answers.map(a => a.ms));
			if (part === "step-slow") {
				const opened = breakerOpened(answers, timeoutMs);
				figures["breaker open observed"] = opened ? `yes, from shot ${opened.at + 1}` : "no";
				if (opened) figures["fastest 503 after it ms"] = opened.fastestMs;
			}
			this.log(`${part} ${step}: ${figures.answers}, slowest ${figures["slowest ms"]} ms${failures.length ? `; ${failures.join("; ")}` : ""}`);
			out.set(step, { figures, failures });
		}
		return out;
	}

	/**
	 * Fires the shots (all at once, or one after the other) and times each answer; one after the other, it
	 * stops once `wanted` answers were not the caller's own refusals (the rest stay unfired).
	 */
	private static async fire(shots: readonly Shot[], concurrent: boolean, until: { wanted: number; refusals: readonly number[] }): Promise<Answer[]> {
		const one = async (shot: Shot): Promise<Answer> => {
			const t = Date.now();
			const res = await shot();
			const data: unknown = res.body?.data;
			const cause = typeof data === "object" && data !== null ? String(("cause" in data && data.cause) || ("outcome" in data && data.outcome) || "") : res.error ?? "";
			return { status: res.status, ms: Date.now() - t, retryAfter: !!res.headers.get("retry-after"), cause };
		};
		if (concurrent) return Promise.all(shots.map(one));
		const answers: Answer[] = [];
		for (const shot of shots) {
			if (reachedEnough(answers, until)) break;
			answers.push(await one(shot));
		}
		return answers;
	}

	/** (e) Each context rolled under steady load: a second instance on the same data, ready, then the old one SIGTERMed. */
	private async rollingRestart(targets: string[]) {
		const out = new Map<string, { figures: Record<string, number | string>; failures: string[] }>();
		const failed = new Map<string, string[]>();
		const requests = new Map<string, number>();
		let rolling = "(before the first)";
		let running = true;
		const placedIds: string[] = [];
		const note = (what: string, res: HttpResult) => {
			requests.set(rolling, (requests.get(rolling) ?? 0) + 1);
			if (res.status === 0 || res.status >= 500) failed.set(rolling, [...(failed.get(rolling) ?? []), `${what} ${res.status} ${res.error ?? JSON.stringify(res.body)?.slice(0, 160)}`]);
		};
		const writer = async () => {
			while (running) {
				const [i] = this.sagas(1, 1);
				const res = await this.placeOnce(i);
				if (res.status === 201) placedIds.push(String(res.body?.id));
				note(`POST ${this.driver.placePath}`, res);
				await sleep(500);
			}
		};
		const reader = async (r: number) => {
			const rnd = this.root.fork(`reader:${r}:${this.generation++}`);
			while (running) {
				if (placedIds.length === 0) {
					await sleep(100);
					continue;
				}
				const path = `${this.driver.placePath}/${rnd.pick(placedIds)}`;
				const res = await this.world.as(this.world.admin(), { method: "GET", path });
				note(`GET ${path}`, res);
				if (res.status !== 200 && res.status !== 0 && res.status < 500) failed.set(rolling, [...(failed.get(rolling) ?? []), `GET ${path} ${res.status}`]);
				await sleep(50);
			}
		};
		const load = Promise.all([...Array.from({ length: this.opts.sizes.rollWriters }, () => writer()), ...Array.from({ length: this.opts.sizes.rollWriters }, (_, r) => reader(r))]);
		await sleep(1500);
		for (const context of targets) {
			const old = this.instance(context);
			const fresh: ContextSpec = { ...old, name: `${context}-r${this.generation++}`, env: { ...old.env, DATA_DIR: this.cluster.dataDirOf(old.name) } };
			rolling = context;
			const t = Date.now();
			await this.cluster.start(fresh);
			const readyMs = Date.now() - t;
			await this.cluster.stop(old.name, "SIGTERM");
			this.instances.set(context, fresh);
			await sleep(1500);
			const f = failed.get(context) ?? [];
			this.log(`rolling-restart ${context}: ${old.name} → ${fresh.name} (ready in ${readyMs} ms), ${requests.get(context) ?? 0} requests, ${f.length} failed`);
			out.set(context, { figures: { "new instance ready ms": readyMs, "requests while rolling": requests.get(context) ?? 0, "failed requests": f.length }, failures: f.slice(0, 5).map(x => `failed: ${x}`) });
		}
		running = false;
		await load;
		const before = failed.get("(before the first)") ?? [];
		if (before.length > 0) for (const v of out.values()) v.failures.push(`${before.length} requests failed before the first restart: ${before[0]}`);
		return out;
	}

	private async until(ok: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (await ok().catch(() => false)) return true;
			await sleep(300);
		}
		return false;
	}
}

/** The sizes, with RELIABILITY_<NAME> from the environment (e.g. RELIABILITY_KILL_SAGAS=200) over `defaults`. */
export function sizesFromEnv(env: NodeJS.ProcessEnv, defaults: Sizes = DEFAULT_SIZES): Sizes {
	const names: Record<keyof Sizes, string> = {
		downSagas: "RELIABILITY_DOWN_SAGAS",
		replicaSagas: "RELIABILITY_REPLICA_SAGAS",
		killSagas: "RELIABILITY_KILL_SAGAS",
		downShots: "RELIABILITY_DOWN_SHOTS",
		slowShots: "RELIABILITY_SLOW_SHOTS",
		burst: "RELIABILITY_BURST",
		rollWriters: "RELIABILITY_ROLL_WRITERS",
		settleMs: "RELIABILITY_SETTLE_MS"
	};
	const sizes = { ...defaults };
	for (const key of Object.keys(names) as (keyof Sizes)[]) {
		const raw = env[names[key]];
		if (raw === undefined || raw === "") continue;
		const n = Number(raw);
		if (!Number.isInteger(n) || n < 1) throw new Error(`${names[key]}: expected a whole number ≥ 1, got "${raw}"`);
		sizes[key] = n;
	}
	return sizes;
}

/** The scenarios in order, consecutive step scenarios together (one audit after them). */
export function groupsOf(scenarios: readonly ReliabilityScenario[]): ReliabilityScenario[][] {
	const groups: ReliabilityScenario[][] = [];
	for (const s of scenarios) {
		const last = groups[groups.length - 1];
		if (last && isStepScenario(s) && isStepScenario(last[last.length - 1])) last.push(s);
		else groups.push([s]);
	}
	return groups;
}

/** One system's suite, start to stop: the scenarios in order over one cluster. */
export async function runReliability(system: SystemManifest, driver: SystemDriver, opts: SuiteOptions, scenarios: readonly ReliabilityScenario[]): Promise<SystemReport> {
	const suite = new ReliabilitySuite(system, driver, opts);
	const t0 = Date.now();
	const rows: RowResult[] = [];
	const s = opts.sizes;
	// Roughly how many sagas the run will place (the mall stocks its products for them).
	const expected = s.downSagas * system.contexts.length + s.replicaSagas + s.killSagas + Object.keys(system.saga.steps).length * (SPARE_SHOTS * (s.downShots + s.slowShots) + s.burst) + 100;
	let error: string | undefined;
	try {
		await suite.start(expected);
		for (const group of groupsOf(scenarios)) rows.push(...(await suite.run(group)));
	} catch (err) {
		error = (err as Error).stack ?? String(err);
		opts.log?.(`stopped: ${error}`);
	} finally {
		await suite.stop();
	}
	return { system: system.name, seed: opts.seed, ms: Date.now() - t0, rows, ...(error ? { error } : {}) };
}
