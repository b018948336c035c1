/**
 * The mall's notices through a provider that fails: OUTBOUND_PROVIDER=webhook pointed at a real HTTP server
 * in this test, which refuses the first attempts of every message and counts the ones it accepts by their
 * Idempotency-Key. Every notice arrives, each exactly once per key, after being tried again (the event is
 * redelivered); none is lost and none is doubled. One broker in process, HTTP through the real gateway.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { config } from "../../config";
import { actors, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { client, eventually, type Client } from "../support/http";

const API = "/api/productorder";
/** Attempts refused per message before the provider accepts it. */
const FAILURES = 2;

let server: Server;
const attempts = new Map<string, number>();
const accepted = new Map<string, number>();
const bodies = new Map<string, { recipient: string; text: string; channel: string }>();
let as: Actors;
let stop: () => Promise<void>;
let outbound: typeof config.outbound;
let logLevel: typeof config.logLevel;

beforeAll(async () => {
	server = createServer((req, res) => {
		const key = String(req.headers["idempotency-key"] ?? "");
		let raw = "";
		req.on("data", chunk => (raw += chunk));
		req.on("end", () => {
			const n = (attempts.get(key) ?? 0) + 1;
			attempts.set(key, n);
			if (!key || n <= FAILURES) {
				res.writeHead(503).end();
				return;
			}
			accepted.set(key, (accepted.get(key) ?? 0) + 1);
			bodies.set(key, JSON.parse(raw));
			res.writeHead(202).end();
		});
	});
	await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
	outbound = config.outbound;
	// What OUTBOUND_PROVIDER=webhook OUTBOUND_WEBHOOK_URL=… give (config/index.ts), read by the notice context as it starts.
	config.outbound = { provider: "webhook", webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`, timeoutMs: 2000 };
	// Each refused send is logged as a warning (and redelivered): only errors here.
	logLevel = config.logLevel;
	config.logLevel = "error";
	const app = await startEmbedded(systemSchemas("productorder"));
	as = actors(client(app.baseUrl));
	stop = app.stop;
});

afterAll(async () => {
	await stop?.();
	config.outbound = outbound;
	config.logLevel = logLevel;
	await new Promise(resolve => server.close(resolve));
});

describe("product-order notices through a failing provider", () => {
	it("every status change is told once: retried after the provider's failures, one delivery per Idempotency-Key", async () => {
		const manager = as.store("MALL");
		const courier = as.rider();
		const buyer: Client = as.customer("noticebuyer");
		expect((await manager.post(`${API}/products`, { itemcd: "n1", totalQuantity: 5 })).status).toBe(201);
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) {
			const res = await buyer.post(`${API}/orders`, { item: "milk", orderQty: "1", price: "2000", itemcd: "n1" });
			expect(res.status).toBe(201);
			ids.push(res.body.id);
		}
		// One delivered, one cancelled while prepared, one left prepared.
		for (const id of ids) await eventually(() => buyer.get(`${API}/orders/${id}`), r => r.body.status === "deliveryPrepared");
		expect((await courier.post(`${API}/deliveries/${ids[0]}/deliverystarted`, { test: 1 })).status).toBe(200);
		expect((await courier.post(`${API}/deliveries/${ids[0]}/deliverycompleted`, { test: 1 })).status).toBe(200);
		expect((await buyer.del(`${API}/orders/${ids[1]}`)).status).toBe(200);

		const expected: Record<string, string[]> = {
			[ids[0]]: ["DeliveryCompleted", "DeliveryPrepared", "DeliveryStarted", "Ordered"],
			[ids[1]]: ["DeliveryCanceled", "DeliveryPrepared", "OrderCanceled", "Ordered"],
			[ids[2]]: ["DeliveryPrepared", "Ordered"]
		};
		const notices: { id: string; orderId: string; eventType: string; status: string; attempts: number; message: string }[] = [];
		for (const id of ids) {
			const res = await eventually(
				() => buyer.get(`${API}/notices?orderId=${id}`),
				r => r.body.total === expected[id].length && r.body.rows.every((n: { status: string }) => n.status === "sent"),
				30000
			);
			expect(res.body.rows.map((n: { eventType: string }) => n.eventType).sort()).toEqual(expected[id]);
			notices.push(...res.body.rows);
		}
		await new Promise(r => setTimeout(r, 500)); // nothing more comes

		// Each notice reached the provider under its own key, was refused FAILURES times, then accepted once.
		expect([...accepted.keys()].sort()).toEqual(notices.map(n => n.id).sort());
		for (const n of notices) {
			expect({ key: n.id, accepted: accepted.get(n.id), attempts: attempts.get(n.id) }).toEqual({ key: n.id, accepted: 1, attempts: FAILURES + 1 });
			expect(n.attempts).toBe(FAILURES + 1);
			expect(bodies.get(n.id)).toMatchObject({ recipient: "noticebuyer", channel: "productorder.kakaotalk", text: n.message });
			expect(n.message).toMatch(/[가-힣]/);
		}
		expect((await buyer.get(`${API}/notices?pageSize=100`)).body.total).toBe(notices.length);
	});
});
