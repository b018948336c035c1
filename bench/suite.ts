/**
 * The benchmark suite (docs/performance.md): every figure is a ratio against the bare moleculer-web echo
 * (bench/echo-server.ts) measured back to back with it in the same run — the echo just before and just after
 * the figure, their mean the baseline, their difference reported as drift — because the machine is shared
 * and a bare time says nothing on its own. Prints a table and writes every number as JSON.
 *
 *   (a) placement throughput on the embedded default (`npm start`: every context in one process, SQLite), per system
 *   (b) flower placement on the local cluster (one process per context over nats-server -js + redis-server),
 *       against its echo and against (a)'s flower figure
 *   (c) OrderPlaced → MyPage visible latency (p50/p99) at half of (a)'s flower rate, embedded
 *   (d) scale-out: flower on the local cluster with the seed's payment latency and bulkhead, 1 and 2 payment replicas
 *   (e) growth: flower placement, start-up time and resident memory with 0, 100,000 and 1,000,000 stored orders
 *   (p) where the time goes: a CPU profile (node --cpu-prof) of the embedded flower placement under load
 *   (s) the SQLite statements one flower placement costs on the embedded default, counted (bench/statements.ts):
 *       work that the machine's speed hardly changes (only how many writes a turn merges), so two runs, or two
 *       commits, compare where times drift
 *
 *   node dist/bench/suite.js                 everything (about 15 minutes on 2 cores)
 *   BENCH_ONLY=a,c BENCH_SECONDS=5 …         a subset, shorter runs
 *
 * Options (environment):
 *   BENCH_SECONDS=10            each figure's counted load, split into BENCH_ROUNDS=2 rounds: echo, round, echo, round, echo
 *   BENCH_ECHO_SECONDS=2.5      each echo run (default a quarter of BENCH_SECONDS, at least 2)
 *   BENCH_WARMUP_SECONDS=2      load at the start of each round, in the same run, not counted
 *   BENCH_CONNECTIONS=20        autocannon connections of every saturating run
 *   BENCH_ONLY=a,b,c,d,e,p,s    the sections to run
 *   BENCH_SYSTEMS=…             (a): the systems (default all five)
 *   BENCH_GROWTH=0,100000,1000000   (e): the stored orders of each level (the first is the reference)
 *   BENCH_LATENCY_SECONDS=20    (c): the constant-rate run (default twice BENCH_SECONDS)
 *   BENCH_LATENCY_SAMPLES=20    (c): placements sampled per second
 *   BENCH_SCALE_CONNECTIONS=150 (d): connections (one replica: 50 in flight + 100 queued at the payment is 150)
 *   BENCH_DRAIN_SECONDS=120     how long a figure may take to work off its backlog before the next one starts
 *   BENCH_OUT=bench/results/latest.json   the JSON report
 *   BENCH_WORK_DIR=/tmp/…       where the data goes (default a new folder under the OS temp dir, removed afterwards unless BENCH_KEEP=1)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { connect, type NatsConnection } from "nats";
import { LocalCluster, systemCluster } from "../scripts/cluster";
import { captureTemplates, populate, queryPlans, type Populated, type Templates } from "./populate";
import { printSummary, summarise, type ProfileSummary } from "./profile";
import {
	Backlog,
	call,
	demoToken,
	drain,
	ECHO_REQUEST,
	load,
	MachineMonitor,
	machine,
	memoryOf,
	num,
	percentile,
	rawRequest,
	ROOT,
	round,
	sleep,
	startEcho,
	startEmbedded,
	constantRate,
	keepAlive,
	measure,
	type Baseline,
	type Echo,
	type Figure,
	type FigureOptions,
	type LoadResult
} from "./support";
import { flowerRequest, TARGETS } from "./targets";

const SECONDS = num("BENCH_SECONDS", 10);
const ROUNDS = Math.max(1, Math.round(num("BENCH_ROUNDS", 2)));
const ECHO_SECONDS = num("BENCH_ECHO_SECONDS", Math.max(2, SECONDS / 4));
const WARMUP = num("BENCH_WARMUP_SECONDS", 2);
const CONNECTIONS = num("BENCH_CONNECTIONS", 20);
const SECTIONS = ["a", "b", "c", "d", "e", "p", "s"];
const ONLY = (process.env.BENCH_ONLY || SECTIONS.join(",")).split(",").map(s => s.trim().toLowerCase()).filter(Boolean);
const SYSTEMS = (process.env.BENCH_SYSTEMS || Object.keys(TARGETS).join(",")).split(",").map(s => s.trim()).filter(Boolean);
const GROWTH = (process.env.BENCH_GROWTH || "0,100000,1000000").split(",").map(s => Number(s.trim()));
const LATENCY_SECONDS = num("BENCH_LATENCY_SECONDS", 2 * SECONDS);
const LATENCY_SAMPLES = num("BENCH_LATENCY_SAMPLES", 20);
const SCALE_CONNECTIONS = num("BENCH_SCALE_CONNECTIONS", 150);
const DRAIN_MS = num("BENCH_DRAIN_SECONDS", 120) * 1000;
const OUT = path.resolve(process.env.BENCH_OUT || path.join(ROOT, "bench", "results", "latest.json"));
const KEEP = process.env.BENCH_KEEP === "1";

/** Ports: the cluster's 19000.. (b, d), the echo and the embedded default 19190.. */
const CLUSTER_BASE = 19000;
const ECHO_PORT = 19190;
const APP_PORT = 19191;
const TEMPLATE_PORT = 19192;

for (const s of ONLY) if (!SECTIONS.includes(s)) throw new Error(`BENCH_ONLY: unknown section "${s}" (expected some of ${SECTIONS.join(",")})`);
for (const s of SYSTEMS) if (!TARGETS[s]) throw new Error(`BENCH_SYSTEMS: unknown system "${s}"`);
if (GROWTH.some(n => !Number.isInteger(n) || n < 0)) throw new Error(`BENCH_GROWTH: expected integers >= 0, got "${process.env.BENCH_GROWTH}"`);

const WORK = process.env.BENCH_WORK_DIR ? path.resolve(process.env.BENCH_WORK_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), "bench-suite-"));
fs.mkdirSync(WORK, { recursive: true });

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

// ---- the table ----------------------------------------------------------------------------------------

interface Row {
	section: string;
	figure: string;
	value: string;
	baseline: string;
	ratio: string;
	goal?: string;
	met?: boolean;
}

const rows: Row[] = [];
const report: Record<string, unknown> = {};

function table(): string {
	const head = ["", "figure", "measured", "baseline (same run)", "ratio", "goal", "met"];
	const body = rows.map(r => [r.section, r.figure, r.value, r.baseline, r.ratio, r.goal ?? "", r.met === undefined ? "" : r.met ? "met" : "NOT met"]);
	const widths = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
	return [line(head), widths.map(w => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

function echoCell(e: Baseline): string {
	return `echo ${fmt(e.rate)} req/s (drift ${fmt(e.drift * 100)} %)`;
}

function figureOptions(backlog: FigureOptions["backlog"], over: Partial<FigureOptions> = {}): FigureOptions {
	return { echoConnections: CONNECTIONS, echoSeconds: ECHO_SECONDS, rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP, backlog, drainMs: DRAIN_MS, ...over };
}

function statusesOf(r: LoadResult): string {
	const other = Object.entries(r.statuses).filter(([k]) => Number(k) >= 300);
	const bad = other.map(([k, n]) => `${n}×${k}`).concat(r.errors ? [`${r.errors} errors`] : [], r.timeouts ? [`${r.timeouts} timeouts`] : []);
	return bad.length ? ` [${bad.join(", ")}]` : "";
}

// ---- (a) placement throughput on the embedded default, per system --------------------------------------

interface PlacementFigure extends Figure {
	system: string;
	startupMs: number;
}

async function embeddedPlacement(echo: Echo, system: string, dataDir: string): Promise<PlacementFigure> {
	const target = TARGETS[system];
	const app = await startEmbedded({ port: APP_PORT, dataDir });
	try {
		const req = await target.prepare(app.url);
		const backlog = new Backlog([dataDir]);
		const f = await measure(echo, figureOptions(() => backlog.count()), (seconds, warmupSeconds) => load(target.title, app.url, req, { connections: CONNECTIONS, seconds, warmupSeconds }));
		return { system, startupMs: app.startupMs, ...f };
	} finally {
		await app.stop();
		if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

async function sectionA(echo: Echo): Promise<Record<string, PlacementFigure>> {
	const out: Record<string, PlacementFigure> = {};
	for (const system of SYSTEMS) {
		log(`(a) ${system}: embedded default, ${CONNECTIONS} connections, ${SECONDS} s`);
		const f = await embeddedPlacement(echo, system, path.join(WORK, `a-${system}`));
		out[system] = f;
		log(`    ${fmt(f.load.rate)} 201/s, echo ${fmt(f.echo.rate)} req/s → ${fmt(f.ratio, 3)}; backlog at the end ${f.backlogAtEnd.owed} deliveries + ${f.backlogAtEnd.outbox} outboxes, drained in ${f.drainMs === null ? "(not drained)" : `${fmt(f.drainMs / 1000, 1)} s`}${statusesOf(f.load)}`);
		rows.push({
			section: "(a)",
			figure: `${TARGETS[system].title} (embedded)`,
			value: `${fmt(f.load.rate)} 201/s, p50 ${f.load.latencyMs.p50} ms${statusesOf(f.load)}`,
			baseline: echoCell(f.echo),
			ratio: fmt(f.ratio, 3),
			goal: "≥ 0.10 × echo",
			met: f.ratio >= 0.1
		});
	}
	return out;
}

// ---- the local cluster (b, d) -------------------------------------------------------------------------

const PAYMENT_ENV = { PAYMENT_LATENCY_MS: "400-620", SYNC_STEP_CONCURRENCY: "50", SYNC_STEP_QUEUE: "100" };
/** The order's step timeout: a placement queued behind 100 others at 50 in flight waits ~1 s, then ~0.5 s of payment. */
const ORDER_ENV = { SYNC_STEP_TIMEOUT_MS: "5000" };

interface ClusterRun {
	cluster: LocalCluster;
	nats: NatsConnection;
	token: string;
	scaleEnv: boolean;
}

let clusterRun: ClusterRun | undefined;

async function ensureCluster(scaleEnv: boolean): Promise<ClusterRun> {
	if (clusterRun) return clusterRun;
	const cluster = new LocalCluster({ basePort: CLUSTER_BASE, workDir: path.join(WORK, "cluster"), env: { RATE_LIMIT_PER_WINDOW: "100000000" } });
	await cluster.startServers();
	const started = performance.now();
	for (const spec of systemCluster("flowerdelivery")) {
		const env = scaleEnv && spec.name === "payment" ? PAYMENT_ENV : scaleEnv && spec.name === "order" ? ORDER_ENV : {};
		await cluster.start({ ...spec, env: { ...spec.env, ...env } });
	}
	log(`    the flower cluster is up in ${fmt((performance.now() - started) / 1000, 1)} s: ${systemCluster("flowerdelivery").map(s => s.name).join(", ")} over nats-server -js :${CLUSTER_BASE} and redis-server :${CLUSTER_BASE + 1}`);
	const nats = await connect({ servers: cluster.natsUrl });
	const token = await demoToken(cluster.baseUrl, "LKJ");
	// The gateway may need a moment to discover the contexts.
	for (let i = 0; ; i++) {
		const res = await call(cluster.baseUrl, "POST", "/api/flowerdelivery/orders", token, JSON.parse(flowerRequest(token).body!));
		if (res.status === 201) break;
		if (i > 100) throw new Error(`the cluster does not place orders: ${res.status} ${res.text}`);
		await sleep(200);
	}
	clusterRun = { cluster, nats, token, scaleEnv };
	return clusterRun;
}

/** What the cluster owes: JetStream messages not yet acknowledged by a consumer group, outbox events not yet published. */
async function clusterBacklog(run: ClusterRun): Promise<{ owed: number; outbox: number }> {
	const jsm = await run.nats.jetstreamManager();
	let owed = 0;
	for await (const stream of jsm.streams.list()) {
		if (stream.config.name === "DEAD_LETTER") continue;
		for await (const c of jsm.consumers.list(stream.config.name)) owed += c.num_pending + c.num_ack_pending;
	}
	const dataRoot = path.join(run.cluster.workDir, "data");
	const dirs = fs.existsSync(dataRoot) ? fs.readdirSync(dataRoot).map(d => path.join(dataRoot, d)) : [];
	const { outbox } = new Backlog(dirs).count();
	return { owed, outbox };
}

async function stopCluster(): Promise<void> {
	if (!clusterRun) return;
	await clusterRun.nats.close().catch(() => undefined);
	await clusterRun.cluster.stopAll();
	if (!KEEP) fs.rmSync(clusterRun.cluster.workDir, { recursive: true, force: true });
	clusterRun = undefined;
}

async function clusterPlacement(echo: Echo, run: ClusterRun, label: string, connections: number, warmupSeconds: number): Promise<Figure> {
	const req = flowerRequest(run.token);
	await drain(() => clusterBacklog(run), DRAIN_MS);
	return measure(echo, figureOptions(() => clusterBacklog(run), { warmupSeconds }), (seconds, warm) => load(label, run.cluster.baseUrl, req, { connections, seconds, warmupSeconds: warm }));
}

async function sectionB(echo: Echo, embedded: PlacementFigure | undefined) {
	log(`(b) flower on the local cluster (one process per context), ${CONNECTIONS} connections, ${SECONDS} s`);
	const run = await ensureCluster(false);
	const f = await clusterPlacement(echo, run, "flower POST /orders (cluster)", CONNECTIONS, WARMUP);
	const vsEmbedded = embedded ? f.ratio / embedded.ratio : NaN;
	log(`    ${fmt(f.load.rate)} 201/s, echo ${fmt(f.echo.rate)} req/s → ${fmt(f.ratio, 3)}; vs embedded ${fmt(vsEmbedded, 2)}; drained in ${f.drainMs === null ? "(not drained)" : `${fmt(f.drainMs / 1000, 1)} s`}${statusesOf(f.load)}`);
	rows.push({ section: "(b)", figure: "flower POST /orders (cluster: a process per context, NATS + Redis)", value: `${fmt(f.load.rate)} 201/s, p50 ${f.load.latencyMs.p50} ms${statusesOf(f.load)}`, baseline: echoCell(f.echo), ratio: fmt(f.ratio, 3) });
	rows.push({
		section: "(b)",
		figure: "  cluster ÷ embedded (each ÷ its own echo)",
		value: embedded ? `${fmt(f.ratio, 3)} ÷ ${fmt(embedded.ratio, 3)}` : "(a) not run",
		baseline: "(a) flower",
		ratio: fmt(vsEmbedded, 2),
		goal: "≥ 0.5",
		met: embedded ? vsEmbedded >= 0.5 : undefined
	});
	return { ...f, vsEmbedded, embeddedRatio: embedded?.ratio ?? null };
}

function paymentsStored(run: ClusterRun, name: string): number {
	const file = path.join(run.cluster.workDir, "data", name, "store.sqlite");
	if (!fs.existsSync(file)) return 0;
	const db = new Database(file, { readonly: true });
	try {
		return (db.prepare(`SELECT count(*) AS n FROM "flowerdelivery.payment" WHERE json_extract(doc, '$.state.status') = 'Approved'`).get() as { n: number }).n;
	} catch {
		return 0;
	} finally {
		db.close();
	}
}

async function sectionD(echo: Echo) {
	log(`(d) scale-out: flower cluster, payment PAYMENT_LATENCY_MS=400-620 SYNC_STEP_CONCURRENCY=50 SYNC_STEP_QUEUE=100, order SYNC_STEP_TIMEOUT_MS=5000; ${SCALE_CONNECTIONS} connections, ${SECONDS} s`);
	const run = await ensureCluster(true);
	if (!run.scaleEnv) {
		await run.cluster.restart("payment", PAYMENT_ENV);
		await run.cluster.restart("order", ORDER_ENV);
		run.scaleEnv = true;
		await sleep(2000);
	}
	const warm = Math.max(WARMUP, 3);
	const before1 = paymentsStored(run, "payment");
	const one = await clusterPlacement(echo, run, "flower POST /orders, 1 payment replica", SCALE_CONNECTIONS, warm);
	const paid1 = paymentsStored(run, "payment") - before1;
	log(`    1 replica: ${fmt(one.load.rate)} 201/s (echo ${fmt(one.echo.rate)}) → ${fmt(one.ratio, 4)}${statusesOf(one.load)}`);
	await run.cluster.start({ name: "payment-2", services: "flowerdelivery/payment", env: PAYMENT_ENV });
	await sleep(2000);
	const p1 = paymentsStored(run, "payment");
	const p2 = paymentsStored(run, "payment-2");
	const two = await clusterPlacement(echo, run, "flower POST /orders, 2 payment replicas", SCALE_CONNECTIONS, warm);
	const split = { payment: paymentsStored(run, "payment") - p1, "payment-2": paymentsStored(run, "payment-2") - p2 };
	await run.cluster.stop("payment-2");
	// Both runs are bound by the payment's latency and its bulkhead, not by the CPU: the 1-replica run of the same
	// suite is the baseline. Dividing each by its own echo would add the machine's drift between the two echoes
	// (25,521 and 34,649 req/s in one run) to a figure the machine's speed does not set.
	const scale = two.load.rate / one.load.rate;
	log(`    2 replicas: ${fmt(two.load.rate)} 201/s (echo ${fmt(two.echo.rate)}) → ${fmt(two.ratio, 4)}; × ${fmt(scale, 2)}; payments stored by replica (whole run, warm-up included) ${JSON.stringify(split)}${statusesOf(two.load)}`);
	// The ceiling the bulkhead sets: 50 in flight, each ~510 ms (400-620) → ~98 a second per replica.
	const ceiling = 50 / 0.51;
	rows.push({ section: "(d)", figure: "flower, payment 400-620 ms, bulkhead 50+100: 1 payment replica", value: `${fmt(one.load.rate)} 201/s (ceiling ~${fmt(ceiling)}/s)${statusesOf(one.load)}`, baseline: echoCell(one.echo), ratio: fmt(one.ratio, 4) });
	rows.push({ section: "(d)", figure: "  2 payment replicas", value: `${fmt(two.load.rate)} 201/s (ceiling ~${fmt(2 * ceiling)}/s)${statusesOf(two.load)}`, baseline: echoCell(two.echo), ratio: fmt(two.ratio, 4) });
	rows.push({ section: "(d)", figure: "  2 replicas ÷ 1 replica (placements/s; latency-bound, not CPU-bound)", value: `${fmt(two.load.rate)} ÷ ${fmt(one.load.rate)} 201/s`, baseline: "1 replica", ratio: fmt(scale, 2), goal: "≥ 1.8", met: scale >= 1.8 });
	return { one: { ...one, paymentsByReplica: { payment: paid1 } }, two: { ...two, paymentsByReplica: split }, scale, connections: SCALE_CONNECTIONS, ceilingPerReplica: ceiling, env: { payment: PAYMENT_ENV, order: ORDER_ENV } };
}

// ---- (c) OrderPlaced → MyPage visible latency ---------------------------------------------------------

async function echoRoundTrips(echo: Echo, n = 300): Promise<number[]> {
	const rtts: number[] = [];
	for (let i = 0; i < n; i++) {
		const r = await rawRequest(echo.url, "POST", ECHO_REQUEST.path, {}, ECHO_REQUEST.body);
		if (i >= 20) rtts.push(r.doneAt - r.sentAt);
	}
	return rtts.sort((a, b) => a - b);
}

async function sectionC(echo: Echo, embedded: PlacementFigure | undefined) {
	const dataDir = path.join(WORK, "c-flower");
	const app = await startEmbedded({ port: APP_PORT, dataDir });
	try {
		const token = await demoToken(app.url, "LKJ");
		const req = flowerRequest(token);
		const backlog = new Backlog([dataDir]);
		let maxRate = embedded?.load.rate;
		let measuredHere: Figure | undefined;
		if (maxRate === undefined) {
			log(`(c) (a) not run: measuring the flower maximum first`);
			measuredHere = await measure(echo, figureOptions(() => backlog.count()), (seconds, warmupSeconds) => load("flower max", app.url, req, { connections: CONNECTIONS, seconds, warmupSeconds }));
			maxRate = measuredHere.load.rate;
		} else if (WARMUP > 0) await load("warm-up", app.url, req, { connections: CONNECTIONS, seconds: WARMUP });
		await drain(() => backlog.count(), DRAIN_MS);

		const echoBefore = await load("bare echo", echo.url, ECHO_REQUEST, { connections: CONNECTIONS, seconds: ECHO_SECONDS });
		const echoRtt = await echoRoundTrips(echo);
		// Half of the measured maximum placement rate.
		const rate = Math.max(1, Math.round(0.5 * maxRate));
		const every = Math.max(1, Math.round(rate / LATENCY_SAMPLES));
		log(`(c) OrderPlaced → MyPage visible: ${rate} placements/s (half of ${fmt(maxRate)}/s) at a constant rate for ${LATENCY_SECONDS} s, every ${every}th placement polled back to back on GET /myPages/:orderId`);

		const auth = { authorization: `Bearer ${token}` };
		const pollAgent = keepAlive(64);
		const visible: { ms: number; polls: number }[] = [];
		const pollRtts: number[] = [];
		const polling: Promise<void>[] = [];
		let lost = 0;
		let placed = 0;
		const poll = async (id: string, t201: number) => {
			for (let polls = 1; ; polls++) {
				const r = await rawRequest(app.url, "GET", `/api/flowerdelivery/myPages/${id}`, auth, undefined, pollAgent);
				pollRtts.push(r.doneAt - r.sentAt);
				if (r.status === 200) {
					visible.push({ ms: r.doneAt - t201, polls });
					return;
				}
				if (r.status !== 404 || r.doneAt - t201 > 30000) {
					lost++;
					return;
				}
			}
		};
		const started = performance.now() + WARMUP * 1000;
		const result = await constantRate("flower at half rate", app.url, req, {
			rate,
			seconds: LATENCY_SECONDS,
			warmupSeconds: WARMUP,
			sockets: CONNECTIONS,
			onResponse: (status, body, t201) => {
				if (status !== 201) return;
				if (placed++ % every !== 0) return;
				polling.push(poll((JSON.parse(body) as { id: string }).id, t201));
			}
		});
		await Promise.all(polling);
		pollAgent.destroy();
		const pollsPerSecond = pollRtts.length / ((performance.now() - started) / 1000);
		const drained = await drain(() => backlog.count(), DRAIN_MS);
		const echoAfter = await load("bare echo", echo.url, ECHO_REQUEST, { connections: CONNECTIONS, seconds: ECHO_SECONDS });
		const echoRate = (echoBefore.rate + echoAfter.rate) / 2;
		const ms = visible.map(v => v.ms).sort((a, b) => a - b);
		const rtt = [...pollRtts].sort((a, b) => a - b);
		const lat = { p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), max: ms[ms.length - 1] ?? NaN, samples: ms.length, lost, firstPoll: visible.filter(v => v.polls === 1).length / Math.max(1, visible.length) };
		const echoRttP50 = percentile(echoRtt, 50);
		log(`    visible after p50 ${fmt(lat.p50, 1)} ms, p99 ${fmt(lat.p99, 1)} ms (${lat.samples} samples, ${fmt(lat.firstPoll * 100)} % at the first poll); poll round trip p50 ${fmt(percentile(rtt, 50), 2)} ms; echo round trip p50 ${fmt(echoRttP50, 2)} ms; placed ${fmt(result.rate)} 201/s of ${rate} asked${statusesOf(result)}`);
		rows.push({
			section: "(c)",
			figure: `OrderPlaced → MyPage visible, at ${rate}/s (½ of max), p50`,
			value: `${fmt(lat.p50, 1)} ms (${lat.samples} samples, poll RTT p50 ${fmt(percentile(rtt, 50), 2)} ms)`,
			baseline: `echo RTT p50 ${fmt(echoRttP50, 2)} ms; echo ${fmt(echoRate)} req/s`,
			ratio: fmt(lat.p50 / echoRttP50, 1)
		});
		rows.push({ section: "(c)", figure: "  p99", value: `${fmt(lat.p99, 1)} ms (max ${fmt(lat.max, 1)} ms; ${fmt(lat.firstPoll * 100)} % visible at the 1st poll)`, baseline: `echo RTT p50 ${fmt(echoRttP50, 2)} ms`, ratio: fmt(lat.p99 / echoRttP50, 1) });
		rows.push({ section: "(c)", figure: "  placements during it (201/s, asked rate)", value: `${fmt(result.rate)} of ${rate}/s, p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms${statusesOf(result)}`, baseline: `echo ${fmt(echoRate)} req/s`, ratio: fmt(result.rate / echoRate, 3) });
		return {
			rate,
			maxRate,
			measuredHere,
			sampleEvery: every,
			latencyMs: lat,
			pollRoundTripMs: { p50: percentile(rtt, 50), p99: percentile(rtt, 99), polls: rtt.length, perSecond: pollsPerSecond },
			echoRoundTripMs: { p50: echoRttP50, p99: percentile(echoRtt, 99) },
			echo: { before: echoBefore.rate, after: echoAfter.rate, rate: echoRate },
			placements: result,
			drainMs: drained.ms
		};
	} finally {
		await app.stop();
		if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

// ---- (e) growth -----------------------------------------------------------------------------------------

interface GrowthLevel extends Figure {
	orders: number;
	populated: Populated;
	startupMs: number[];
	memoryAfterStart: { rssMiB: number; peakMiB: number };
	memoryAfterLoad: { rssMiB: number; peakMiB: number };
	readBack: boolean;
	plans: Record<string, string[]>;
}

async function growthLevel(echo: Echo, t: Templates, n: number): Promise<GrowthLevel> {
	const dataDir = path.join(WORK, `e-${n}`);
	log(`(e) ${n.toLocaleString("en")} stored orders: populating ${dataDir}/store.sqlite`);
	const populated = populate(t, dataDir, n);
	log(`    ${populated.orders.toLocaleString("en")} orders + payments in ${fmt(populated.seconds, 1)} s (${JSON.stringify(populated.byLife)}), store.sqlite ${fmt(populated.storeMiB)} MiB`);
	const startupMs: number[] = [];
	// Start it twice (two samples of spawn → /ready); measure on the second.
	const first = await startEmbedded({ port: APP_PORT, dataDir });
	startupMs.push(first.startupMs);
	await sleep(1000);
	await first.stop();
	const app = await startEmbedded({ port: APP_PORT, dataDir });
	startupMs.push(app.startupMs);
	try {
		await sleep(1000);
		const memoryAfterStart = memoryOf(app.pid);
		// The process reads the stored orders as its own: a few of them and their payments through the API.
		const admin = await demoToken(app.url, "admin");
		let readBack = true;
		for (const id of populated.sample) {
			const o = await call(app.url, "GET", `/api/flowerdelivery/orders/${id}`, admin);
			const p = await call(app.url, "GET", `/api/flowerdelivery/payments/${id}`, admin);
			if (o.status !== 200 || p.status !== 200 || o.body.id !== id || p.body.orderId !== id) readBack = false;
		}
		const token = await demoToken(app.url, "LKJ");
		const req = flowerRequest(token);
		const backlog = new Backlog([dataDir]);
		let memoryAfterLoad = memoryAfterStart;
		const f = await measure(echo, figureOptions(() => backlog.count()), async (seconds, warmupSeconds) => {
			const r = await load(`flower POST /orders, ${n} stored`, app.url, req, { connections: CONNECTIONS, seconds, warmupSeconds });
			memoryAfterLoad = memoryOf(app.pid);
			return r;
		});
		await app.stop();
		const plans = queryPlans(dataDir);
		const level: GrowthLevel = { orders: n, populated, startupMs, memoryAfterStart, memoryAfterLoad, readBack, plans, ...f };
		log(`    start-up ${startupMs.map(v => fmt(v)).join(" / ")} ms; RSS ${fmt(memoryAfterStart.rssMiB)} MiB after start, ${fmt(memoryAfterLoad.rssMiB)} MiB after the load; ${fmt(level.load.rate)} 201/s, echo ${fmt(level.echo.rate)} → ${fmt(level.ratio, 3)}; stored orders read back: ${readBack ? "yes" : "NO"}${statusesOf(level.load)}`);
		return level;
	} finally {
		await app.stop();
		if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

async function sectionE(echo: Echo) {
	log(`(e) growth: capturing the documents the product writes (three orders driven through their life cycles)`);
	const templates = await captureTemplates(path.join(WORK, "e-base"), TEMPLATE_PORT);
	const levels: GrowthLevel[] = [];
	for (const n of GROWTH) levels.push(await growthLevel(echo, templates, n));
	const ref = levels[0];
	const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
	for (const l of levels) {
		const label = `${l.orders.toLocaleString("en")} stored orders`;
		const isRef = l === ref;
		const tr = l.ratio / ref.ratio;
		rows.push({
			section: "(e)",
			figure: `${label}: flower placement`,
			value: `${fmt(l.load.rate)} 201/s (${fmt(l.ratio, 3)} × echo)${statusesOf(l.load)}`,
			baseline: isRef ? echoCell(l.echo) : `${ref.orders.toLocaleString("en")}: ${fmt(ref.ratio, 3)} × echo`,
			ratio: isRef ? fmt(l.ratio, 3) : fmt(tr, 2),
			...(l.orders >= 1_000_000 && !isRef ? { goal: "≥ 0.8 × empty", met: tr >= 0.8 } : {})
		});
		rows.push({ section: "(e)", figure: `  start-up (spawn → /ready 200)`, value: `${l.startupMs.map(v => fmt(v)).join(" / ")} ms`, baseline: isRef ? "" : `${fmt(mean(ref.startupMs))} ms`, ratio: isRef ? "1" : fmt(mean(l.startupMs) / mean(ref.startupMs), 2) });
		rows.push({ section: "(e)", figure: `  VmRSS after start`, value: `${fmt(l.memoryAfterStart.rssMiB)} MiB`, baseline: isRef ? "" : `${fmt(ref.memoryAfterStart.rssMiB)} MiB`, ratio: isRef ? "1" : fmt(l.memoryAfterStart.rssMiB / ref.memoryAfterStart.rssMiB, 2) });
		rows.push({ section: "(e)", figure: `  VmRSS after the load (peak)`, value: `${fmt(l.memoryAfterLoad.rssMiB)} MiB (${fmt(l.memoryAfterLoad.peakMiB)})`, baseline: isRef ? "" : `${fmt(ref.memoryAfterLoad.rssMiB)} MiB`, ratio: isRef ? "1" : fmt(l.memoryAfterLoad.rssMiB / ref.memoryAfterLoad.rssMiB, 2) });
	}
	return { levels, templates: { orders: templates.orders, payments: templates.payments } };
}

// ---- (p) where the time goes --------------------------------------------------------------------------

async function sectionP(): Promise<{ summary: ProfileSummary; load: LoadResult; profile: string }> {
	const dataDir = path.join(WORK, "p-flower");
	const profDir = path.join(WORK, "p-profile");
	fs.rmSync(profDir, { recursive: true, force: true });
	log(`(p) CPU profile of the embedded default (node --cpu-prof) under the flower placement load, ${CONNECTIONS} connections, ${SECONDS} s`);
	const app = await startEmbedded({ port: APP_PORT, dataDir, nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-interval", "500"] });
	let result!: LoadResult;
	let window!: { fromUs: number; toUs: number };
	try {
		const token = await demoToken(app.url, "LKJ");
		const req = flowerRequest(token);
		const fromUs = Number(process.hrtime.bigint() / 1000n) + WARMUP * 1e6;
		result = await load("flower under the profiler", app.url, req, { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP });
		window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
	} finally {
		await app.stop();
	}
	const file = fs.readdirSync(profDir).find(f => f.endsWith(".cpuprofile"));
	if (!file) throw new Error(`no profile written in ${profDir}`);
	const kept = path.join(path.dirname(OUT), "flower-embedded.cpuprofile");
	fs.mkdirSync(path.dirname(kept), { recursive: true });
	fs.copyFileSync(path.join(profDir, file), kept);
	const summary = summarise(kept, window);
	console.log(printSummary(summary));
	if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
	return { summary, load: result, profile: kept };
}

// ---- (s) statements per placement --------------------------------------------------------------------

/** Statements run by the embedded process so far, by SQL (bench/statements.ts writes them on SIGUSR2). */
async function statementsOf(pid: number, file: string): Promise<Record<string, number>> {
	fs.rmSync(file, { force: true });
	process.kill(pid, "SIGUSR2");
	for (let i = 0; i < 100 && !fs.existsSync(file); i++) await sleep(20);
	await sleep(50);
	return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, number>;
}

async function sectionS(): Promise<{ placements: number; perPlacement: number; byStatement: { sql: string; perPlacement: number }[] }> {
	const dataDir = path.join(WORK, "s-flower");
	const out = path.join(WORK, "s-statements.json");
	log(`(s) SQLite statements per flower placement on the embedded default (counted by bench/statements.ts), ${CONNECTIONS} connections, ${SECONDS} s, then drained`);
	const app = await startEmbedded({ port: APP_PORT, dataDir, nodeArgs: ["-r", path.join(ROOT, "dist", "bench", "statements.js")], env: { BENCH_STATEMENTS_OUT: out } });
	try {
		const token = await demoToken(app.url, "LKJ");
		const req = flowerRequest(token);
		const backlog = new Backlog([dataDir]);
		const before = await statementsOf(app.pid, out);
		const result = await load("flower, statements counted", app.url, req, { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: 0 });
		await drain(() => backlog.count(), DRAIN_MS);
		const after = await statementsOf(app.pid, out);
		const placements = result.done;
		const byStatement = Object.entries(after)
			.map(([sql, n]) => ({ sql, perPlacement: (n - (before[sql] ?? 0)) / placements }))
			.filter(s => s.perPlacement >= 0.01)
			.sort((x, y) => y.perPlacement - x.perPlacement);
		const perPlacement = byStatement.reduce((sum, s) => sum + s.perPlacement, 0);
		for (const s of byStatement) console.log(`  ${s.perPlacement.toFixed(2).padStart(6)}  ${s.sql.slice(0, 110)}`);
		log(`    ${fmt(perPlacement, 1)} statements per placement (${placements} placements, every consumer's work included)`);
		rows.push({ section: "(s)", figure: "SQLite statements per flower placement (embedded, consumers included)", value: `${fmt(perPlacement, 1)} (${placements} placements)`, baseline: "a count, not a time", ratio: "" });
		return { placements, perPlacement, byStatement };
	} finally {
		await app.stop();
		if (!KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

// ---- main ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
	const startedAt = new Date();
	const t0 = performance.now();
	const monitor = new MachineMonitor();
	const m = machine();
	log(`benchmark suite: sections ${ONLY.join(",")}; ${m.cores} cores (${m.cpuModel}), load average ${m.loadAvgAtStart.map(v => v.toFixed(2)).join(" ")}; ${SECONDS} s per figure, echo ${ECHO_SECONDS} s before and after, ${CONNECTIONS} connections; work dir ${WORK}`);
	const echo = await startEcho(ECHO_PORT);
	const timings: Record<string, number> = {};
	const timed = async <T>(s: string, f: () => Promise<T>): Promise<T> => {
		const t = performance.now();
		try {
			return await f();
		} finally {
			timings[s] = round((performance.now() - t) / 1000, 1);
		}
	};
	let failed: unknown;
	try {
		const a = ONLY.includes("a") ? await timed("a", () => sectionA(echo)) : undefined;
		if (a) report.a = a;
		if (ONLY.includes("b")) report.b = await timed("b", () => sectionB(echo, a?.flowerdelivery));
		if (ONLY.includes("c")) report.c = await timed("c", () => sectionC(echo, a?.flowerdelivery));
		if (ONLY.includes("d")) report.d = await timed("d", () => sectionD(echo));
		await stopCluster();
		if (ONLY.includes("e")) report.e = await timed("e", () => sectionE(echo));
		if (ONLY.includes("p")) report.p = await timed("p", () => sectionP());
		if (ONLY.includes("s")) report.s = await timed("s", () => sectionS());
	} catch (err) {
		failed = err;
	} finally {
		await stopCluster().catch(() => undefined);
		await echo.stop();
	}
	const during = monitor.stop();
	const durationS = round((performance.now() - t0) / 1000, 1);
	const printed = table();
	console.log(`\n${printed}\n`);
	console.log(`suite: ${durationS} s (${Object.entries(timings).map(([s, v]) => `${s} ${v} s`).join(", ")}); ${m.cores} cores; load average (1 min) during the run min ${during.loadAvg1m.min.toFixed(2)} mean ${during.loadAvg1m.mean.toFixed(2)} max ${during.loadAvg1m.max.toFixed(2)}; CPU busy ${fmt(during.cpuBusyShare * 100)} % of the machine`);
	const json = {
		startedAt: startedAt.toISOString(),
		durationS,
		sectionSeconds: timings,
		command: process.argv.join(" "),
		options: { SECONDS, ROUNDS, ECHO_SECONDS, WARMUP, CONNECTIONS, ONLY, SYSTEMS, GROWTH, LATENCY_SECONDS, LATENCY_SAMPLES, SCALE_CONNECTIONS, DRAIN_MS },
		machine: m,
		duringRun: during,
		table: printed,
		...report,
		...(failed ? { error: String(failed instanceof Error ? failed.stack : failed) } : {})
	};
	fs.mkdirSync(path.dirname(OUT), { recursive: true });
	fs.writeFileSync(OUT, JSON.stringify(json, null, 2));
	console.log(`written: ${OUT}`);
	if (!KEEP && !process.env.BENCH_WORK_DIR) fs.rmSync(WORK, { recursive: true, force: true });
	if (failed) throw failed;
}

main().then(
	() => process.exit(0),
	err => {
		console.error(err);
		process.exit(1);
	}
);
