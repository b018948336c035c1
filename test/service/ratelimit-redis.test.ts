/**
 * With REDIS_URL the rate limit budget lives in Redis: two gateway replicas (two brokers in this process, each
 * with its own gateway on its own port) draw on one budget per client. Needs `redis-server` (as the cluster
 * tests do).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { requireBinary } from "../../scripts/cluster";

const LIMIT = 4;
let redis: ChildProcess;
const stops: (() => Promise<void>)[] = [];
const bases: string[] = [];

function freePort(): Promise<number> {
	return new Promise(resolve => {
		const srv = net.createServer().listen(0, "127.0.0.1", () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
	});
}

beforeAll(async () => {
	const port = await freePort();
	redis = spawn(requireBinary("redis-server"), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
	for (let i = 0; i < 100; i++) {
		const up = await new Promise<boolean>(resolve => net.connect(port, "127.0.0.1").once("connect", function (this: net.Socket) { this.destroy(); resolve(true); }).once("error", () => resolve(false)));
		if (up) break;
		await new Promise(r => setTimeout(r, 100));
	}
	process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
	process.env.RATE_LIMIT_PER_WINDOW = String(LIMIT);
	process.env.RATE_LIMIT_WINDOW_MS = "60000";
	const { startEmbedded, flowerDeliverySchemas } = await import("../support/embedded");
	for (let i = 0; i < 2; i++) {
		const app = await startEmbedded(flowerDeliverySchemas);
		stops.push(app.stop);
		bases.push(app.baseUrl);
	}
});

afterAll(async () => {
	for (const stop of stops) await stop();
	redis?.kill("SIGTERM");
});

it("two gateway replicas share one budget per client through Redis", async () => {
	// Windows are aligned on the clock (the same in every replica): do not start right at a window's end.
	const intoWindow = Date.now() % 60000;
	if (intoWindow > 55000) await new Promise(r => setTimeout(r, 60000 - intoWindow + 200));
	const { mint } = await import("../support/auth");
	const { checkResponse } = await import("../support/http");
	const token = mint({ sub: "LKJ", roles: ["customer"] });
	const statuses: number[] = [];
	for (let i = 0; i < LIMIT + 3; i++) {
		// Alternate replicas: each would allow LIMIT requests on its own.
		const url = `${bases[i % 2]}/api/flowerdelivery/orders`;
		const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
		checkResponse(bases[i % 2], { method: "GET", url, status: res.status, headers: res.headers, text: await res.text() });
		statuses.push(res.status);
		if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
	}
	// The token's first request counts against the address (it is not known yet), then LIMIT against LKJ, shared.
	expect(statuses).toEqual([...Array(LIMIT + 1).fill(200), 429, 429]);
});
