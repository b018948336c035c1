/**
 * Observability in one process (the embedded default): GET /metrics on the gateway with the names the
 * chart's Grafana dashboard queries, one trace per order's saga, and JSON error lines with the request id.
 * The cluster version (one process per context over NATS) is test/cluster/tracing.test.ts.
 */
import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Errors, ServiceBroker, type ServiceSchema } from "moleculer";
import { config, type AppConfig } from "../../config";
import { brokerOptions } from "../../moleculer.config";
import { traceHex } from "../../middlewares/observability";
import api from "../../services/gateway/api.service";
import identity from "../../services/identity/identity.service";
import { checkAgainstOpenApi, flowerDeliverySchemas, startEmbedded } from "../support/embedded";
import { actors } from "../support/auth";
import { checkResponse, client, eventually, type Client } from "../support/http";
import { API, seedOrder } from "../support/flower-flows";
import { startJaegerAgent, type JaegerAgent, type ReceivedSpan } from "../support/jaeger";
import { alertMetricNames, dashboardMetricNames, exposedMetricNames } from "../support/metrics";

/** A test-only action that always fails with a fault, to trip a circuit breaker. */
const flaky: ServiceSchema = {
	name: "flaky",
	actions: {
		boom() {
			throw new Errors.MoleculerError("boom", 500, "BOOM");
		}
	}
};

describe("observability in one process", () => {
	let agent: JaegerAgent;
	let broker: ServiceBroker;
	let http: Client;
	let baseUrl: string;
	let contract: { done: () => void } | undefined;
	const logLines: string[] = [];

	beforeAll(async () => {
		agent = await startJaegerAgent();
		const settings: AppConfig = {
			...config,
			logLevel: "warn",
			logFormat: "json",
			resilience: { ...config.resilience, circuitBreaker: { ...config.resilience.circuitBreaker, minRequestCount: 2, halfOpenTime: 200 } },
			channels: { ...config.channels, maxRetries: 1, backoffBaseMs: 10 },
			observability: { metricsPort: 0, jaeger: { host: "127.0.0.1", port: agent.port }, tracingSampleRate: 1 }
		};
		for (const level of ["log", "warn", "error"] as const) {
			jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void logLines.push(args.map(String).join(" ")));
		}
		broker = new ServiceBroker({ ...brokerOptions(settings), nodeID: `obs-${process.pid}` });
		for (const schema of [...flowerDeliverySchemas, identity as ServiceSchema, api as ServiceSchema, flaky]) broker.createService(schema);
		await broker.start();
		const server = (broker.getLocalService("api") as unknown as { server: Server }).server;
		if (!server.listening) await new Promise(resolve => server.once("listening", resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		contract = await checkAgainstOpenApi(baseUrl);
		http = actors(client(baseUrl)).customer(seedOrder.userName);
		// The gateway fetches the identity context's keys on its first authenticated request (its own trace).
		await http.get(`${API}/orders?userName=${seedOrder.userName}`);
	});

	afterAll(async () => {
		await broker?.stop();
		await agent?.close();
		jest.restoreAllMocks();
		contract?.done();
	});

	const spansOf = (traceId: string) => agent.spans.filter(s => s.traceId === traceId);
	const names = (spans: ReceivedSpan[]) => spans.map(s => `${s.service}: ${s.operationName}`).sort();

	/** The spans of one placement: the HTTP request, order.place, payment.pay and the consumers of its events. */
	const SAGA = [
		"api: POST /api/flowerdelivery/orders",
		"flowerdelivery.mypage: channel 'flowerdelivery.OrderPlaced'",
		"flowerdelivery.mypage: channel 'flowerdelivery.PaymentApproved'",
		"flowerdelivery.order: action 'flowerdelivery.order.place'",
		"flowerdelivery.payment: action 'flowerdelivery.payment.pay'",
		"flowerdelivery.store: channel 'flowerdelivery.OrderPlaced'"
	];

	function expectOneTree(spans: ReceivedSpan[]): void {
		const ids = new Set(spans.map(s => s.spanId));
		const roots = spans.filter(s => s.parentSpanId === "0000000000000000");
		expect(roots.map(s => s.operationName)).toEqual(["POST /api/flowerdelivery/orders"]);
		for (const s of spans) if (s !== roots[0]) expect(ids.has(s.parentSpanId)).toBe(true);
	}

	it("one order's saga is one trace whose id is the request id", async () => {
		const res = await http.post(`${API}/orders`, seedOrder);
		expect(res.status).toBe(201);
		const requestId = res.headers.get("x-request-id")!;
		const traceId = requestId.replace(/-/g, "");
		const spans = await eventually(async () => spansOf(traceId), s => s.length >= SAGA.length, 10000);
		expect(names(spans)).toEqual(SAGA);
		expectOneTree(spans);
		expect(spans.every(s => s.tags.requestID === requestId)).toBe(true);
		expect(agent.errors).toEqual([]);
	});

	it("a client's X-Request-ID that is not a UUID still gives one trace, found by its requestID tag", async () => {
		const res = await http.post(`${API}/orders`, seedOrder, { "X-Request-ID": "obs-order-42" });
		expect(res.status).toBe(201);
		expect(res.headers.get("x-request-id")).toBe("obs-order-42");
		const spans = await eventually(async () => agent.spans.filter(s => s.tags.requestID === "obs-order-42"), s => s.length >= SAGA.length, 10000);
		expect(names(spans)).toEqual(SAGA);
		expect(new Set(spans.map(s => s.traceId))).toEqual(new Set([traceHex("obs-order-42")]));
		expectOneTree(spans);
	});

	it("a failing action is logged once as a JSON line with its request id", async () => {
		await expect(broker.call("flaky.boom", {}, { requestID: "boom-1" })).rejects.toThrow("boom");
		const lines = logLines.filter(l => l.includes('"requestID":"boom-1"')).map(l => JSON.parse(l));
		expect(lines).toEqual([expect.objectContaining({ level: "error", requestID: "boom-1", action: "flaky.boom", msg: expect.stringContaining("Action 'flaky.boom' failed") })]);
	});

	it("GET /metrics on the gateway answers the reporter's Prometheus text with every name the dashboard and the alerts use", async () => {
		// Trip a circuit breaker (2 faults with minRequestCount 2) and let it half-open, so its metrics exist.
		for (let i = 0; i < 3; i++) await broker.call("flaky.boom").catch(() => undefined);
		await new Promise(r => setTimeout(r, 400));
		// A malformed message: its handler fails (retried once in place, then given up).
		await (broker as unknown as { sendToChannel(c: string, p: unknown): Promise<void> }).sendToChannel("flowerdelivery.OrderPlaced", { malformed: true });
		await eventually(async () => (await (await fetch(`${baseUrl}/metrics`)).text()), t => t.includes("moleculer_channels_messages_errors_total{"), 5000);

		const res = await fetch(`${baseUrl}/metrics`);
		const text = await res.text();
		checkResponse(baseUrl, { method: "GET", url: `${baseUrl}/metrics`, status: res.status, headers: res.headers, text });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
		const exposed = exposedMetricNames(text);

		// Only in a cluster or with other servers: caller-side (remote) timeouts, JetStream redeliveries and
		// dead-lettering (the in-process adapter retries in place), fallbacks (none declared), the NATS exporter.
		const elsewhere = ["moleculer_request_timeout_total", "moleculer_request_fallback_total", "moleculer_channels_messages_retries_total", "moleculer_channels_messages_deadLettering_total", "jetstream_consumer_num_pending"];
		const expected = dashboardMetricNames().filter(n => !elsewhere.includes(n));
		expect(expected.filter(n => !exposed.has(n))).toEqual([]);
		// The chart's alerting rules ask for no name the product does not serve (helm/moleculer-systems/alerts).
		expect(alertMetricNames().filter(n => !elsewhere.includes(n) && !exposed.has(n))).toEqual([]);

		// The labels the dashboard filters and groups by.
		expect(text).toMatch(/moleculer_request_total\{[^}]*service="flowerdelivery\.order",action="flowerdelivery\.order\.place",type="local"/);
		expect(text).toMatch(/moleculer_request_error_total\{[^}]*action="flaky\.boom",type="local"[^}]*errorName="MoleculerError",errorCode="500"/);
		expect(text).toMatch(/moleculer_request_time_bucket\{[^}]*service="flowerdelivery\.payment"[^}]*le="\+Inf"\}/);
		expect(text).toMatch(/moleculer_circuit_breaker_opened_active\{[^}]*affectedNodeID="obs-\d+",service="flaky",action="flaky\.boom"\} [01]\n/);
		expect(text).toMatch(/moleculer_channels_messages_time\{[^}]*channel="flowerdelivery\.OrderPlaced",group="flowerdelivery\.store",quantile="0\.95"\}/);

		// The reporter's own port serves the same metrics.
		const reporter = broker.metrics.reporter[0] as unknown as { server: Server };
		const own = await (await fetch(`http://127.0.0.1:${(reporter.server.address() as AddressInfo).port}/metrics`)).text();
		expect([...exposedMetricNames(own)].sort()).toEqual([...exposed].sort());
	});
});

describe("metrics off (no METRICS_PORT)", () => {
	it("GET /metrics answers 404 saying how to turn them on", async () => {
		const embedded = await startEmbedded();
		try {
			const res = await client(embedded.baseUrl).get("/metrics");
			expect(res.status).toBe(404);
			expect(res.body).toMatchObject({ code: 404, type: "METRICS_DISABLED" });
		} finally {
			await embedded.stop();
		}
	});
});
