/**
 * Throughput of `POST /api/flowerdelivery/orders` (or another system's orders, BENCH_TARGET) through the gateway on the embedded default (every
 * context in one process, SQLite files, durable in-process channels), against a bare moleculer-web echo
 * endpoint measured in the same run on the same machine. Prints both and their ratio — twice: with every
 * service `npm start` loads (the timeline watching every saga included), and without the timeline
 * (services/timeline/timeline.service.js skipped), so the timeline's cost on placement is their ratio; and
 * how many events the timeline still owed when the run ended (its backlog).
 *
 *   npm run bench:throughput                   (BENCH_SECONDS=10 BENCH_CONNECTIONS=20 BENCH_BASE_PORT=3901
 *                                              BENCH_TIMELINE=both by default; BENCH_TIMELINE=on or off
 *                                              measures one of the two)
 *   BENCH_TARGET=productorder npm run bench:throughput
 *                                              POST /api/productorder/orders instead: the demo product manager
 *                                              first adds a product with a huge stock, then the demo customer
 *                                              orders it (every order reserves a unit of that one hot product)
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { demoToken, stopProcess } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const seconds = Number(process.env.BENCH_SECONDS || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 20);
/** The echo listens on this port, the embedded default on the next one. */
const basePort = Number(process.env.BENCH_BASE_PORT || 3901);
const ECHO = `http://127.0.0.1:${basePort}`;

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
const variants = (process.env.BENCH_TIMELINE || "both") === "both" ? ["on", "off"] : [process.env.BENCH_TIMELINE || "on"];
if (variants.some(v => v !== "on" && v !== "off")) throw new Error(`BENCH_TIMELINE: expected both, on or off, got "${process.env.BENCH_TIMELINE}"`);

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

async function run(title: string, url: string, headers: Record<string, string> = {}): Promise<autocannon.Result> {
	const result = await autocannon({ title, url, method: "POST", body: order, headers: { "content-type": "application/json", ...headers }, connections, duration: seconds });
	const non2xx = result.non2xx + result.errors;
	console.log(`${title.padEnd(46)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   non-2xx/errors ${non2xx}`);
	return result;
}

/** Events the timeline's consumer group still owes (the panel of contexts, as an admin reads it). */
async function timelineBacklog(baseUrl: string): Promise<number | undefined> {
	const res = await fetch(`${baseUrl}/api/operations/contexts`, { headers: { authorization: `Bearer ${await demoToken(baseUrl, "admin", "admin-demo-pw")}` } });
	if (!res.ok) return undefined;
	const body = (await res.json()) as { channels: { lag: { group: string; owed: number }[] } };
	return body.channels.lag.filter(l => l.group === "timeline").reduce((sum, l) => sum + l.owed, 0);
}

/** The embedded default as `npm start` runs it (the timeline skipped for "off"), on a fresh data folder. */
async function placement(timeline: string, port: number, bareRate: number): Promise<number> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-data-"));
	const services = path.join(ROOT, "dist", "services");
	const args = ["--config", path.join(ROOT, "dist", "moleculer.config.js"), services, ...(timeline === "off" ? [`!${path.join(services, "timeline", "timeline.service.js")}`] : [])];
	const app = fork(path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js"), args, {
		// The per-client rate limit would cap a single benchmarking client: lift it for this run only.
		env: { ...process.env, LOG_LEVEL: "warn", DATA_DIR: dataDir, PORT: String(port), RATE_LIMIT_PER_WINDOW: "100000000" },
		stdio: "inherit"
	});
	try {
		const base = `http://127.0.0.1:${port}`;
		await waitReady(`${base}/ready`);
		await target.setup?.(base);
		const headers = { authorization: `Bearer ${await demoToken(base, ...target.customer)}` };
		const orders = await run(`POST ${target.path}, timeline ${timeline}`, `${base}${target.path}`, headers);
		const backlog = timeline === "on" ? await timelineBacklog(base) : undefined;
		console.log(`  ratio orders/bare: ${(orders.requests.average / bareRate).toFixed(3)}${backlog !== undefined ? `   timeline backlog at the end: ${backlog} events` : ""}`);
		return orders.requests.average;
	} finally {
		await stopProcess(app);
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}

async function main(): Promise<void> {
	const echo = fork(path.join(__dirname, "echo-server.js"), [], { env: { ...process.env, LOG_LEVEL: "warn", BENCH_PORT: String(basePort) }, stdio: "inherit" });
	try {
		await waitReady(`${ECHO}/api/echo`);
		console.log(`autocannon: ${connections} connections, ${seconds} s each, ${os.cpus().length} cores`);
		const bare = await run("bare moleculer-web echo", `${ECHO}/api/echo`);
		const rates: Record<string, number> = {};
		for (const timeline of variants) rates[timeline] = await placement(timeline, basePort + 1, bare.requests.average);
		if (rates.on !== undefined && rates.off !== undefined) {
			const ratio = rates.on / rates.off;
			console.log(`timeline's cost on placement throughput: with/without = ${ratio.toFixed(3)} (${((1 - ratio) * 100).toFixed(1)} % fewer orders/s)`);
		}
	} finally {
		await stopProcess(echo);
	}
}

main().catch(err => {
	console.error(err);
	process.exit(1);
});
