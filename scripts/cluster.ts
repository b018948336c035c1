/**
 * Local cluster launcher: real `nats-server -js` and `redis-server`, and one process per context over
 * NATS, exactly as Kubernetes runs them (one context per pod). Used by `npm run cluster` and the cluster tests.
 *
 *   npm run cluster                               # every system: gateway on http://127.0.0.1:3000
 *   CLUSTER_SYSTEM=fishdelivery npm run cluster   # one system (any name in services/systems.ts)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { DEMO_ACCOUNTS } from "../services/identity/demo";
import { servicesOf, type SystemManifest } from "../services/system";
import { SYSTEMS } from "../services/systems";

/** The project root, whether this runs compiled (dist/scripts) or from source (scripts). */
const ROOT = path.basename(path.dirname(__dirname)) === "dist" ? path.resolve(__dirname, "..", "..") : path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const RUNNER = path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js");

export interface ContextSpec {
	/** Process name, unique in the cluster (e.g. "delivery-2"). */
	name: string;
	/** moleculer-runner SERVICES, relative to dist/services (e.g. "flowerdelivery/delivery"). */
	services: string;
	env?: Record<string, string>;
	/**
	 * The broker config moleculer-runner loads, relative to dist/ (default `moleculer.config.js`); e.g.
	 * `scripts/chaos/fault-config.js`, which wraps it with the chaos run's injected delays (CHAOS_DELAY).
	 */
	config?: string;
}

export interface ClusterOptions {
	/** Base port: NATS = base, Redis = base+1, gateway = base+2, health ports from base+10. */
	basePort: number;
	/** Folder for NATS JetStream storage, NeDB files and process logs. */
	workDir?: string;
	/** Environment shared by every context process. */
	env?: Record<string, string>;
	redis?: boolean;
	/** Gateway port (default base+2). */
	gatewayPort?: number;
}

interface Running {
	spec: ContextSpec;
	proc: ChildProcess;
	healthPort: number;
	logFile: string;
}

export function requireBinary(name: string): string {
	const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
	if (!found) throw new Error(`'${name}' is not installed (apt-get install ${name === "nats-server" ? "nats-server" : "redis-server"})`);
	return found;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** A process that will not come up: it exited while we waited for it. Not retried. */
class ExitedError extends Error {}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const ok = await check().catch(err => {
			if (err instanceof ExitedError) throw err;
			return false;
		});
		if (ok) return;
		await sleep(100);
	}
	throw new Error(`timed out waiting for ${what}`);
}

async function httpOk(url: string): Promise<boolean> {
	const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
	return res.ok;
}

export class LocalCluster {
	readonly workDir: string;
	readonly natsUrl: string;
	readonly redisUrl: string | undefined;
	readonly gatewayPort: number;
	private nats?: ChildProcess;
	private redis?: ChildProcess;
	private readonly contexts = new Map<string, Running>();
	private nextHealthPort: number;
	/**
	 * What the identity context gets, as a Secret would give it in Kubernetes, and only it: the signing key
	 * (JWT_PRIVATE_KEYS of the options or of the shell, else one made for this cluster) and the accounts
	 * (IDENTITY_ACCOUNTS, else the demo accounts). Every replica gets the same; the gateway needs neither.
	 */
	readonly identityEnv: Record<string, string>;

	constructor(private readonly opts: ClusterOptions) {
		this.workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "moleculer-cluster-"));
		this.natsUrl = `nats://127.0.0.1:${opts.basePort}`;
		this.redisUrl = opts.redis === false ? undefined : `redis://127.0.0.1:${opts.basePort + 1}`;
		this.gatewayPort = opts.gatewayPort ?? opts.basePort + 2;
		this.nextHealthPort = opts.basePort + 10;
		this.identityEnv = {
			JWT_PRIVATE_KEYS: opts.env?.JWT_PRIVATE_KEYS || process.env.JWT_PRIVATE_KEYS || generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
			IDENTITY_ACCOUNTS: opts.env?.IDENTITY_ACCOUNTS || process.env.IDENTITY_ACCOUNTS || JSON.stringify(DEMO_ACCOUNTS)
		};
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.gatewayPort}`;
	}

	logOf(name: string): string {
		const file = path.join(this.workDir, "logs", `${name}.log`);
		return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
	}

	async startServers(): Promise<void> {
		fs.mkdirSync(path.join(this.workDir, "logs"), { recursive: true });
		await this.startNats();
		if (this.redisUrl) {
			const redisLog = fs.openSync(path.join(this.workDir, "logs", "redis-server.log"), "a");
			this.redis = spawn(requireBinary("redis-server"), ["--port", String(this.opts.basePort + 1), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", redisLog, redisLog] });
		}
		if (this.redisUrl) await waitFor(() => this.tcpOpen(this.opts.basePort + 1), "redis-server", 15000);
	}

	/** Starts nats-server with JetStream (its store survives a restart: streams and consumers are kept). */
	async startNats(): Promise<void> {
		const natsLog = fs.openSync(path.join(this.workDir, "logs", "nats-server.log"), "a");
		this.nats = spawn(requireBinary("nats-server"), ["-js", "-a", "127.0.0.1", "-p", String(this.opts.basePort), "-sd", path.join(this.workDir, "jetstream")], { stdio: ["ignore", natsLog, natsLog] });
		await waitFor(() => this.tcpOpen(this.opts.basePort), "nats-server", 15000);
	}

	/** Stops nats-server (every context loses its transporter until it is started again). */
	async stopNats(): Promise<void> {
		const nats = this.nats;
		if (!nats || nats.exitCode !== null) return;
		const gone = new Promise<void>(resolve => nats.once("exit", () => resolve()));
		nats.kill("SIGTERM");
		await gone;
	}

	/** GET /live or /ready of a context's health port: the HTTP status. */
	async probe(name: string, probe: "live" | "ready"): Promise<number> {
		const running = this.contexts.get(name);
		if (!running) throw new Error(`unknown context ${name}`);
		const res = await fetch(`http://127.0.0.1:${running.healthPort}/${probe}`, { signal: AbortSignal.timeout(2000) });
		return res.status;
	}

	private tcpOpen(port: number): Promise<boolean> {
		return new Promise(resolve => {
			const sock = net.connect(port, "127.0.0.1");
			sock.once("connect", () => {
				sock.destroy();
				resolve(true);
			});
			sock.once("error", () => resolve(false));
		});
	}

	/** Starts one context process and waits until its /ready answers 200. */
	async start(spec: ContextSpec): Promise<void> {
		const existing = this.contexts.get(spec.name);
		const healthPort = existing ? existing.healthPort : this.nextHealthPort++;
		const isGateway = spec.services.split(",").includes("gateway/api");
		const logFile = path.join(this.workDir, "logs", `${spec.name}.log`);
		const log = fs.openSync(logFile, "a");
		const env: Record<string, string> = {
			...stripInherited(process.env),
			NODE_ENV: "production",
			SERVICEDIR: path.join(DIST, "services"),
			SERVICES: spec.services,
			TRANSPORTER: this.natsUrl,
			NODE_ID: spec.name,
			DATA_DIR: path.join(this.workDir, "data", spec.name),
			PORT: String(this.gatewayPort),
			HEALTH_PORT: String(healthPort),
			LOG_FORMAT: "json",
			...(this.redisUrl ? { REDIS_URL: this.redisUrl } : {}),
			...this.opts.env,
			...(spec.services.split(",").includes("identity/identity") ? this.identityEnv : {}),
			...spec.env
		};
		const proc = spawn(process.execPath, [RUNNER, "--config", path.join(DIST, spec.config ?? "moleculer.config.js")], { cwd: ROOT, env, stdio: ["ignore", log, log] });
		this.contexts.set(spec.name, { spec, proc, healthPort, logFile });
		const url = isGateway ? `http://127.0.0.1:${this.gatewayPort}/ready` : `http://127.0.0.1:${healthPort}/ready`;
		await waitFor(async () => {
			if (proc.exitCode !== null || proc.signalCode !== null) {
				const lastLines = this.logOf(spec.name).trimEnd().split("\n").slice(-20).join("\n");
				throw new ExitedError(`${spec.name} exited with ${proc.exitCode ?? proc.signalCode} while starting; the last lines of its log (${logFile}):\n${lastLines}`);
			}
			return httpOk(url);
		}, `${spec.name} to be ready`);
	}

	/** The DATA_DIR of a context process as it was started (a second instance given it shares its store). */
	dataDirOf(name: string): string {
		const running = this.contexts.get(name);
		return running?.spec.env?.DATA_DIR ?? this.opts.env?.DATA_DIR ?? path.join(this.workDir, "data", name);
	}

	/** Stops a context: SIGTERM (graceful) or SIGKILL (crash). Resolves when the process is gone. */
	async stop(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
		const running = this.contexts.get(name);
		if (!running || running.proc.exitCode !== null || running.proc.signalCode !== null) return;
		const gone = new Promise<void>(resolve => running.proc.once("exit", () => resolve()));
		running.proc.kill(signal);
		await gone;
	}

	async restart(name: string, env?: Record<string, string>): Promise<void> {
		const running = this.contexts.get(name);
		if (!running) throw new Error(`unknown context ${name}`);
		await this.stop(name);
		await this.start({ ...running.spec, env: { ...running.spec.env, ...env } });
	}

	async stopAll(): Promise<void> {
		await Promise.all([...this.contexts.keys()].map(n => this.stop(n)));
		for (const p of [this.nats, this.redis]) {
			if (p && p.exitCode === null) {
				const gone = new Promise<void>(resolve => p.once("exit", () => resolve()));
				p.kill("SIGTERM");
				await gone;
			}
		}
	}
}

/** Settings of the parent process that must not leak into the children (they get theirs explicitly). */
function stripInherited(env: NodeJS.ProcessEnv): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(env)) {
		if (v === undefined) continue;
		if (["DATA_DIR", "PORT", "LOG_LEVEL", "OUTBOX_SWEEP_MS", "SERVICES", "SERVICEDIR", "TRANSPORTER", "REDIS_URL", "MONGO_URI", "NODE_ID", "HEALTH_PORT", "METRICS_PORT"].includes(k)) continue; // METRICS_PORT: one port per process, given per context
		if (k === "JWT_PRIVATE_KEYS" || k === "IDENTITY_ACCOUNTS") continue; // secrets: the identity context's only (identityEnv)
		if (k.startsWith("JEST") || k === "NODE_OPTIONS") continue;
		out[k] = v;
	}
	return out;
}

/** The identity context and the gateway: every cluster has them. */
export const PLATFORM: ContextSpec[] = [
	{ name: "identity", services: "identity/identity" },
	{ name: "gateway", services: "gateway/api" }
];

/**
 * Systems as Kubernetes runs them (the chart reads the same list): one process per context, named after it
 * (prefixed with its system when several systems share the cluster), then the identity context and the gateway.
 * Contexts that answer a saga step start before their callers.
 */
export function clusterOf(systems: readonly SystemManifest[], prefix = systems.length > 1): ContextSpec[] {
	const contexts = systems.flatMap(system => {
		const owners = new Set(Object.values(system.saga.steps).map(step => step.owner));
		const ordered = [...system.contexts].sort((a, b) => Number(owners.has(b)) - Number(owners.has(a)));
		return ordered.map(context => ({ name: prefix ? `${system.name}-${context}` : context, services: servicesOf(system, context) }));
	});
	return [...contexts, ...PLATFORM];
}

/** One system's cluster (contexts named as in the system: "order", "payment", …). */
export function systemCluster(name: string): ContextSpec[] {
	const system = SYSTEMS.find(s => s.name === name);
	if (!system) throw new Error(`CLUSTER_SYSTEM: expected "all" or one of ${SYSTEMS.map(s => s.name).join(", ")}, got "${name}"`);
	return clusterOf([system], false);
}

/**
 * The console's contexts (docs/console.md): the timeline of every saga (its views in Redis) and the panel of
 * contexts, in one process. `npm run cluster` starts it; the cluster tests, which do not need it, do not.
 */
export const CONSOLE: ContextSpec = { name: "timeline", services: "timeline/timeline,operations/operations" };

export const FLOWER_DELIVERY: ContextSpec[] = systemCluster("flowerdelivery");
export const FISH_DELIVERY: ContextSpec[] = systemCluster("fishdelivery");

async function main(): Promise<void> {
	const basePort = Number(process.env.CLUSTER_BASE_PORT || 4222);
	const workDir = path.join(ROOT, ".cluster");
	fs.mkdirSync(workDir, { recursive: true });
	const cluster = new LocalCluster({ basePort, workDir, gatewayPort: Number(process.env.PORT || 3000) });
	const shutdown = async () => {
		console.log("\nStopping the cluster…");
		await cluster.stopAll();
		process.exit(0);
	};
	process.on("SIGINT", shutdown);
	process.on("SIGTERM", shutdown);
	const system = process.env.CLUSTER_SYSTEM || "all";
	const specs = [...(system === "all" ? clusterOf(SYSTEMS) : systemCluster(system)), CONSOLE];
	await cluster.startServers();
	console.log(`nats-server -js on ${cluster.natsUrl}, redis-server on ${cluster.redisUrl}`);
	for (const spec of specs) {
		await cluster.start(spec);
		console.log(`  ${spec.name.padEnd(28)} ready (${spec.services})`);
	}
	const apis = (system === "all" ? SYSTEMS.map(s => s.name) : [system]).map(name => `${cluster.baseUrl}/api/${name}`);
	console.log(`\nThe cluster is up: ${apis.join(", ")}  (logs in ${path.join(workDir, "logs")}; Ctrl-C stops it)`);
	console.log(`Get a token (docs/identity.md): curl -s -X POST ${cluster.baseUrl}/oauth/token -d grant_type=password -d username=LKJ -d password=lkj-demo-pw`);
	console.log(`The live console (docs/console.md): ${cluster.baseUrl}/console`);
}

if (require.main === module) {
	main().catch(err => {
		console.error(err);
		process.exit(1);
	});
}
