/**
 * The product-order mall as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per
 * context (compiled code: `npm run build` first), every check over HTTP through the gateway, in the streams
 * JetStream keeps, and in the consumers' JSON logs (by their fields). The notice context sends through
 * OUTBOUND_PROVIDER=webhook to a server in this test that refuses each message's first attempt.
 */
import { createServer, type Server } from "node:http";
import { connect, type NatsConnection } from "nats";
import { LocalCluster, systemCluster, type ContextSpec } from "../../scripts/cluster";
import type { CustomerCenterRow } from "../../services/productorder/customercenter.view";
import type { Order } from "../../services/productorder/order.domain";
import type { Product } from "../../services/productorder/product.domain";
import { actors, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { handledKeys } from "../support/logs";

const API = "/api/productorder";
const BASE_PORT = 16000;
const WEBHOOK_PORT = BASE_PORT + 150;
const WAIT = 40000;
const ENV = { OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "4000", CHANNEL_BACKOFF_MS: "100" };
const CONTEXTS = systemCluster("productorder");
const seedOrder = { item: "milk", orderQty: "1", status: "ordered", price: "2000" };

interface StoredEvent {
	id: string;
	type: string;
	occurredAt: string;
	data: { orderId: string } & Record<string, unknown>;
}

/** Every event JetStream keeps on the channel `productorder.<type>`. */
async function stored(nc: NatsConnection, type: string): Promise<StoredEvent[]> {
	const jsm = await nc.jetstreamManager();
	const { state } = await jsm.streams.info(`productorder_${type}`);
	const events: StoredEvent[] = [];
	for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
		const msg = await jsm.streams.getMessage(`productorder_${type}`, { seq });
		events.push(JSON.parse(new TextDecoder().decode(msg.data)) as StoredEvent);
	}
	return events;
}

const countBy = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());

describe("product-order cluster: one process per context over NATS JetStream", () => {
	const cluster = new LocalCluster({ basePort: BASE_PORT, env: ENV });
	// The webhook provider: refuses the first attempt of each message, counts what it accepts by Idempotency-Key.
	const attempts = new Map<string, number>();
	const accepted = new Map<string, number>();
	let webhook: Server;
	let as: Actors;
	let buyer: Client;
	let manager: Client;
	let courier: Client;
	let admin: Client;
	let nc: NatsConnection;

	// Product, delivery and notice log the events they handle (debug); the notice context sends through the webhook.
	const spec = (name: string): ContextSpec => {
		const s = CONTEXTS.find(c => c.name === name)!;
		if (name === "notice") return { ...s, env: { LOG_LEVEL: "debug", OUTBOUND_PROVIDER: "webhook", OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${WEBHOOK_PORT}/kakaotalk` } };
		return ["product", "delivery"].includes(name) ? { ...s, env: { LOG_LEVEL: "debug" } } : s;
	};
	const orderOf = async (id: string): Promise<Order> => (await admin.get(`${API}/orders/${id}`)).body;
	const productOf = (itemcd: string) => eventually(() => admin.get(`${API}/products/${itemcd}`), r => r.status === 200, WAIT).then(r => r.body as Product);
	const place = async (body: Record<string, unknown>, who: Client = buyer): Promise<string> => {
		const res = await who.post(`${API}/orders`, body);
		expect([res.status, res.body.status]).toEqual([201, "ordered"]);
		return res.body.id;
	};

	beforeAll(async () => {
		webhook = createServer((req, res) => {
			const key = String(req.headers["idempotency-key"] ?? "");
			req.resume();
			req.on("end", () => {
				const n = (attempts.get(key) ?? 0) + 1;
				attempts.set(key, n);
				if (n === 1) return void res.writeHead(503).end();
				accepted.set(key, (accepted.get(key) ?? 0) + 1);
				res.writeHead(200).end();
			});
		});
		await new Promise<void>(resolve => webhook.listen(WEBHOOK_PORT, "127.0.0.1", resolve));
		await cluster.startServers();
		for (const { name } of CONTEXTS) await cluster.start(spec(name));
		as = actors(client(cluster.baseUrl));
		[buyer, manager, courier] = await Promise.all([as.login("mallbuyer"), as.login("mallmanager"), as.login("mallcourier")]);
		admin = as.admin();
		nc = await connect({ servers: cluster.natsUrl });
	});

	afterAll(async () => {
		await nc?.close();
		await cluster.stopAll();
		await new Promise(resolve => webhook?.close(resolve));
	});

	it("runs the seed's scenario across processes: one fact per step in JetStream, the customer center in Redis, every notice sent once", async () => {
		expect((await manager.post(`${API}/products`, { itemcd: "2", totalQuantity: "100" })).status).toBe(201);
		const res = await buyer.post(`${API}/orders`, { ...seedOrder, itemcd: "2" }, { "X-Request-ID": "mall-cluster-seed" });
		expect(res.status).toBe(201);
		const id: string = res.body.id;
		await eventually(() => buyer.get(`${API}/orders/${id}`), r => r.body.status === "deliveryPrepared", WAIT);
		expect((await productOf("2")).totalQuantity).toBe(99);
		await eventually(() => courier.get(`${API}/deliveries/${id}`), r => r.status === 200 && r.body.status === "prepared", WAIT);
		expect((await courier.post(`${API}/deliveries/${id}/deliverystarted`, { test: "1" })).body.status).toBe("started");
		expect((await courier.post(`${API}/deliveries/${id}/deliverycompleted`, { test: "1" })).body.status).toBe("completed");
		const row = await eventually(() => buyer.get(`${API}/customercenters/${id}`), r => r.status === 200 && r.body.orderStatus === "deliveryCompleted", WAIT);
		expect(row.body as CustomerCenterRow).toMatchObject({ customer: "mallbuyer", deliveryStatus: "completed", payStatus: "approved", itemcd: "2" });
		await eventually(() => buyer.get(`${API}/orders/${id}`), r => r.body.status === "deliveryCompleted", WAIT);

		// One fact per step for this order, in the seed's order, each caused by the one before it.
		const steps = ["Ordered", "PayApproved", "DeliveryPrepared", "DeliveryStarted", "DeliveryCompleted"];
		const stream: StoredEvent[] = [];
		for (const type of steps) {
			const mine = (await stored(nc, type)).filter(e => e.data.orderId === id);
			expect([type, mine.length]).toEqual([type, 1]);
			stream.push(mine[0]);
		}
		expect(stream.map(e => e.occurredAt)).toEqual(stream.map(e => e.occurredAt).sort());
		expect(stream[1].data).toMatchObject({ itemcd: "2", orderQty: 1, customer: "mallbuyer" });
		expect(handledKeys(cluster.logOf("product"), "PayApproved")).toContain("2");
		expect(handledKeys(cluster.logOf("delivery"), "DeliveryPrepared")).toContain(id);
		// The request id of the placement travelled with the events into the product's process.
		expect(cluster.logOf("product")).toContain("mall-cluster-seed");

		// Four notices (ordered, prepared, started, completed): each refused once by the provider, then sent once.
		const notices = await eventually(() => buyer.get(`${API}/notices?orderId=${id}`), r => r.body.total === 4 && r.body.rows.every((n: { status: string }) => n.status === "sent"), WAIT);
		for (const n of notices.body.rows as { id: string; attempts: number }[]) {
			expect({ key: n.id, accepted: accepted.get(n.id), attempts: attempts.get(n.id) }).toEqual({ key: n.id, accepted: 1, attempts: 2 });
			expect(n.attempts).toBe(2);
		}
		expect((await stored(nc, "NoticeSent")).filter(e => e.data.orderId === id)).toHaveLength(4);
	});

	it("with the product context down, paid orders wait; when it returns they are prepared, none lost, none twice", async () => {
		expect((await manager.post(`${API}/products`, { itemcd: "down", totalQuantity: 100 })).status).toBe(201);
		await cluster.stop("product");
		const ids: string[] = [];
		for (let i = 0; i < 8; i++) ids.push(await place({ ...seedOrder, itemcd: "down" }, as.customer(`down${i}`)));
		// Paid and established; the stock waits in JetStream.
		for (const id of ids) await eventually(() => admin.get(`${API}/pays/${id}`), r => r.status === 200 && r.body.status === "approved", WAIT);
		await new Promise(r => setTimeout(r, 1000));
		expect((await Promise.all(ids.map(orderOf))).map(o => o.status)).toEqual(ids.map(() => "ordered"));
		const whileDown = await manager.get(`${API}/products/down`);
		expect(whileDown.status).toBe(503);
		expect(whileDown.headers.get("retry-after")).toBeTruthy();

		await cluster.start(spec("product"));
		for (const id of ids) await eventually(() => orderOf(id), o => o.status === "deliveryPrepared", WAIT);
		const stock = await productOf("down");
		expect(stock).toMatchObject({ totalQuantity: 92, reservedQuantity: 8, stockedQuantity: 100 });
		expect(Object.keys(stock.reservations).sort()).toEqual([...ids].sort());
		// Each order was answered once: one DeliveryPrepared per order in JetStream, one delivery prepared per order.
		const prepared = countBy((await stored(nc, "DeliveryPrepared")).map(e => e.data.orderId).filter(id => ids.includes(id)));
		expect(ids.map(id => prepared.get(id))).toEqual(ids.map(() => 1));
		await eventually(async () => countBy(handledKeys(cluster.logOf("delivery"), "DeliveryPrepared").filter(id => ids.includes(id))), m => m.size === ids.length, WAIT);
		const handled = countBy(handledKeys(cluster.logOf("delivery"), "DeliveryPrepared").filter(id => ids.includes(id)));
		expect(ids.map(id => handled.get(id))).toEqual(ids.map(() => 1));
	});

	it("kill -9 of the product context while 50 orders flow: the stock is conserved (initial = remaining + reserved for the orders still standing)", async () => {
		const INITIAL = 40;
		expect((await manager.post(`${API}/products`, { itemcd: "crash", totalQuantity: INITIAL })).status).toBe(201);
		const ids: string[] = [];
		const cancelled: string[] = [];
		const one = async (i: number) => {
			const who = as.customer(`crash${i}`);
			const id = await place({ ...seedOrder, itemcd: "crash" }, who);
			ids.push(id);
			// Every tenth order is cancelled at once (its units, if any were reserved, come back).
			if (i % 10 === 9) {
				const res = await who.del(`${API}/orders/${id}`);
				if (res.status === 200) cancelled.push(id);
			}
		};
		// Five at a time, so the product has a backlog when it is killed.
		const flowing = (async () => {
			for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 5 }, (_, j) => one(batch * 5 + j)));
		})();
		await eventually(async () => ids.length, n => n >= 15, WAIT);
		await cluster.stop("product", "SIGKILL");
		const atKill = [...ids];
		const answeredAtKill = (await Promise.all(atKill.map(orderOf))).filter(o => o.status !== "ordered").length;
		await flowing;
		await cluster.start(spec("product"));

		const settled = await eventually(
			() => Promise.all(ids.map(orderOf)),
			orders => orders.every(o => o.status === "deliveryPrepared" || o.status === "rejected" || o.status === "canceled"),
			WAIT
		);
		// Let the cancelled orders' units come back (OrderCanceled may still be on its way to the restarted product).
		const standing = settled.filter(o => o.status === "deliveryPrepared");
		const reservedForStanding = standing.reduce((n, o) => n + o.orderQty, 0);
		const stock = await eventually(() => productOf("crash"), p => p.totalQuantity + reservedForStanding === INITIAL && p.reservedQuantity === reservedForStanding, WAIT);
		const rejected = settled.filter(o => o.status === "rejected");
		const canceled = settled.filter(o => o.status === "canceled");
		console.log(
			`kill -9 of product while ${ids.length} orders flowed: initial ${INITIAL} = remaining ${stock.totalQuantity} + reserved ${stock.reservedQuantity} ` +
				`(${standing.length} orders deliveryPrepared, ${rejected.length} rejected, ${canceled.length} cancelled; stocked ${stock.stockedQuantity}; ` +
				`killed after ${atKill.length} orders were placed, ${answeredAtKill} of them answered by then)`
		);
		expect(standing.length + rejected.length + canceled.length).toBe(50);
		expect(stock.totalQuantity).toBeGreaterThanOrEqual(0);
		expect(stock.stockedQuantity).toBe(INITIAL);
		expect(stock.totalQuantity + stock.reservedQuantity).toBe(INITIAL);
		// What the product holds is exactly the standing orders' units; every other order holds nothing.
		const held = Object.entries(stock.reservations).filter(([, r]) => r.status === "reserved").map(([id]) => id);
		expect(held.sort()).toEqual(standing.map(o => o.id).sort());
		for (const o of canceled) expect(stock.reservations[o.id]?.status ?? "canceled").toBe("canceled");
		expect(canceled.map(o => o.id).sort()).toEqual([...cancelled].sort());
		// Rejected only when too few units were left at that moment (a cancel may bring units back afterwards,
		// so the remaining stock now says nothing); their pays cancelled by compensation.
		const refusals = (await stored(nc, "OutOfStock")).filter(e => rejected.some(o => o.id === e.data.orderId));
		expect(refusals.map(e => e.data.orderId).sort()).toEqual(rejected.map(o => o.id).sort());
		for (const e of refusals) expect({ orderId: e.data.orderId, short: Number(e.data.available) < Number(e.data.orderQty) }).toEqual({ orderId: e.data.orderId, short: true });
		for (const o of rejected) await eventually(() => admin.get(`${API}/pays/${o.id}`), r => r.body.status === "canceled", WAIT);
		// One answer per order, in JetStream: never both prepared and refused, never prepared twice.
		const answers = countBy([...(await stored(nc, "DeliveryPrepared")), ...(await stored(nc, "OutOfStock"))].map(e => e.data.orderId).filter(id => ids.includes(id)));
		expect([...answers.values()].every(n => n === 1)).toBe(true);
	});
});
