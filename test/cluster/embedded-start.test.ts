/**
 * Ready means ready (embedded default, `npm start`): the gateway listens only once every context of its process
 * has started, so a client that connects at the first moment the port opens is answered by running contexts —
 * its token request and its first API calls never meet a 503 for a context still starting.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const PORT = 15760;

function connects(): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect(PORT, "127.0.0.1");
		socket.once("connect", () => {
			socket.destroy();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
	});
}

describe("embedded default at start", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "embedded-start-"));
	let proc: ChildProcess | undefined;
	let output = "";
	afterAll(async () => {
		if (proc && proc.exitCode === null) {
			const gone = new Promise(resolve => proc!.once("exit", resolve));
			proc.kill("SIGTERM");
			await gone;
		}
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("answers from the first moment its port opens: no 503 for a context still starting", async () => {
		const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: "info", SERVICEDIR: path.join(ROOT, "dist", "services") };
		for (const k of ["SERVICES", "TRANSPORTER", "REDIS_URL", "MONGO_URI", "NODE_OPTIONS", "JWT_PRIVATE_KEYS", "IDENTITY_ACCOUNTS"]) delete env[k];
		proc = spawn(process.execPath, [path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js"), "--config", path.join(ROOT, "dist", "moleculer.config.js")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
		proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
		proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));

		const deadline = Date.now() + 60000;
		while (!(await connects())) {
			if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the embedded default did not open its port:\n${output}`);
			await new Promise(resolve => setTimeout(resolve, 5));
		}
		// At once: a login, then with its token the first calls of every system's lists.
		const base = `http://127.0.0.1:${PORT}`;
		const login = await fetch(`${base}/oauth/token`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ grant_type: "password", username: "admin", password: "admin-demo-pw" }) });
		expect(login.status).toBe(200);
		const token = ((await login.json()) as { access_token: string }).access_token;
		const statuses = await Promise.all(
			["flowerdelivery/orders", "fishdelivery/orders", "productorder/products", "thedraw/draws", "warehouse/deliveries"].map(async route => [route, (await fetch(`${base}/api/${route}`, { headers: { Authorization: `Bearer ${token}` } })).status] as const)
		);
		expect(statuses).toEqual(statuses.map(([route]) => [route, 200]));
		// …and it said it listens only after its services had started.
		const listening = output.indexOf("API Gateway listening");
		expect(listening).toBeGreaterThan(-1);
		expect(output.slice(listening)).not.toMatch(/Service '[^']+' started/);
	});
});
