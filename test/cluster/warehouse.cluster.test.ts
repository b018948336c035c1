/**
 * The warehouse as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per context
 * (compiled code: `npm run build` first). Checked over HTTP through the gateway, in the event streams
 * JetStream keeps, in the stock view's Redis rows, in the consumers' JSON logs (their `handled`/`key` fields),
 * and at a real local HTTP server standing in for the KakaoTalk provider (OUTBOUND_PROVIDER=webhook), which
 * fails the first attempts of every message and counts them by Idempotency-Key.
 */
import { createServer, type Server } from "node:http";
import Redis from "ioredis";
import { connect, type NatsConnection } from "nats";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import { LocalCluster, systemCluster, type ContextSpec } from "../../scripts/cluster";
import { actors, mint, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { handledKeys } from "../support/logs";

const API = "/api/warehouse";
const BASE_PORT = 16400;
const WEBHOOK_PORT = BASE_PORT + 150;
/** Each message's first attempts at the provider fail (503): it must be retried, and delivered once. */
const FAILS_PER_MESSAGE = 2;
const WAIT = 30000;
const ENV = { OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "4000", CHANNEL_BACKOFF_MS: "100", RETRY_AFTER_SECONDS: "2", SYNC_STEP_TIMEOUT_MS: "3000" };
const WAREHOUSE = systemCluster("warehouse");

interface StoredEvent {
	id: string;
	type: string;
	data: { deliveryId?: string; stockId: string } & Record<string, unknown>;
}

/** Every event JetStream keeps on the channel `warehouse.<type>`. */
async function stored(nc: NatsConnection, type: string): Promise<StoredEvent[]> {
	const jsm = await nc.jetstreamManager();
	const { state } = await jsm.streams.info(`warehouse_${type}`);
	const events: StoredEvent[] = [];
	for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
		const msg = await jsm.streams.getMessage(`warehouse_${type}`, { seq });
		events.push(JSON.parse(new TextDecoder().decode(msg.data)) as StoredEvent);
	}
	return events;
}

/** The stand-in provider: attempts and deliveries by Idempotency-Key. */
function provider() {
	const attempts = new Map<string, number>();
	const delivered = new Map<string, number>();
	const server: Server = createServer((req, res) => {
		const key = String(req.headers["idempotency-key"] ?? "");
		req.resume();
		req.on("end", () => {
			const n = (attempts.get(key) ?? 0) + 1;
			attempts.set(key, n);
			if (n <= FAILS_PER_MESSAGE) {
				res.writeHead(503).end();
				return;
			}
			delivered.set(key, (delivered.get(key) ?? 0) + 1);
			res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
		});
	});
	return { server, attempts, delivered };
}

describe("warehouse cluster: one process per context over NATS JetStream, Redis, a flaky KakaoTalk provider", () => {
	const kakao = provider();
	const cluster = new LocalCluster({ basePort: BASE_PORT, env: ENV });
	let as: Actors;
	let staff: Client;
	let admin: Client;
	let nc: NatsConnection;
	let redis: Redis;

	const spec = (name: string): ContextSpec => {
		const s = WAREHOUSE.find(c => c.name === name)!;
		if (name === "notification") return { ...s, env: { OUTBOUND_PROVIDER: "webhook", OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/kakaotalk` } };
		return name === "delivery" ? { ...s, env: { LOG_LEVEL: "debug" } } : s;
	};
	const request = async (customer: string, product: string, qty: number): Promise<InboundDelivery> => {
		const res = await as.customer(customer).post(`${API}/deliveries`, { product, qty: String(qty) });
		expect(res.status).toBe(201);
		return res.body;
	};
	const delivery = async (id: string): Promise<InboundDelivery> => (await admin.get(`${API}/deliveries/${id}`)).body;
	const stockOf = async (stockId: string): Promise<Stock | null> => {
		const res = await admin.get(`${API}/warehouses/${stockId}`);
		return res.status === 200 ? res.body : null;
	};
	const messagesOf = (customer: string) => admin.get(`${API}/notifications?customer=${customer}&pageSize=100`).then(r => r.body.rows as { id: string; kind: string; refId: string; status: string; attempts: number }[]);

	beforeAll(async () => {
		await new Promise<void>(resolve => kakao.server.listen(WEBHOOK_PORT, "127.0.0.1", resolve));
		await cluster.startServers();
		for (const { name } of WAREHOUSE) await cluster.start(spec(name));
		as = actors(client(cluster.baseUrl));
		staff = await as.login("whstaff");
		admin = as.admin();
		nc = await connect({ servers: cluster.natsUrl });
		redis = new Redis(cluster.redisUrl!);
	});

	afterAll(async () => {
		await nc?.close();
		await redis?.quit();
		await cluster.stopAll();
		await new Promise(resolve => kakao.server.close(resolve));
	});

	it("the scenario across processes: received = booked, shipped, disposed; one message per change, retried until the provider takes it, never two; the view in Redis", async () => {
		const customer = await as.login("gildong");
		const d = (await customer.post(`${API}/deliveries`, { product: "사과", qty: "10" })).body as InboundDelivery;
		const got = await staff.post(`${API}/deliveries/${d.id}/receive`);
		expect([got.status, got.body.status, got.body.stockId]).toEqual([200, "received", d.stockId]);
		expect((await customer.post(`${API}/warehouses/${d.stockId}/ship`, { qty: 3 })).body.quantity).toBe(7);
		expect((await staff.post(`${API}/warehouses/${d.stockId}/dispose`, { qty: 2, reason: "파손" })).body.quantity).toBe(5);

		// Four changes, four messages: each failed FAILS_PER_MESSAGE times at the provider, was redelivered, and went out once.
		const messages = await eventually(() => messagesOf("gildong"), rows => rows.length === 4 && rows.every(m => m.status === "sent"), WAIT);
		expect(messages.map(m => m.kind).sort()).toEqual(["DeliveryRequested", "Disposed", "InStock", "Shipped"]);
		for (const m of messages) {
			expect({ id: m.id, attempts: kakao.attempts.get(m.id), delivered: kakao.delivered.get(m.id), recorded: m.attempts }).toEqual({ id: m.id, attempts: FAILS_PER_MESSAGE + 1, delivered: 1, recorded: FAILS_PER_MESSAGE + 1 });
		}
		const sent = await eventually(() => stored(nc, "MessageSent"), events => messages.every(m => events.some(e => e.data.messageId === m.id)), WAIT);
		expect(sent.filter(e => messages.some(m => m.id === e.data.messageId))).toHaveLength(4);

		// The stock view, in Redis, from events only.
		const row = await eventually(() => customer.get(`${API}/stocks/${d.stockId}`), r => r.status === 200 && r.body.quantity === 5 && r.body.disposed === 2, WAIT);
		expect(row.body).toMatchObject({ received: 10, shipped: 3, disposed: 2, incoming: 0 });
		expect(JSON.parse((await redis.get(`view:warehouse.stockview:row:${d.stockId}`)) ?? "null")).toMatchObject({ stockId: d.stockId, quantity: 5 });
	});

	it("with the warehouse, notification and stockview down, deliveries are still requested; receive answers 503 + Retry-After and they stay requested; back, they are received and everything catches up", async () => {
		for (const name of ["warehouse", "notification", "stockview"]) await cluster.stop(name);
		const ds = [await request("isolated", "쌀", 2), await request("isolated", "쌀", 3), await request("isolated", "콩", 1)];
		for (const d of ds) {
			const res = await staff.post(`${API}/deliveries/${d.id}/receive`);
			expect([res.status, res.headers.get("retry-after"), res.body.type]).toEqual([503, "2", "SERVICE_UNAVAILABLE"]);
			expect((await delivery(d.id)).status).toBe("requested");
		}
		for (const name of ["warehouse", "notification", "stockview"]) await cluster.start(spec(name));
		for (const d of ds) {
			// The delivery's broker discovers the warehouse a moment after it is ready.
			const res = await eventually(() => staff.post(`${API}/deliveries/${d.id}/receive`), r => r.status !== 503, WAIT);
			expect([res.status, res.body.status, res.body.stockId]).toEqual([200, "received", d.stockId]);
		}
		expect((await stockOf(ds[0].stockId))?.quantity).toBe(5);
		// What was told while they were down is caught up: the requests' messages, the view.
		const rows = await eventually(() => messagesOf("isolated"), r => r.length === 6 && r.every(m => m.status === "sent"), WAIT);
		expect(rows.map(m => m.kind).sort()).toEqual(["DeliveryRequested", "DeliveryRequested", "DeliveryRequested", "InStock", "InStock", "InStock"]);
		await eventually(() => as.customer("isolated").get(`${API}/stocks?customer=isolated`), r => r.body.total === 2 && r.body.rows.every((s: { incoming: number }) => s.incoming === 0), WAIT);
	});

	it("kill -9 of the warehouse during 100 receives: after settling every delivery is received with its stock booked once, or still requested — never booked without being received", async () => {
		const customers = Array.from({ length: 10 }, (_, i) => `bulk${i}`);
		const ds: InboundDelivery[] = [];
		for (let i = 0; i < 100; i += 10) ds.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => request(customers[(i + j) % 10], (i + j) % 3 ? "사과" : "배", 1 + ((i + j) % 4))))));
		const answers = new Map<string, number>();
		let next = 0;
		let killed = false;
		const restarted = (async () => {
			await eventually(async () => answers.size, n => n >= 25, WAIT, 5);
			await cluster.stop("warehouse", "SIGKILL");
			killed = true;
			await cluster.start(spec("warehouse"));
		})();
		const worker = async () => {
			while (next < ds.length) {
				const d = ds[next++];
				const res = await staff.post(`${API}/deliveries/${d.id}/receive`);
				answers.set(d.id, res.status);
			}
		};
		await Promise.all(Array.from({ length: 8 }, worker));
		await restarted;
		expect(killed).toBe(true);
		const statuses = [...answers.values()];
		const count = (s: number) => statuses.filter(x => x === s).length;
		expect(statuses.every(s => s === 200 || s === 503 || s === 504)).toBe(true);

		// Settle: whatever the warehouse booked (its outbox survived the kill) reaches the deliveries as InStock.
		const stockIds = [...new Set(ds.map(d => d.stockId))];
		const books = async () => new Map((await Promise.all(stockIds.map(async id => [id, await stockOf(id)] as const))).filter((e): e is readonly [string, Stock] => e[1] !== null));
		const bookedIds = (stocks: Map<string, Stock>) => new Set([...stocks.values()].flatMap(s => s.bookings.map(b => b.deliveryId)));
		const consistent = async () => {
			const stocks = await books();
			const booked = bookedIds(stocks);
			const states = await Promise.all(ds.map(d => delivery(d.id)));
			return { stocks, booked, states, ok: states.every(s => (s.status === "received") === booked.has(s.id)) };
		};
		const settled = await eventually(consistent, c => c.ok, WAIT, 300);
		for (const [id, s] of settled.stocks) {
			const ids = s.bookings.map(b => b.deliveryId);
			expect({ id, unique: new Set(ids).size }).toEqual({ id, unique: ids.length }); // booked once each
			const mine = ds.filter(d => d.stockId === id && ids.includes(d.id));
			expect({ id, quantity: s.quantity }).toEqual({ id, quantity: mine.reduce((sum, d) => sum + d.qty, 0) });
		}
		for (const d of ds) {
			const state = settled.states.find(s => s.id === d.id)!;
			if (answers.get(d.id) === 200) expect({ id: d.id, status: state.status }).toEqual({ id: d.id, status: "received" });
			if (answers.get(d.id) === 503) expect({ id: d.id, status: state.status, booked: settled.booked.has(d.id) }).toEqual({ id: d.id, status: "requested", booked: false }); // not done: nothing booked
		}
		const receivedAfterSettling = settled.states.filter(s => s.status === "received").length;
		const byInStock = ds.filter(d => answers.get(d.id) !== 200 && settled.booked.has(d.id)).length;
		console.log(
			`kill -9 during 100 receives: answers 200×${count(200)} 503×${count(503)} 504×${count(504)}; after settling ${receivedAfterSettling} received (${byInStock} of them by their InStock, without a retry), ${100 - receivedAfterSettling} still requested, 0 booked without being received`
		);

		// The rest are received when staff try again; each booked once.
		for (const d of ds.filter(x => settled.states.find(s => s.id === x.id)!.status === "requested")) {
			const res = await eventually(() => staff.post(`${API}/deliveries/${d.id}/receive`), r => r.status === 200, WAIT);
			expect(res.body.status).toBe("received");
		}
		const final = await books();
		expect(bookedIds(final).size).toBe(100);
		for (const [id, s] of final) expect({ id, quantity: s.quantity, bookings: s.bookings.length }).toEqual({ id, quantity: ds.filter(d => d.stockId === id).reduce((sum, d) => sum + d.qty, 0), bookings: ds.filter(d => d.stockId === id).length });
		// JetStream keeps one InStock and one DeliveryReceived per delivery; the delivery's log handled an InStock for each booked one.
		const inStock = (await stored(nc, "InStock")).filter(e => ds.some(d => d.id === e.data.deliveryId));
		const receivedEvents = (await eventually(() => stored(nc, "DeliveryReceived"), evs => evs.filter(e => ds.some(d => d.id === e.data.deliveryId)).length >= 100, WAIT)).filter(e => ds.some(d => d.id === e.data.deliveryId));
		expect([inStock.length, new Set(inStock.map(e => e.data.deliveryId)).size]).toEqual([100, 100]);
		expect([receivedEvents.length, new Set(receivedEvents.map(e => e.data.deliveryId)).size]).toEqual([100, 100]);
		const handled = new Set(handledKeys(cluster.logOf("delivery"), "InStock"));
		expect(ds.filter(d => !handled.has(d.id))).toEqual([]);
		// One receipt message per delivery, however often the provider failed and the process died.
		const messages = await eventually(
			async () => (await Promise.all(customers.map(messagesOf))).flat().filter(m => m.kind === "InStock"),
			rows => rows.length >= 100 && rows.every(m => m.status === "sent"),
			WAIT
		);
		expect([messages.length, new Set(messages.map(m => m.refId)).size]).toEqual([100, 100]);
		expect(messages.every(m => kakao.delivered.get(m.id) === 1)).toBe(true);
		// A receipt after all this is still booked once (the 200 of an idempotent booking)
		const token = mint({ sub: "staff2", roles: ["warehouse"] });
		expect((await as.customer("bulk0").get(`${API}/deliveries/${ds[0].id}`)).body.status).toBe("received");
		expect((await client(cluster.baseUrl).as(token).post(`${API}/deliveries/${ds[0].id}/receive`)).body.data.status).toBe("received");
	});
});
