/**
 * Throughput of `POST /api/flowerdelivery/orders` through the gateway on the embedded default (every
 * context in one process, NeDB files, in-process channels), against a bare moleculer-web echo endpoint
 * measured in the same run on the same machine. Prints both and their ratio.
 *
 *   npm run bench                              (BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_BASE_PORT=3901 by default)
 *   BENCH_TARGET=productorder npm run bench    POST /api/productorder/orders instead: the demo product manager
 *                                              first adds a product with a huge stock, then the demo customer
 *                                              orders it (every order reserves a unit of that one hot product)
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";

const ROOT = path.resolve(__dirname, "..", "..");
const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 20);
/** The echo listens on this port, the embedded default on the next one. */
const basePort = Number(process.env.BENCH_BASE_PORT || 3901);
const ECHO = `http://127.0.0.1:${basePort}`;
const APP = `http://127.0.0.1:${basePort + 1}`;

/** What is measured: the orders of one system, placed by its demo customer (and what must exist first). */
interface Target {
	path: string;
	body: string;
	customer: [string, string];
	setup?(baseUrl: string): Promise<void>;
}

const BENCH_ITEMCD = "bench-1";
const TARGETS: Record<string, Target> = {
	flowerdelivery: {
		path: "/api/flowerdelivery/orders",
		body: JSON.stringify({ storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" }),
		customer: ["LKJ", "lkj-demo-pw"]
	},
	productorder: {
		path: "/api/productorder/orders",
		body: JSON.stringify({ item: "milk", orderQty: 1, status: "ordered", price: 2000, itemcd: BENCH_ITEMCD }),
		customer: ["mallbuyer", "mallbuyer-demo-pw"],
		async setup(baseUrl) {
			const token = await demoToken(baseUrl, "mallmanager", "mallmanager-demo-pw");
			const res = await fetch(`${baseUrl}/api/productorder/products`, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
				body: JSON.stringify({ itemcd: BENCH_ITEMCD, totalQuantity: 1000000000, name: "bench milk" })
			});
			if (res.status !== 201) throw new Error(`adding the bench product answered ${res.status}: ${await res.text()}`);
		}
	}
};
const targetName = process.env.BENCH_TARGET || "flowerdelivery";
const target = TARGETS[targetName];
if (!target) throw new Error(`BENCH_TARGET: expected one of ${Object.keys(TARGETS).join(", ")}, got "${targetName}"`);
const order = target.body;

async function waitReady(url: string): Promise<void> {
	for (let i = 0; i < 300; i++) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {
			/* not listening yet */
		}
		await new Promise(r => setTimeout(r, 100));
	}
	throw new Error(`${url} did not come up`);
}

/** A bearer token of one of the embedded default's demo accounts (docs/identity.md), as a client would get it. */
async function demoToken(baseUrl: string, username: string, password: string): Promise<string> {
	const res = await fetch(`${baseUrl}/oauth/token`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ grant_type: "password", username, password })
	});
	const body = (await res.json()) as { access_token?: string };
	if (!res.ok || !body.access_token) throw new Error(`token request answered ${res.status}: ${JSON.stringify(body)}`);
	return body.access_token;
}

async function run(title: string, url: string, headers: Record<string, string> = {}): Promise<autocannon.Result> {
	const result = await autocannon({ title, url, method: "POST", body: order, headers: { "content-type": "application/json", ...headers }, connections, duration: seconds });
	const non2xx = result.non2xx + result.errors;
	console.log(`${title.padEnd(34)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   non-2xx/errors ${non2xx}`);
	return result;
}

function stop(p: ChildProcess): Promise<void> {
	return new Promise(resolve => {
		if (p.exitCode !== null) return resolve();
		p.once("exit", () => resolve());
		p.kill("SIGTERM");
	});
}

async function main(): Promise<void> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-data-"));
	const env = { ...process.env, LOG_LEVEL: "warn", DATA_DIR: dataDir };
	const echo = fork(path.join(__dirname, "echo-server.js"), [], { env: { ...env, BENCH_PORT: String(basePort) }, stdio: "inherit" });
	const app = fork(path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js"), ["--config", path.join(ROOT, "dist", "moleculer.config.js"), path.join(ROOT, "dist", "services")], {
		// The per-client rate limit would cap a single benchmarking client: lift it for this run only.
		env: { ...env, PORT: String(basePort + 1), RATE_LIMIT_PER_WINDOW: "100000000" },
		stdio: "inherit"
	});
	try {
		await waitReady(`${ECHO}/api/echo`);
		await waitReady(`${APP}/ready`);
		console.log(`autocannon: ${connections} connections, ${seconds} s each, ${os.cpus().length} cores`);
		await target.setup?.(APP);
		const headers = { authorization: `Bearer ${await demoToken(APP, ...target.customer)}` };
		const bare = await run("bare moleculer-web echo", `${ECHO}/api/echo`);
		const orders = await run(`POST ${target.path}`, `${APP}${target.path}`, headers);
		console.log(`ratio orders/bare: ${(orders.requests.average / bare.requests.average).toFixed(3)}`);
	} finally {
		await Promise.all([stop(echo), stop(app)]);
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
