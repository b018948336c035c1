/**
 * Observability as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per context
 * (compiled code, `npm run build` first), a stand-in Jaeger agent on a local UDP socket.
 *
 * - one order's saga (gateway → order.place → payment.pay → the store's and MyPage's channel handlers) is
 *   ONE trace whose id is the request id, its spans reported by five different processes;
 * - the JSON log lines of the consumers carry the same request id;
 * - every metric name the chart's Grafana dashboard queries is exposed by some process on METRICS_PORT
 *   (after a caller-side timeout, a tripped circuit breaker and a dead-lettered message), and the gateway
 *   also answers GET /metrics on its own port.
 */
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { connect, JSONCodec } from "nats";
import { FLOWER_DELIVERY, LocalCluster, type ContextSpec } from "../../scripts/cluster";
import { traceHex } from "../../middlewares/observability";
import { actors, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { API, seedOrder } from "../support/flower-flows";
import { startJaegerAgent, type JaegerAgent, type ReceivedSpan } from "../support/jaeger";
import { dashboardMetricNames, exposedMetricNames } from "../support/metrics";

const BASE_PORT = 15400;
const metricsPort = (i: number) => BASE_PORT + 40 + i;

/** The spans of one placement, by process (NODE_ID) and name. */
const SAGA = [
	"gateway api: POST /api/flowerdelivery/orders",
	"mypage flowerdelivery.mypage: channel 'flowerdelivery.OrderPlaced'",
	"mypage flowerdelivery.mypage: channel 'flowerdelivery.PaymentApproved'",
	"order flowerdelivery.order: action 'flowerdelivery.order.place'",
	"payment flowerdelivery.payment: action 'flowerdelivery.payment.pay'",
	"store flowerdelivery.store: channel 'flowerdelivery.OrderPlaced'"
];

const describeSpans = (spans: ReceivedSpan[]) => spans.map(s => `${s.tags.nodeID} ${s.service}: ${s.operationName}`).sort();

function expectOneTree(spans: ReceivedSpan[]): void {
	const ids = new Set(spans.map(s => s.spanId));
	const roots = spans.filter(s => s.parentSpanId === "0000000000000000");
	expect(roots.map(s => s.operationName)).toEqual(["POST /api/flowerdelivery/orders"]);
	for (const s of spans) if (s !== roots[0]) expect(ids.has(s.parentSpanId)).toBe(true);
}

function jsonLines(log: string): Record<string, unknown>[] {
	return log
		.split("\n")
		.filter(l => l.startsWith("{"))
		.map(l => {
			try {
				return JSON.parse(l) as Record<string, unknown>;
			} catch {
				return {};
			}
		});
}

describe("observability cluster: one process per context over NATS, traces to a Jaeger agent", () => {
	let agent: JaegerAgent;
	let cluster: LocalCluster;
	let http: Client;
	let as: Actors;
	const specs: ContextSpec[] = FLOWER_DELIVERY.map((spec, i) => ({
		...spec,
		env: {
			...spec.env,
			METRICS_PORT: String(metricsPort(i)),
			...(spec.name === "store" ? { LOG_LEVEL: "debug" } : {}),
			// The caller side of payment: a breaker that trips after 2 failed calls and half-opens quickly.
			...(spec.name === "order" ? { CB_MIN_REQUESTS: "2", CB_HALF_OPEN_MS: "500" } : {})
		}
	}));

	beforeAll(async () => {
		agent = await startJaegerAgent();
		cluster = new LocalCluster({
			basePort: BASE_PORT,
			env: {
				LOG_LEVEL: "info",
				OUTBOX_SWEEP_MS: "300",
				CHANNEL_ACK_WAIT_MS: "4000",
				CHANNEL_BACKOFF_MS: "100",
				// Enough redeliveries to outlast the Redis outage below (a poison message is dead-lettered at once anyway).
				CHANNEL_MAX_RETRIES: "30",
				CHANNEL_BACKOFF_MAX_MS: "500",
				JAEGER_HOST: "127.0.0.1",
				JAEGER_PORT: String(agent.port)
			}
		});
		await cluster.startServers();
		for (const spec of specs) await cluster.start(spec);
		as = actors(client(cluster.baseUrl));
		http = as.customer(seedOrder.userName);
		// The gateway fetches the identity context's keys on its first authenticated request (its own trace).
		await http.get(`${API}/orders?userName=${seedOrder.userName}`);
	});

	afterAll(async () => {
		await cluster?.stopAll();
		await agent?.close();
	});

	let requestId: string;
	let orderId: string;

	it("one order's saga is one trace, whose id is the request id, across five processes", async () => {
		const res = await http.post(`${API}/orders`, seedOrder);
		expect(res.status).toBe(201);
		requestId = res.headers.get("x-request-id")!;
		orderId = res.body.id;
		const traceId = requestId.replace(/-/g, "");
		expect(traceId).toMatch(/^[0-9a-f]{32}$/);

		const spans = await eventually(async () => agent.spans.filter(s => s.traceId === traceId), s => s.length >= SAGA.length, 20000);
		console.log(`trace ${traceId}:\n  ${describeSpans(spans).join("\n  ")}`);
		expect(describeSpans(spans)).toEqual(SAGA);
		expectOneTree(spans);
		expect(spans.every(s => s.tags.requestID === requestId)).toBe(true);
		expect(agent.errors).toEqual([]);
	});

	it("a client's X-Request-ID gives one trace too (its hash), found by the requestID tag", async () => {
		const res = await as.customer("traced").post(`${API}/orders`, { ...seedOrder, userName: "traced" }, { "X-Request-ID": "cluster-trace-7" });
		expect(res.status).toBe(201);
		const spans = await eventually(async () => agent.spans.filter(s => s.tags.requestID === "cluster-trace-7"), s => s.length >= SAGA.length, 20000);
		expect(describeSpans(spans)).toEqual(SAGA);
		expect(new Set(spans.map(s => s.traceId))).toEqual(new Set([traceHex("cluster-trace-7")]));
		expectOneTree(spans);
	});

	it("the consumers' JSON log lines carry the request id", async () => {
		const lines = await eventually(
			async () => jsonLines(cluster.logOf("store")).filter(l => l.requestID === requestId),
			l => l.length > 0
		);
		expect(lines[0]).toMatchObject({ level: "debug", nodeID: "store", requestID: requestId, handled: "OrderPlaced", key: orderId });
	});

	it("every metric the dashboard queries is exposed on METRICS_PORT, after a timeout, a tripped breaker and a dead-lettered message", async () => {
		// Payment is slow and takes one payment at a time (and one waiting): those time out at the caller, the others
		// are refused (bulkhead queue full), which trips the order's breaker on payment; then it half-opens.
		await cluster.restart("payment", { PAYMENT_LATENCY_MS: "1500", PAYMENT_CONCURRENCY: "1", PAYMENT_QUEUE: "1" });
		const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => as.customer(`slow${i}`).post(`${API}/orders`, { ...seedOrder, userName: `slow${i}` }).then(r => r.status)));
		expect(new Set(statuses)).toEqual(new Set([503]));
		await new Promise(r => setTimeout(r, 800));

		// A malformed message: a poison message, dead-lettered at once (no retry can fix it).
		const nc = await connect({ servers: cluster.natsUrl });
		const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
		const storeIndex = specs.findIndex(s => s.name === "store");
		const mypageIndex = specs.findIndex(s => s.name === "mypage");
		const redis = new Redis(cluster.redisUrl!);
		try {
			await nc.jetstream().publish("flowerdelivery.OrderPlaced", JSONCodec().encode({ malformed: true }));
			await eventually(() => scrape(metricsPort(storeIndex)), t => t.includes("moleculer_channels_messages_deadLettering_total{"), 20000);

			// A transient failure: Redis refuses writes for a while, so MyPage's handler fails and the message is
			// redelivered with back-off; once Redis accepts writes again it is applied (nothing lost).
			await redis.config("SET", "maxmemory-policy", "noeviction");
			await redis.config("SET", "maxmemory", "1");
			const orderId = randomUUID();
			const event = { id: randomUUID(), type: "OrderPlaced", source: "test", aggregateId: orderId, occurredAt: new Date().toISOString(), data: { orderId, storeName: "KJSHOP", itemName: "장미", qty: 1, itemPrice: 100, userName: "LKJ" } };
			await nc.jetstream().publish("flowerdelivery.OrderPlaced", JSONCodec().encode(event), { msgID: event.id });
			await eventually(() => scrape(metricsPort(mypageIndex)), t => /moleculer_channels_messages_retries_total\{[^}]*group="flowerdelivery\.mypage"\} [1-9]/.test(t), 20000);
			await redis.config("SET", "maxmemory", "0");
			await eventually(() => as.admin().get(`${API}/myPages/${orderId}`), r => r.status === 200, 20000);
		} finally {
			await redis.config("SET", "maxmemory", "0");
			redis.disconnect();
			await nc.close();
		}

		const texts = await Promise.all(specs.map((_, i) => scrape(metricsPort(i))));
		const exposed = new Set(texts.flatMap(t => [...exposedMetricNames(t)]));
		// Not Moleculer's: no fallback is declared; the JetStream backlog comes from prometheus-nats-exporter.
		const notOurs = ["moleculer_request_fallback_total", "jetstream_consumer_num_pending"];
		expect(dashboardMetricNames().filter(n => !notOurs.includes(n) && !exposed.has(n))).toEqual([]);

		const order = texts[specs.findIndex(s => s.name === "order")];
		expect(order).toMatch(/moleculer_request_error_total\{[^}]*action="flowerdelivery\.payment\.pay",type="remote"[^}]*errorName="RequestTimeoutError"/);
		expect(order).toMatch(/moleculer_request_timeout_total\{[^}]*action="flowerdelivery\.payment\.pay"\}/);
		expect(order).toMatch(/moleculer_circuit_breaker_opened_total\{[^}]*affectedNodeID="payment",service="flowerdelivery\.payment",action="flowerdelivery\.payment\.pay"\} [1-9]/);
		const store = texts[storeIndex];
		expect(store).toMatch(/moleculer_channels_messages_deadLettering_total\{[^}]*channel="flowerdelivery\.OrderPlaced",group="flowerdelivery\.store"\} [1-9]/);
		expect(store).toMatch(/moleculer_channels_messages_errors_total\{[^}]*channel="flowerdelivery\.OrderPlaced",group="flowerdelivery\.store"\} [1-9]/);
		expect(texts[mypageIndex]).toMatch(/moleculer_channels_messages_retries_total\{[^}]*channel="flowerdelivery\.OrderPlaced",group="flowerdelivery\.mypage"\} [1-9]/);

		// Each failed handling is logged with a request id, once per attempt.
		const failures = jsonLines(cluster.logOf("mypage")).filter(l => l.channel === "flowerdelivery.OrderPlaced" && l.level === "warn");
		expect(failures.length).toBeGreaterThanOrEqual(2);
		expect(failures.every(l => typeof l.requestID === "string")).toBe(true);

		// The gateway answers the same metrics on its own port.
		const gatewayIndex = specs.findIndex(s => s.name === "gateway");
		// Series only ever appear (a rate shows up after its first event), so scrape the port first: everything it
		// shows must be on the gateway's /metrics a moment later.
		const onPort = exposedMetricNames(await scrape(metricsPort(gatewayIndex)));
		const viaGateway = exposedMetricNames(await (await fetch(`${cluster.baseUrl}/metrics`)).text());
		expect([...onPort].filter(n => !viaGateway.has(n))).toEqual([]);
		expect(viaGateway.size).toBeGreaterThan(20);
	});
});
