/**
 * Flower delivery as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per
 * context (compiled code, `npm run build` first), every check over HTTP through the gateway.
 */
import { randomUUID } from "node:crypto";
import { connect } from "nats";
import { FLOWER_DELIVERY, LocalCluster, type ContextSpec } from "../../scripts/cluster";
import { actors, type Actors } from "../support/auth";
import { client } from "../support/http";
import { handledKeys } from "../support/logs";
import { API, flowerFlows, seedOrder } from "../support/flower-flows";

const COMMON_ENV = {
	LOG_LEVEL: "info",
	OUTBOX_SWEEP_MS: "300",
	CHANNEL_ACK_WAIT_MS: "4000",
	CHANNEL_BACKOFF_MS: "100"
};

/** Consumers log every event they handle at debug level, with its type and key as fields (test/support/logs.ts). */
const handled = handledKeys;

function counts(ids: string[]): Map<string, number> {
	const m = new Map<string, number>();
	for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
	return m;
}

describe("flower delivery cluster: one process per context over NATS JetStream", () => {
	const cluster = new LocalCluster({ basePort: 15000, env: COMMON_ENV });
	let as: Actors;
	let flows: ReturnType<typeof flowerFlows>;

	/** Store and delivery log each handled event (debug), so the tests can count deliveries per process. */
	const spec = (name: string): ContextSpec => {
		const s = FLOWER_DELIVERY.find(c => c.name === name)!;
		return ["store", "delivery"].includes(name) ? { ...s, env: { LOG_LEVEL: "debug" } } : s;
	};

	beforeAll(async () => {
		await cluster.startServers();
		for (const { name } of FLOWER_DELIVERY) await cluster.start(spec(name));
		as = actors(client(cluster.baseUrl));
		flows = flowerFlows(as, 30000);
	});

	afterAll(() => cluster.stopAll());

	it("(a) runs the seed scenario, a cancellation and a rejection with refunds", async () => {
		const id = await flows.seedScenario("cluster-seed-1");
		await flows.cancellation();
		await flows.rejection();
		// The request id of the HTTP request travelled into the channel messages of that order's saga.
		expect(cluster.logOf("store")).toMatch(/cluster-seed-1/);
		expect(handled(cluster.logOf("delivery"), "DecorationCompleted")).toContain(id);
	});

	it("(b) accepts orders while the store context is down; they are processed when it comes back, none lost, none twice", async () => {
		await cluster.stop("store");
		const ids: string[] = [];
		for (let i = 0; i < 10; i++) ids.push(await flows.place({ ...seedOrder, storeName: "DOWNSHOP", userName: `down${i}` }));
		const whileDown = await as.store("DOWNSHOP").get(`${API}/ordermanagements?storeName=DOWNSHOP`);
		expect(whileDown.status).toBe(503);
		expect(whileDown.headers.get("retry-after")).toBeTruthy();
		for (const [i, id] of ids.entries()) expect((await as.customer(`down${i}`).get(`${API}/myPages/${id}`)).status).toBe(200);

		await cluster.start(spec("store"));
		const rows = await flows.wait(() => flows.all(`${API}/ordermanagements?storeName=DOWNSHOP`), r => r.length >= ids.length);
		expect(rows.map(r => r.id).sort()).toEqual([...ids].sort());
		expect(rows.every(r => r.status === "Received")).toBe(true);
		const perOrder = counts(handled(cluster.logOf("store"), "OrderPlaced").filter(id => ids.includes(id)));
		expect([...perOrder.values()]).toEqual(ids.map(() => 1));
	});

	it("(c) two delivery replicas share the work: every event handled exactly once", async () => {
		await cluster.start({ name: "delivery-2", services: "flowerdelivery/delivery", env: { LOG_LEVEL: "debug" } });
		const ids: string[] = [];
		for (let i = 0; i < 16; i++) {
			const id = await flows.place({ ...seedOrder, storeName: "SCALESHOP", userName: `scale${i}` });
			const owner = as.store("SCALESHOP");
			await flows.storeOrder(id, owner);
			expect((await owner.post(`${API}/ordermanagements/${id}/accept`)).status).toBe(200);
			expect((await owner.post(`${API}/ordermanagements/${id}/decorate`)).status).toBe(200);
			ids.push(id);
		}
		for (const id of ids) await flows.myPage(id, r => r.deliveryStatus === "Requested");
		const one = handled(cluster.logOf("delivery"), "DecorationCompleted").filter(id => ids.includes(id));
		const two = handled(cluster.logOf("delivery-2"), "DecorationCompleted").filter(id => ids.includes(id));
		expect([...one, ...two].sort()).toEqual([...ids].sort()); // each once, in one replica or the other
		expect(one.length).toBeGreaterThan(0);
		expect(two.length).toBeGreaterThan(0);
		await cluster.stop("delivery-2");
	});

	it("(g) a poison message (breaking its consumer's contract) goes to the dead-letter stream at once, changing nothing", async () => {
		const nc = await connect({ servers: cluster.natsUrl.replace("nats://", "") });
		try {
			const jsm = await nc.jetstreamManager();
			const before = await jsm.streams.info("DEAD_LETTER").then(i => i.state.messages, () => 0);
			const orderId = randomUUID();
			const poison = { id: randomUUID(), type: "OrderPlaced", source: "test", aggregateId: orderId, occurredAt: new Date().toISOString(), data: { orderId, storeName: "KJSHOP", itemName: "장미", qty: "one", userName: "LKJ" } };
			await nc.jetstream().publish("flowerdelivery.OrderPlaced", new TextEncoder().encode(JSON.stringify(poison)), { msgID: poison.id });
			// Both consumers of OrderPlaced (the store and MyPage) refuse it, each parking it once, in either order.
			await flows.wait(() => jsm.streams.info("DEAD_LETTER").then(i => i.state.messages), n => n >= before + 2);
			const { last_seq } = (await jsm.streams.info("DEAD_LETTER")).state;
			const parked = await Promise.all([last_seq - 1, last_seq].map(seq => jsm.streams.getMessage("DEAD_LETTER", { seq })));
			// The messages parked are the poison one, with the consumer that refused it (the adapter's headers).
			for (const m of parked) expect((JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id).toBe(poison.id);
			expect(parked.map(m => m.header.get("x-original-group")).sort()).toEqual(["flowerdelivery.mypage", "flowerdelivery.store"]);
			expect((await as.admin().get(`${API}/ordermanagements/${orderId}`)).status).toBe(404);
		} finally {
			await nc.close();
		}
	});

	it("(d) kill -9 of a consumer while events flow loses nothing", async () => {
		const ids: string[] = [];
		const placing = (async () => {
			for (let i = 0; i < 30; i++) ids.push(await flows.place({ ...seedOrder, storeName: "CRASHSHOP", userName: `crash${i}` }));
		})();
		await flows.wait(async () => ids.length, n => n >= 8);
		await cluster.stop("store", "SIGKILL");
		await placing;
		await cluster.start(spec("store"));
		const rows = await flows.wait(() => flows.all(`${API}/ordermanagements?storeName=CRASHSHOP`), r => r.length >= ids.length);
		expect(rows.map(r => r.id).sort()).toEqual([...ids].sort());
	});
});

describe("flower delivery cluster: payment overloaded, down or slow", () => {
	const cluster = new LocalCluster({
		basePort: 15100,
		env: { ...COMMON_ENV, PAYMENT_TIMEOUT_MS: "610", CB_MIN_REQUESTS: "10", CB_WINDOW_SECONDS: "5", CB_HALF_OPEN_MS: "1000", RETRY_AFTER_SECONDS: "3" }
	});
	let as: Actors;
	let flows: ReturnType<typeof flowerFlows>;
	const paymentSpec = FLOWER_DELIVERY.find(s => s.name === "payment")!;

	beforeAll(async () => {
		await cluster.startServers();
		for (const spec of FLOWER_DELIVERY) {
			const env: Record<string, string> = spec.name === "payment" ? { PAYMENT_LATENCY_MS: "400-620", PAYMENT_CONCURRENCY: "4", PAYMENT_QUEUE: "4" } : {};
			await cluster.start({ ...spec, env });
		}
		as = actors(client(cluster.baseUrl));
		flows = flowerFlows(as, 30000);
	});

	afterAll(() => cluster.stopAll());

	/** After things settle: no approved payment without an established order. */
	async function expectNoOrphanPayment(): Promise<void> {
		await flows.wait(
			async () => {
				const orders = new Map((await flows.all(`${API}/orders`)).map(o => [o.id, o.status]));
				return (await flows.all(`${API}/payments`)).filter(p => p.status === "Approved" && !["Placed", "Accepted", "Decorated", "Delivering", "Delivered", "Cancelled", "Rejected"].includes(orders.get(p.orderId)));
			},
			orphans => orphans.length === 0
		);
	}

	it("(e) overloaded payment: placements answer 201 or 503 + Retry-After, reads stay at 100 %, no orphan payment", async () => {
		const statuses = new Map<number, number>();
		const readStatuses = new Map<number, number>();
		let retryAfterMissing = 0;
		const until = Date.now() + 6000;
		const writer = async (i: number) => {
			while (Date.now() < until) {
				const res = await as.customer(`load${i}`).post(`${API}/orders`, { ...seedOrder, userName: `load${i}` });
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
				if (res.status === 503 && !res.headers.get("retry-after")) retryAfterMissing++;
			}
		};
		const reader = async (i: number) => {
			while (Date.now() < until) {
				const res = await (i % 2 ? as.customer("LKJ").get(`${API}/myPages?userName=LKJ`) : as.customer(`load${i}`).get(`${API}/orders?userName=load${i}`));
				readStatuses.set(res.status, (readStatuses.get(res.status) ?? 0) + 1);
			}
		};
		await Promise.all([...Array.from({ length: 30 }, (_, i) => writer(i)), ...Array.from({ length: 4 }, (_, i) => reader(i))]);
		console.log("overload: placement statuses", Object.fromEntries(statuses), "read statuses", Object.fromEntries(readStatuses));
		expect([...statuses.keys()].every(s => s === 201 || s === 503)).toBe(true);
		expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
		expect(retryAfterMissing).toBe(0);
		expect([...readStatuses.keys()]).toEqual([200]);
		await expectNoOrphanPayment();
	});

	it("(e) payment down: 503 + Retry-After, the order is not established, MyPage still answers", async () => {
		await cluster.stop("payment");
		const http = as.customer("nopay");
		const res = await http.post(`${API}/orders`, { ...seedOrder, userName: "nopay" });
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("3");
		expect(res.body).toMatchObject({ code: 503, type: "SERVICE_UNAVAILABLE" });
		const orders = await http.get(`${API}/orders?userName=nopay`);
		expect(orders.body.rows.map((o: { status: string }) => o.status)).toEqual(["PaymentFailed"]);
		expect((await as.customer("LKJ").get(`${API}/myPages?userName=LKJ`)).status).toBe(200);
		expect((await http.get(`${API}/myPages?userName=nopay`)).body.total).toBe(0);
	});

	it("(f) payment slower than the caller's timeout: the circuit opens, and after things settle no payment exists without an established order", async () => {
		await cluster.start({ ...paymentSpec, env: { PAYMENT_LATENCY_MS: "700-800", PAYMENT_CONCURRENCY: "50", PAYMENT_QUEUE: "100" } });
		// A fresh circuit breaker that opens after 5 failed calls within its 5 s window.
		await cluster.restart("order", { CB_MIN_REQUESTS: "5" });
		await flows.wait(() => flows.admin.get(`${API}/orders?pageSize=1`), r => r.status === 200);
		const ids: string[] = [];
		const causes: string[] = [];
		for (let i = 0; i < 14; i++) {
			const res = await as.customer(`slow${i}`).post(`${API}/orders`, { ...seedOrder, userName: `slow${i}` });
			expect(res.status).toBe(503);
			expect(res.headers.get("retry-after")).toBe("3");
			causes.push(res.body.data.cause);
		}
		console.log("slow payment: causes of the 503s", causes.join(" "));
		// Timed-out calls are failures of the payment endpoint: enough of them open the circuit, and the calls
		// after it fail fast without reaching payment.
		expect(causes.slice(0, 5).every(c => c === "REQUEST_TIMEOUT")).toBe(true);
		expect(causes.slice(5)).toContain("SERVICE_NOT_AVAILABLE");

		for (let i = 0; i < 14; i++) ids.push(...(await as.customer(`slow${i}`).get(`${API}/orders?userName=slow${i}`)).body.rows.map((o: { id: string }) => o.id));
		expect(ids).toHaveLength(14);
		await expectNoOrphanPayment();
		// A charge answered after the caller gave up was refunded by compensation; an order whose call never
		// reached payment (circuit open) left a void marker, so a late pay for it would be refused.
		const payments = (await flows.all(`${API}/payments`)).filter(p => ids.includes(p.orderId));
		console.log("slow payment outcomes", payments.map(p => `${p.status}${p.cancelReason ? `/${p.cancelReason}` : ""}`).join(" "));
		expect(payments).toHaveLength(ids.length);
		expect(payments.filter(p => p.status === "Cancelled" && p.cancelReason === "forced").length).toBeGreaterThanOrEqual(5);
		expect(payments.every(p => (p.status === "Cancelled" && p.cancelReason === "forced") || p.status === "Voided")).toBe(true);
	});
});
