/**
 * Fish delivery as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per context
 * (compiled code: `npm run build` first). Checked over HTTP through the gateway, in the consumers' debug
 * logs (the `handled` and `key` fields of their JSON lines) and in the event streams JetStream keeps.
 */
import { connect, type NatsConnection } from "nats";
import type { MyPageRow } from "../../services/fishdelivery/mypage.view";
import { FISH_DELIVERY, LocalCluster, type ContextSpec } from "../../scripts/cluster";
import { actors, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { handledKeys } from "../support/logs";

const API = "/api/fishdelivery";
const ENV = { OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "4000", CHANNEL_BACKOFF_MS: "100" };
const seedOrder = { customerName: "HanYongsun", fishName: "flatfish", qty: "1", telephone: "01012341234", address: "kyungkido sungnamsi" };
const WAIT = 30000;

interface StoredEvent {
	id: string;
	type: string;
	occurredAt: string;
	data: { orderId: string } & Record<string, unknown>;
}

/** The ids of the orders a context's log says it handled an event of `type` for (one entry per handling; test/support/logs.ts). */
const handled = handledKeys;

/** Every event JetStream keeps on the channel `fishdelivery.<type>`. */
async function stored(nc: NatsConnection, type: string): Promise<StoredEvent[]> {
	const jsm = await nc.jetstreamManager();
	const stream = `fishdelivery_${type}`;
	const { state } = await jsm.streams.info(stream);
	const events: StoredEvent[] = [];
	for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
		const msg = await jsm.streams.getMessage(stream, { seq });
		events.push(JSON.parse(new TextDecoder().decode(msg.data)) as StoredEvent);
	}
	return events;
}

describe("fish delivery cluster: one process per context over NATS JetStream", () => {
	const cluster = new LocalCluster({ basePort: 15200, env: ENV });
	// The customer HanYongsun (logged in with the password grant), the shop owner, the rider; polling reads as admin.
	let as: Actors;
	let http: Client;
	let shop: Client;
	let rider: Client;
	let admin: Client;
	let nc: NatsConnection;

	// Every context logs the events it handles (debug); the gateway stays at info.
	const spec = (name: string): ContextSpec => {
		const s = FISH_DELIVERY.find(c => c.name === name)!;
		return name === "gateway" ? s : { ...s, env: { LOG_LEVEL: "debug" } };
	};
	const place = async (body: Record<string, unknown>, headers?: Record<string, string>): Promise<string> => {
		const res = await as.customer(String(body.customerName)).post(`${API}/orders`, body, headers);
		expect(res.status).toBe(201);
		return res.body.id;
	};
	const received = (id: string) => eventually(() => shop.get(`${API}/fishstores/${id}`), r => r.status === 200 && r.body.status === "Received", WAIT);
	const myPage = (id: string, accept: (row: MyPageRow) => boolean) => eventually(() => admin.get(`${API}/myPages/${id}`), r => r.status === 200 && accept(r.body), WAIT);
	const takeSeedWay = (id: string) => shop.request("PATCH", `${API}/fishstores/${id}`, { status: "prepared" });

	beforeAll(async () => {
		await cluster.startServers();
		for (const { name } of FISH_DELIVERY) await cluster.start(spec(name));
		as = actors(client(cluster.baseUrl));
		http = await as.login("HanYongsun");
		[shop, rider, admin] = [as.store(), as.rider(), as.admin()];
		nc = await connect({ servers: cluster.natsUrl });
	});

	afterAll(async () => {
		await nc?.close();
		await cluster.stopAll();
	});

	it("tells the seed's event stream for one order: OrderPlaced, PayApproved, OrderTaken, DeliveryStarted", async () => {
		const placed = await http.post(`${API}/orders`, seedOrder, { "X-Request-ID": "fish-cluster-seed" });
		expect(placed.status).toBe(201);
		const id: string = placed.body.id;
		await received(id);
		const taken = await takeSeedWay(id);
		expect(taken.status).toBe(200);
		expect(taken.body.status).toBe("Taken");

		const row = await myPage(id, r => r.status === "Delivering" && r.deliveryStatus === "Started" && r.paymentStatus === "Approved");
		expect(row.body).toMatchObject({ orderId: id, customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" });
		const order = await eventually(() => http.get(`${API}/orders/${id}`), r => r.body.status === "Delivering", WAIT);
		expect(order.body.telephone).toBe("01012341234");

		// Each fact is caused by the one before it, in the context that consumes it…
		expect(handled(cluster.logOf("payment"), "OrderPlaced")).toContain(id);
		expect(handled(cluster.logOf("fishstore"), "PayApproved")).toContain(id);
		expect(handled(cluster.logOf("delivery"), "OrderTaken")).toContain(id);
		const seen = cluster.logOf("mypage");
		for (const type of ["OrderPlaced", "PayApproved", "OrderTaken", "DeliveryStarted"]) expect(handled(seen, type)).toContain(id);

		// …and JetStream keeps the stream once per fact, in the seed's order, every message carrying orderId.
		const stream: StoredEvent[] = [];
		for (const type of ["OrderPlaced", "PayApproved", "OrderTaken", "DeliveryStarted"]) {
			const mine = (await stored(nc, type)).filter(e => e.data.orderId === id);
			expect(mine).toHaveLength(1);
			stream.push(mine[0]);
		}
		expect(stream.map(e => e.type)).toEqual(["OrderPlaced", "PayApproved", "OrderTaken", "DeliveryStarted"]);
		const times = stream.map(e => e.occurredAt);
		expect([...times].sort()).toEqual(times);
		expect(stream[0].data).toMatchObject({ telephone: "01012341234", qty: 1 });
	});

	it("with the delivery context down, taken orders start their delivery when it comes back: none lost, none twice", async () => {
		await cluster.stop("delivery");
		const ids: string[] = [];
		for (let i = 0; i < 6; i++) ids.push(await place({ ...seedOrder, customerName: `catchup${i}` }));
		for (const id of ids) {
			await received(id);
			expect((await takeSeedWay(id)).status).toBe(200);
		}
		// The shop works on; the deliveries wait in JetStream.
		for (const id of ids) await myPage(id, r => r.status === "Taken");
		const whileDown = await rider.get(`${API}/deliveries?customerName=catchup0`);
		expect(whileDown.status).toBe(503);
		expect(whileDown.headers.get("retry-after")).toBeTruthy();
		expect(handled(cluster.logOf("delivery"), "OrderTaken").filter(id => ids.includes(id))).toEqual([]);

		await cluster.start(spec("delivery"));
		for (const id of ids) await myPage(id, r => r.status === "Delivering" && r.deliveryStatus === "Started");
		// The gateway discovers the process shortly after it is ready.
		for (const id of ids) await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.status === 200 && r.body.status === "Started", WAIT);

		// A graceful restart afterwards redelivers nothing that was acknowledged.
		await cluster.restart("delivery");
		await new Promise(r => setTimeout(r, 2000));
		const handledOnce = handled(cluster.logOf("delivery"), "OrderTaken").filter(id => ids.includes(id));
		expect([...handledOnce].sort()).toEqual([...ids].sort());
		const started = (await stored(nc, "DeliveryStarted")).filter(e => ids.includes(e.data.orderId));
		expect(started.map(e => e.data.orderId).sort()).toEqual([...ids].sort());

		// The rider completes one of them; MyPage and the order follow.
		await eventually(() => rider.get(`${API}/deliveries/${ids[0]}`), r => r.status === 200, WAIT);
		expect((await rider.post(`${API}/deliveries/${ids[0]}/complete`)).body.status).toBe("Completed");
		await myPage(ids[0], r => r.status === "Delivered");
	});

	it("a cancellation reaches payment, shop and delivery across processes", async () => {
		const id = await place({ ...seedOrder, customerName: "cluster-cancel" });
		const customer = as.customer("cluster-cancel");
		await received(id);
		const res = await customer.del(`${API}/orders/${id}`);
		expect(res.status).toBe(200);
		await eventually(() => customer.get(`${API}/payments/${id}`), r => r.body.status === "Canceled", WAIT);
		await eventually(() => shop.get(`${API}/fishstores/${id}`), r => r.body.status === "Canceled", WAIT);
		await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.body.status === "Canceled", WAIT);
		await myPage(id, r => r.status === "Canceled" && r.paymentStatus === "Canceled");
		expect(handled(cluster.logOf("fishstore"), "OrderCanceled")).toContain(id);
	});

	it("access rules hold across processes; with the identity context down, issued tokens keep working and only new logins wait (503)", async () => {
		const id = await place({ ...seedOrder, customerName: "HanYongsun" });
		// The caller travels with the request to the context's own process, where its rule is checked.
		expect((await as.customer("mallory").get(`${API}/orders/${id}`)).status).toBe(403);
		expect((await as.customer("mallory").del(`${API}/orders/${id}`)).status).toBe(403);
		expect((await rider.post(`${API}/orders`, seedOrder)).status).toBe(403);
		expect((await as.customer("mallory").get(`${API}/orders`)).body.total).toBe(0);

		await cluster.stop("identity");
		expect((await http.get(`${API}/orders/${id}`)).status).toBe(200); // the gateway verifies with the keys it holds
		const login = await as.admin().request("POST", "/oauth/token", { grant_type: "password", username: "HanYongsun", password: "han-demo-pw" });
		expect(login.status).toBe(503);
		expect(login.headers.get("retry-after")).toBeTruthy();

		// Restarted, it signs with the same configured key: old and new tokens verify alike.
		await cluster.start(FISH_DELIVERY.find(c => c.name === "identity")!);
		const again = await eventually(() => as.login("HanYongsun"), () => true, WAIT);
		expect((await again.get(`${API}/orders/${id}`)).status).toBe(200);
		expect((await http.get(`${API}/orders/${id}`)).status).toBe(200);
	});
});
