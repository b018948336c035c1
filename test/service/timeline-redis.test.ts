/**
 * The timeline with REDIS_URL: its rows in Redis (as in a cluster, where replicas share them), written in
 * groups (`applyAll`: a write with an event id once, a notice merged), and a flower order's saga folded with
 * every consumer's notice, over HTTP through the real gateway. Needs `redis-server` (as the cluster tests do).
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import type { ServiceSchema } from "moleculer";
import { requireBinary } from "../../scripts/cluster";
import type { TimelineRow } from "../../services/timeline/timeline.view";

let redis: ChildProcess;
let redisUrl: string;
let stop: (() => Promise<void>) | undefined;

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
		const up = await new Promise<boolean>(resolve =>
			net
				.connect(port, "127.0.0.1")
				.once("connect", function (this: net.Socket) {
					this.destroy();
					resolve(true);
				})
				.once("error", () => resolve(false))
		);
		if (up) break;
		await new Promise(r => setTimeout(r, 100));
	}
	redisUrl = `redis://127.0.0.1:${port}`;
	// Read by config/index.ts when it is first imported (below): this file's modules only.
	process.env.REDIS_URL = redisUrl;
});

afterAll(async () => {
	await stop?.();
	redis?.kill("SIGTERM");
});

it("applyAll on Redis: an event id is written once, a write without an id is merged every time, in order", async () => {
	const { RedisViewStore } = await import("../../mixins/view.mixin");
	const store = new RedisViewStore<{ n: number; seen: string[] }>(redisUrl, `timeline-test-${process.pid}`);
	try {
		const add = (tag: string) => (row: { n: number; seen: string[] } | null) => ({ n: (row?.n ?? 0) + 1, seen: [...(row?.seen ?? []), tag] });
		const rows = await store.applyAll([
			{ key: "k", id: "e1", fold: add("e1") },
			{ key: "k", id: "e1", fold: add("e1 again") },
			{ key: "k", id: null, fold: add("merge") },
			{ key: "other", id: "e1", fold: add("e1 elsewhere") },
			{ key: "k", id: null, fold: add("merge") }
		]);
		expect(rows.map(r => r?.n)).toEqual([1, 1, 2, 1, 3]);
		expect(await store.get("k")).toEqual({ n: 3, seen: ["e1", "merge", "merge"] });
		expect((await store.applyAll([{ key: "k", id: "e1", fold: add("e1 once more") }]))[0]).toEqual({ n: 3, seen: ["e1", "merge", "merge"] });
	} finally {
		await store.close();
	}
});

it("folds a flower order's saga into Redis, with every consumer's notice, and answers it over HTTP", async () => {
	const { flowerDeliverySchemas, startEmbedded } = await import("../support/embedded");
	const { default: timeline } = await import("../../services/timeline/timeline.service");
	const { actors } = await import("../support/auth");
	const { client, eventually } = await import("../support/http");
	const { flowerFlows, seedOrder } = await import("../support/flower-flows");
	const app = await startEmbedded([...flowerDeliverySchemas, timeline as ServiceSchema]);
	stop = app.stop;
	const as = actors(client(app.baseUrl));
	const id = await flowerFlows(as).place({ ...seedOrder, userName: "redis-customer" });
	const res = await eventually(() => as.customer("redis-customer").get<TimelineRow>(`/api/timeline/flowerdelivery/${id}`), r => r.status === 200 && r.body.entries.length === 2 && r.body.waiting === 0);
	expect(res.body.entries.map(e => e.type)).toEqual(["PaymentApproved", "OrderPlaced"]);
	expect(res.body.entries[1].outcomes).toEqual({ store: expect.objectContaining({ outcome: "handled" }), mypage: expect.objectContaining({ outcome: "handled" }) });
	const { default: Redis } = await import("ioredis");
	const direct = new Redis(redisUrl);
	try {
		expect(JSON.parse((await direct.get(`view:timeline:row:flowerdelivery:${id}`)) ?? "null")).toMatchObject({ id: `flowerdelivery:${id}`, owner: "redis-customer" });
		// Facts are remembered by their event id; notices are merged, not remembered.
		expect((await direct.smembers(`view:timeline:applied:flowerdelivery:${id}`)).sort()).toEqual(res.body.entries.map(e => e.eventId).sort());
	} finally {
		direct.disconnect();
	}
});
