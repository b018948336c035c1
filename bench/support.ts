/**
 * What the benchmark suite (bench/suite.ts) is made of: the processes it starts (the bare echo, the
 * embedded default as `npm start` runs it), load runs with autocannon, the echo baseline measured around
 * each figure, demo tokens, the backlog a run leaves behind (owed channel deliveries, unpublished outboxes),
 * resident memory, and the machine's load while it runs.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import Database from "better-sqlite3";

/** The project root, whether this runs compiled (dist/bench) or from source (bench). */
export const ROOT = path.basename(path.dirname(__dirname)) === "dist" ? path.resolve(__dirname, "..", "..") : path.resolve(__dirname, "..");
export const DIST = path.join(ROOT, "dist");
export const RUNNER = path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js");

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

// ---- options --------------------------------------------------------------------------------------

export function num(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	const v = Number(raw);
	if (!Number.isFinite(v) || v < 0) throw new Error(`${name}: expected a number >= 0, got "${raw}"`);
	return v;
}

// ---- processes ------------------------------------------------------------------------------------

/** Settings of this shell that must not reach the processes the suite starts (each gets its own explicitly). */
export function cleanEnv(): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (v === undefined) continue;
		if (["DATA_DIR", "PORT", "SERVICES", "SERVICEDIR", "TRANSPORTER", "REDIS_URL", "MONGO_URI", "NODE_ID", "HEALTH_PORT", "METRICS_PORT", "NODE_OPTIONS", "JAEGER_HOST"].includes(k)) continue;
		if (k.startsWith("BENCH_") || k.startsWith("JEST")) continue;
		out[k] = v;
	}
	return out;
}

async function answers(url: string, init?: RequestInit): Promise<number | undefined> {
	try {
		const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return undefined;
	}
}

export function stopProcess(p: ChildProcess, signal: NodeJS.Signals = "SIGTERM", killAfterMs = 30000): Promise<void> {
	return new Promise(resolve => {
		if (p.exitCode !== null || p.signalCode !== null) return resolve();
		const timer = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
		p.once("exit", () => {
			clearTimeout(timer);
			resolve();
		});
		p.kill(signal);
	});
}

/** The bare baseline: bench/echo-server.ts (moleculer-web, one echo action, nothing else). */
export interface Echo {
	url: string;
	proc: ChildProcess;
	stop(): Promise<void>;
}

export async function startEcho(port: number): Promise<Echo> {
	const proc = fork(path.join(__dirname, "echo-server.js"), [], { env: { ...cleanEnv(), BENCH_PORT: String(port) }, stdio: "ignore" });
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 300; i++) {
		if (proc.exitCode !== null) throw new Error(`the echo server exited with ${proc.exitCode}`);
		if ((await answers(`${url}/api/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })) === 200) return { url, proc, stop: () => stopProcess(proc) };
		await sleep(100);
	}
	throw new Error("the echo server did not come up");
}

/** The embedded default as `npm start` runs it: moleculer-runner, dist/moleculer.config.js, dist/services, every context in one process. */
export interface Embedded {
	url: string;
	proc: ChildProcess;
	pid: number;
	dataDir: string;
	logFile: string;
	/** Spawn → first `GET /ready` 200, ms (polled every 10 ms). */
	startupMs: number;
	stop(): Promise<void>;
}

export interface EmbeddedOptions {
	port: number;
	dataDir: string;
	env?: Record<string, string>;
	/** Node options before the runner (e.g. --cpu-prof). */
	nodeArgs?: string[];
	logFile?: string;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
	fs.mkdirSync(opts.dataDir, { recursive: true });
	const logFile = opts.logFile ?? path.join(path.dirname(opts.dataDir), `${path.basename(opts.dataDir)}.log`);
	const log = fs.openSync(logFile, "a");
	const env = {
		...cleanEnv(),
		DATA_DIR: opts.dataDir,
		PORT: String(opts.port),
		// The per-client rate limit (1200 a minute) would cap one benchmarking client: lifted for the run only.
		RATE_LIMIT_PER_WINDOW: "100000000",
		...opts.env
	};
	const started = performance.now();
	const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), RUNNER, "--config", path.join(DIST, "moleculer.config.js"), path.join(DIST, "services")], { cwd: ROOT, env, stdio: ["ignore", log, log] });
	fs.closeSync(log);
	const url = `http://127.0.0.1:${opts.port}`;
	const deadline = Date.now() + 180_000;
	for (;;) {
		if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the embedded default exited with ${proc.exitCode ?? proc.signalCode} while starting; see ${logFile}`);
		if (Date.now() > deadline) {
			await stopProcess(proc, "SIGKILL");
			throw new Error(`the embedded default was not ready after 180 s; see ${logFile}`);
		}
		if ((await answers(`${url}/ready`)) === 200) break;
		await sleep(10);
	}
	const startupMs = performance.now() - started;
	return { url, proc, pid: proc.pid!, dataDir: opts.dataDir, logFile, startupMs, stop: () => stopProcess(proc) };
}

// ---- memory and machine -----------------------------------------------------------------------------

/** VmRSS and VmHWM (peak) of a process, MiB (from /proc/<pid>/status). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
	const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
	const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
	return { rssMiB: kB("VmRSS") / 1024, peakMiB: kB("VmHWM") / 1024 };
}

function cpuTimes(): { busy: number; total: number } {
	const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
	const idle = line[3] + (line[4] ?? 0);
	const total = line.reduce((a, b) => a + b, 0);
	return { busy: total - idle, total };
}

/** Samples the 1-minute load average and the machine's CPU use (all processes, ours and others') while the suite runs. */
export class MachineMonitor {
	readonly loads: number[] = [];
	private readonly first = cpuTimes();
	private timer = setInterval(() => this.loads.push(os.loadavg()[0]), 5000);

	constructor() {
		this.loads.push(os.loadavg()[0]);
		this.timer.unref();
	}

	stop(): { loadAvg1m: { min: number; mean: number; max: number; samples: number }; cpuBusyShare: number } {
		clearInterval(this.timer);
		this.loads.push(os.loadavg()[0]);
		const last = cpuTimes();
		const l = this.loads;
		return {
			loadAvg1m: { min: Math.min(...l), mean: l.reduce((a, b) => a + b, 0) / l.length, max: Math.max(...l), samples: l.length },
			cpuBusyShare: (last.busy - this.first.busy) / Math.max(1, last.total - this.first.total)
		};
	}
}

export function machine() {
	const cpus = os.cpus();
	return {
		cores: cpus.length,
		cpuModel: cpus[0]?.model ?? "unknown",
		memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
		kernel: `${os.type()} ${os.release()}`,
		node: process.version,
		loadAvgAtStart: os.loadavg()
	};
}

// ---- tokens -----------------------------------------------------------------------------------------

/** A bearer token of a demo account (docs/identity.md), as a client gets it. */
export async function demoToken(baseUrl: string, username: string, password = `${username.toLowerCase()}-demo-pw`): Promise<string> {
	for (let attempt = 1; ; attempt++) {
		const res = await fetch(`${baseUrl}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "password", username, password }) });
		const body = (await res.json().catch(() => ({}))) as { access_token?: string };
		if (res.ok && body.access_token) return body.access_token;
		// A cluster's gateway may not have discovered identity yet.
		if (attempt >= 50 || (res.status !== 503 && res.status !== 504)) throw new Error(`token of ${username}: ${res.status} ${JSON.stringify(body)}`);
		await sleep(200);
	}
}

/** An answer of the API: its status, its JSON object (empty when it is none) and its text. */
export interface Answer {
	status: number;
	body: Record<string, unknown>;
	text: string;
}

export async function call(baseUrl: string, method: string, route: string, token: string, body?: unknown): Promise<Answer> {
	const res = await fetch(`${baseUrl}${route}`, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
		body: body !== undefined ? JSON.stringify(body) : undefined
	});
	const text = await res.text();
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		/* not JSON */
	}
	return { status: res.status, body: typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? { ...parsed } : {}, text };
}

/** Polls `probe` until `accept` holds (every 50 ms, at most `timeoutMs`). */
export async function until<T>(probe: () => Promise<T>, accept: (v: T) => boolean, what: string, timeoutMs = 30000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await probe();
		if (accept(v)) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v).slice(0, 300)}`);
		await sleep(50);
	}
}

// ---- load -------------------------------------------------------------------------------------------

export interface Request {
	method: "POST" | "GET";
	path: string;
	headers?: Record<string, string>;
	body?: string;
	/** A body per request (e.g. a new entrant each time). */
	nextBody?: () => string;
	/** The status that counts as done (201 for a placement, 200 for the echo). */
	expect: number;
}

export interface LoadResult {
	label: string;
	/** The counted window (s): the run's last `seconds`, after its warm-up. */
	seconds: number;
	warmupSeconds: number;
	connections: number;
	/** Answers with the expected status per second, in the counted window. */
	rate: number;
	done: number;
	/** Answers by status in the counted window. */
	statuses: Record<string, number>;
	/** Connection errors and timeouts (the whole run). */
	errors: number;
	timeouts: number;
	/** Latency of the answers in the counted window (autocannon's response time, ms). */
	latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
	overallRate?: number;
}

export interface LoadOptions {
	connections: number;
	/** The counted window. */
	seconds: number;
	/** Load before the window, in the same run (same connections, no pause): not counted. */
	warmupSeconds?: number;
	overallRate?: number;
	/** Every answer of the counted window (status, body: buffered only when this is given). */
	onResponse?: (status: number, body: string) => void;
}

const latencies = new WeakMap<LoadResult, number[]>();

function latencyOf(sorted: number[]): LoadResult["latencyMs"] {
	const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
	return { p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1), p99: round(percentile(sorted, 99), 1), mean: round(mean, 1), max: round(sorted[sorted.length - 1] ?? NaN, 1) };
}

/**
 * One autocannon run of `warmupSeconds + seconds`: only what is answered in the last `seconds` counts, so
 * the warm-up fills the pipeline (queues, JIT, caches) without a pause or a reconnect before the window.
 */
export async function load(label: string, baseUrl: string, req: Request, opts: LoadOptions): Promise<LoadResult> {
	const headers = { "content-type": "application/json", ...req.headers };
	const warm = opts.warmupSeconds ?? 0;
	let windowStart = Infinity;
	const statuses: Record<string, number> = {};
	const lat: number[] = [];
	const r: autocannon.Request = { method: req.method, path: req.path, headers, ...(req.body !== undefined ? { body: req.body } : {}) };
	if (req.nextBody) {
		const next = req.nextBody;
		r.setupRequest = request => ({ ...request, body: next() });
	}
	if (opts.onResponse) {
		const on = opts.onResponse;
		r.onResponse = (status, body) => {
			if (performance.now() >= windowStart) on(status, body);
		};
	}
	const setupClient = (client: autocannon.Client) => {
		client.on("response", (status: number, _bytes: number, ms: number) => {
			if (performance.now() < windowStart) return;
			statuses[status] = (statuses[status] ?? 0) + 1;
			lat.push(ms);
		});
	};
	const started = performance.now();
	windowStart = started + warm * 1000;
	const result = await autocannon({
		url: baseUrl,
		connections: opts.connections,
		duration: warm + opts.seconds,
		requests: [r],
		setupClient,
		...(opts.overallRate ? { overallRate: opts.overallRate } : {})
	});
	const seconds = Math.max(0.001, (performance.now() - windowStart) / 1000);
	const done = statuses[String(req.expect)] ?? 0;
	lat.sort((a, b) => a - b);
	const out: LoadResult = {
		label,
		seconds: round(seconds, 2),
		warmupSeconds: warm,
		connections: opts.connections,
		rate: done / seconds,
		done,
		statuses,
		errors: result.errors,
		timeouts: result.timeouts,
		latencyMs: latencyOf(lat),
		...(opts.overallRate ? { overallRate: opts.overallRate } : {})
	};
	latencies.set(out, lat);
	return out;
}

/** Several runs (the rounds of one figure) as one: counts and windows added, latencies merged. */
export function combine(results: LoadResult[]): LoadResult {
	const statuses: Record<string, number> = {};
	for (const r of results) for (const [k, n] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
	const seconds = results.reduce((a, r) => a + r.seconds, 0);
	const done = results.reduce((a, r) => a + r.done, 0);
	const lat = results.flatMap(r => latencies.get(r) ?? []).sort((a, b) => a - b);
	const out: LoadResult = { ...results[0], seconds: round(seconds, 2), rate: done / seconds, done, statuses, errors: results.reduce((a, r) => a + r.errors, 0), timeouts: results.reduce((a, r) => a + r.timeouts, 0), latencyMs: latencyOf(lat) };
	latencies.set(out, lat);
	return out;
}

/** The echo's request: the flower order as the body, so the bare baseline parses the same bytes. */
export const ECHO_REQUEST: Request = {
	method: "POST",
	path: "/api/echo",
	body: JSON.stringify({ storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" }),
	expect: 200
};

export interface Baseline {
	/** Mean of the echo runs around the figure (req/s). */
	rate: number;
	/** Each echo run, in order (before, between the rounds, after). */
	runs: number[];
	/** (max − min) / mean of those: how much the machine changed around the figure (other engineers' runs). */
	drift: number;
}

export interface Figure {
	echo: Baseline;
	load: LoadResult;
	/** Mean over the rounds of (the round's rate ÷ the mean of the echo just before and just after it). */
	ratio: number;
	rounds: { rate: number; echo: number; ratio: number }[];
	backlogAtEnd: { owed: number; outbox: number };
	drainMs: number | null;
}

export interface FigureOptions {
	/** Connections of the echo runs. */
	echoConnections: number;
	echoSeconds: number;
	/** Rounds: echo, target, echo, target, …, echo (the target's seconds split between them). */
	rounds: number;
	seconds: number;
	/** Each round's warm-up (inside its run, not counted). */
	warmupSeconds: number;
	/** What the product still owes after a round: drained before the next echo runs (so the echo runs alone). */
	backlog?: () => Promise<{ owed: number; outbox: number }> | { owed: number; outbox: number };
	drainMs: number;
}

/**
 * A figure measured back to back with its baseline, interleaved: echo, target, echo, target, echo. Each
 * round's ratio is its rate over the mean of the echo runs on either side of it; the figure is their mean.
 */
export async function measure(echo: Echo, opts: FigureOptions, target: (seconds: number, warmupSeconds: number) => Promise<LoadResult>): Promise<Figure> {
	const echoRun = async () => (await load("bare echo", echo.url, ECHO_REQUEST, { connections: opts.echoConnections, seconds: opts.echoSeconds })).rate;
	const echoes = [await echoRun()];
	const runs: LoadResult[] = [];
	let drained: Awaited<ReturnType<typeof drain>> = { ms: 0, left: { owed: 0, outbox: 0 }, atEnd: { owed: 0, outbox: 0 } };
	for (let i = 0; i < opts.rounds; i++) {
		runs.push(await target(opts.seconds / opts.rounds, opts.warmupSeconds));
		if (opts.backlog) drained = await drain(opts.backlog, opts.drainMs);
		echoes.push(await echoRun());
	}
	const rate = echoes.reduce((a, b) => a + b, 0) / echoes.length;
	const rounds = runs.map((r, i) => {
		const e = (echoes[i] + echoes[i + 1]) / 2;
		return { rate: r.rate, echo: e, ratio: r.rate / e };
	});
	return {
		echo: { rate, runs: echoes, drift: (Math.max(...echoes) - Math.min(...echoes)) / rate },
		load: combine(runs),
		ratio: rounds.reduce((a, r) => a + r.ratio, 0) / rounds.length,
		rounds,
		backlogAtEnd: drained.atEnd,
		drainMs: drained.ms
	};
}

// ---- backlog ----------------------------------------------------------------------------------------

/** What a run left to do in an embedded DATA_DIR: channel deliveries owed to consumer groups, events not yet relayed from outboxes. */
export class Backlog {
	private readonly dbs: Database.Database[] = [];

	constructor(private readonly dataDirs: string[]) {}

	private open(file: string): Database.Database | undefined {
		if (!fs.existsSync(file)) return undefined;
		const db = new Database(file, { readonly: true, fileMustExist: true });
		db.pragma("busy_timeout = 2000");
		this.dbs.push(db);
		return db;
	}

	count(): { owed: number; outbox: number } {
		let owed = 0;
		let outbox = 0;
		for (const dir of this.dataDirs) {
			const channels = this.open(path.join(dir, "channels.sqlite"));
			if (channels) {
				const has = channels.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'channel_deliveries'").get();
				if (has) owed += (channels.prepare("SELECT count(*) AS n FROM channel_deliveries").get() as { n: number }).n;
			}
			const store = this.open(path.join(dir, "store.sqlite"));
			if (store) {
				const tables = store.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
				for (const { name } of tables) {
					const cols = store.prepare(`SELECT name FROM pragma_table_xinfo(?)`).all(name) as { name: string }[];
					if (!cols.some(c => c.name === "pending")) continue;
					outbox += (store.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}" WHERE pending`).get() as { n: number }).n;
				}
			}
		}
		this.close();
		return { owed, outbox };
	}

	close(): void {
		for (const db of this.dbs.splice(0)) db.close();
	}
}

/** Waits until nothing is owed (two polls in a row), at most `maxMs`: the time it took, or null when it did not drain. */
export async function drain(count: () => Promise<{ owed: number; outbox: number }> | { owed: number; outbox: number }, maxMs: number): Promise<{ ms: number | null; left: { owed: number; outbox: number }; atEnd: { owed: number; outbox: number } }> {
	const started = performance.now();
	const atEnd = await count();
	let zeros = 0;
	let left = atEnd;
	while (performance.now() - started < maxMs) {
		if (left.owed === 0 && left.outbox === 0) {
			if (++zeros >= 2) return { ms: performance.now() - started, left, atEnd };
		} else zeros = 0;
		await sleep(100);
		left = await count();
	}
	return { ms: null, left, atEnd };
}

// ---- a keep-alive client: tight polls and an open-loop constant rate --------------------------------------

export function keepAlive(sockets: number): http.Agent {
	return new http.Agent({ keepAlive: true, maxSockets: sockets });
}

const defaultAgent = keepAlive(64);

/** One request on a kept-alive connection: its status, body, and when it was sent and answered (performance.now, ms). */
export function rawRequest(baseUrl: string, method: string, route: string, headers: Record<string, string>, body?: string, agent: http.Agent = defaultAgent): Promise<{ status: number; body: string; sentAt: number; doneAt: number }> {
	const u = new URL(route, baseUrl);
	return new Promise((resolve, reject) => {
		const sentAt = performance.now();
		const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}) } }, res => {
			const chunks: Buffer[] = [];
			res.on("data", c => chunks.push(c as Buffer));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), sentAt, doneAt: performance.now() }));
			res.on("error", reject);
		});
		req.on("error", reject);
		if (body !== undefined) req.write(body);
		req.end();
	});
}

/**
 * An open-loop load at a constant rate: request i is due at start + i / rate and sent then (autocannon's
 * `overallRate` sends each connection's quota at the start of every second, in bursts). Latency counts from
 * the moment a request was due, so waiting for a free connection counts too (no coordinated omission).
 * Only requests due after the warm-up count.
 */
export async function constantRate(label: string, baseUrl: string, req: Request, opts: { rate: number; seconds: number; warmupSeconds: number; sockets: number; onResponse?: (status: number, body: string, doneAt: number) => void }): Promise<LoadResult> {
	const agent = keepAlive(opts.sockets);
	const interval = 1000 / opts.rate;
	const total = Math.floor((opts.warmupSeconds + opts.seconds) * opts.rate);
	const first = Math.floor(opts.warmupSeconds * opts.rate);
	const statuses: Record<string, number> = {};
	const lat: number[] = [];
	let errors = 0;
	const pending = new Set<Promise<void>>();
	const t0 = performance.now();
	const headers = { ...req.headers };
	const send = (i: number) => {
		const due = t0 + i * interval;
		const p = rawRequest(baseUrl, req.method, req.path, headers, req.nextBody ? req.nextBody() : req.body, agent).then(
			r => {
				if (i < first) return;
				statuses[r.status] = (statuses[r.status] ?? 0) + 1;
				lat.push(r.doneAt - due);
				opts.onResponse?.(r.status, r.body, r.doneAt);
			},
			() => {
				if (i >= first) errors++;
			}
		);
		pending.add(p);
		void p.finally(() => pending.delete(p));
	};
	let i = 0;
	while (i < total) {
		const now = performance.now();
		while (i < total && t0 + i * interval <= now) send(i++);
		const next = t0 + i * interval - performance.now();
		await sleep(Math.max(0, Math.min(next, 5)));
	}
	await Promise.all([...pending]);
	agent.destroy();
	lat.sort((a, b) => a - b);
	const done = statuses[String(req.expect)] ?? 0;
	const out: LoadResult = { label, seconds: opts.seconds, warmupSeconds: opts.warmupSeconds, connections: opts.sockets, rate: done / opts.seconds, done, statuses, errors, timeouts: 0, latencyMs: latencyOf(lat), overallRate: opts.rate };
	latencies.set(out, lat);
	return out;
}

export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[i];
}

export const round = (v: number, digits = 0) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);
