/**
 * The compiled embedded default as a process of its own, started the way `npm start` starts it
 * (`moleculer-runner --config dist/moleculer.config.js dist/services`, after `npm run build`), but on a test port,
 * with its own DATA_DIR and an environment from scratch — what a new user's shell has, nothing the test tier sets
 * (test/setup-env.ts: signing key, rate limits, sweep interval) — unless `env` adds it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

export interface EmbeddedProcess {
	port: number;
	/** http://127.0.0.1:<port> */
	baseUrl: string;
	dataDir: string;
	/** What the process wrote to stdout and stderr so far. */
	output(): string;
	/** SIGTERM (SIGKILL after 10 s), then its DATA_DIR removed. */
	stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const server = net.createServer();
		server.once("error", () => resolve(false));
		server.listen(port, () => server.close(() => resolve(true)));
	});
}

/** The first port of [from, to] that nothing listens on. */
export async function freePortIn(from: number, to: number): Promise<number> {
	for (let port = from; port <= to; port++) if (await isFree(port)) return port;
	throw new Error(`no free port in ${from}–${to}`);
}

/** The port was free when probed, and taken when the process listened (another test started meanwhile). */
class PortTaken extends Error {}

/** Starts the embedded default on the first free port of `ports` and resolves once GET /ready answers 200. */
export async function startEmbeddedProcess(ports: [number, number], env: Record<string, string> = {}): Promise<EmbeddedProcess> {
	const config = path.join(ROOT, "dist", "moleculer.config.js");
	if (!fs.existsSync(config)) throw new Error(`${config} is missing: run \`npm run build\` first`);
	let from = ports[0];
	for (let attempt = 1; ; attempt++) {
		const port = await freePortIn(from, ports[1]);
		try {
			return await startOn(port, config, env);
		} catch (err) {
			if (!(err instanceof PortTaken) || attempt >= 3) throw err;
			from = port + 1;
		}
	}
}

async function startOn(port: number, config: string, env: Record<string, string>): Promise<EmbeddedProcess> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "embedded-process-"));
	const base: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? os.homedir(), TMPDIR: os.tmpdir(), LANG: "C.UTF-8" };
	const proc: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js"), "--config", config, path.join(ROOT, "dist", "services")], {
		cwd: ROOT,
		env: { ...base, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn", ...env },
		stdio: ["ignore", "pipe", "pipe"]
	});
	let output = "";
	proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
	proc.stderr?.on("data", (d: Buffer) => (output += d.toString()));
	const exited = new Promise<void>(resolve => proc.once("exit", () => resolve()));
	const baseUrl = `http://127.0.0.1:${port}`;

	async function stop(): Promise<void> {
		if (proc.exitCode === null && proc.signalCode === null) {
			proc.kill("SIGTERM");
			const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
			await exited;
			clearTimeout(timer);
		}
		fs.rmSync(dataDir, { recursive: true, force: true });
	}

	const deadline = Date.now() + 30000;
	for (;;) {
		if (proc.exitCode !== null || proc.signalCode !== null) {
			await stop();
			const message = `the embedded default exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${output}`;
			throw output.includes("EADDRINUSE") ? new PortTaken(message) : new Error(message);
		}
		const status = await fetch(`${baseUrl}/ready`).then(
			r => r.status,
			() => 0
		);
		if (status === 200) break;
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`the embedded default was not ready within 30 s (last answer ${status}):\n${output}`);
		}
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	return { port, baseUrl, dataDir, output: () => output, stop };
}
