/**
 * The timeline, the console's stream and the panel of contexts, in one broker with every system, over HTTP
 * through the real gateway: a flower order's saga with every consumer's notice, who may read which saga, the
 * recent sagas of a customer and of an admin, a poison message shown failed and dead-lettered (listed for
 * admins, counted for everyone), the live stream (token in the query, a customer's stream carries their own
 * sagas only), and nodes, services, breakers and lag.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import type { IncomingMessage } from "node:http";
import { publishToChannel } from "../../middlewares/channels";
import { takeStreamToken } from "../../services/gateway/console";
import operations from "../../services/operations/operations.service";
import timeline from "../../services/timeline/timeline.service";
import type { TimelineView } from "../../services/timeline/timeline.view";
import { actors, mint, type Actors } from "../support/auth";
import { SYSTEMS } from "../../services/systems";
import { allSchemas, startEmbedded } from "../support/embedded";
import { API, flowerFlows, seedOrder } from "../support/flower-flows";
import { client, eventually, type Client } from "../support/http";
import { openSse } from "../support/sse";

const TL = "/api/timeline";
let http: Client;
let as: Actors;
let flows: ReturnType<typeof flowerFlows>;
let broker: ServiceBroker;
let baseUrl: string;
let stop: () => Promise<void>;

beforeAll(async () => {
	const app = await startEmbedded([...allSchemas, timeline as ServiceSchema, operations as ServiceSchema]);
	({ broker, baseUrl, stop } = app);
	http = client(baseUrl);
	as = actors(http);
	flows = flowerFlows(as);
});
afterAll(() => stop());

/** The saga `key` of flower delivery as `who` reads it, once `accept` holds. */
const sagaOf = (who: Client, key: string, accept: (t: TimelineView) => boolean = () => true) => eventually(() => who.get<TimelineView>(`${TL}/flowerdelivery/${key}`), r => r.status === 200 && accept(r.body)).then(r => r.body);

describe("the timeline of a saga", () => {
	it("folds a flower order's facts in the order they happened, with their producers, and every consumer's notice", async () => {
		const id = await flows.seedScenario(`timeline-${randomUUID()}`);
		const lkj = await as.login("LKJ");
		const saga = await sagaOf(lkj, id, t => t.last === "DeliveryCompleted" && t.waiting === 0);
		expect(saga.entries.map(e => e.type)).toEqual(["PaymentApproved", "OrderPlaced", "OrderAccepted", "DecorationCompleted", "DeliveryRequested", "DeliveryStarted", "DeliveryCompleted"]);
		expect(saga.entries.map(e => e.producer)).toEqual(["payment", "order", "store", "store", "delivery", "delivery", "delivery"]);
		expect(saga).toMatchObject({ id: `flowerdelivery:${id}`, system: "flowerdelivery", keyField: "orderId", key: id, owner: "LKJ", pivotPassed: true, compensated: false, failing: 0, deadLettered: 0, dropped: 0 });
		const placed = saga.entries[1];
		expect(placed.consumers).toEqual(["store", "mypage"]);
		expect(placed.outcomes).toEqual({ store: expect.objectContaining({ outcome: "handled" }), mypage: expect.objectContaining({ outcome: "handled" }) });
		expect(saga.entries.every(e => e.keys.orderId === id && e.consumers.every(c => e.outcomes[c]?.outcome === "handled"))).toBe(true);
		for (let i = 1; i < saga.entries.length; i++) expect(saga.entries[i - 1].at <= saga.entries[i].at).toBe(true);
		expect(saga).not.toHaveProperty("early");
	});

	it("marks a compensation: a cancelled order's refund and the store's cancel", async () => {
		const id = await flows.place({ ...seedOrder, userName: "timeline-canceller" });
		const customer = as.customer("timeline-canceller");
		await flows.storeOrder(id);
		expect((await customer.del(`${API}/orders/${id}`)).status).toBe(200);
		const saga = await sagaOf(customer, id, t => t.entries.some(e => e.type === "PaymentCancelled") && t.waiting === 0);
		expect(saga.compensated).toBe(true);
		expect(saga.entries.find(e => e.type === "OrderCancelled")).toMatchObject({ compensates: "OrderPlaced", producer: "order", consumers: ["payment", "store", "delivery", "mypage"] });
	});

	it("is read by an admin or by the customer it belongs to: another customer 403, no token 401, other roles 403, an unknown system 422, an unknown key 404", async () => {
		const id = await flows.place({ ...seedOrder, userName: "owner-one" });
		await sagaOf(as.customer("owner-one"), id);
		expect((await as.admin().get(`${TL}/flowerdelivery/${id}`)).status).toBe(200);
		expect((await as.customer("owner-two").get(`${TL}/flowerdelivery/${id}`)).status).toBe(403);
		expect((await as.store().get(`${TL}/flowerdelivery/${id}`)).status).toBe(403);
		expect((await as.rider().get(`${TL}/flowerdelivery/${id}`)).status).toBe(403);
		const anonymous = await http.get(`${TL}/flowerdelivery/${id}`);
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
		const unknownSystem = await as.admin().get(`${TL}/nosuchsystem/${id}`);
		expect(unknownSystem.status).toBe(422);
		expect(unknownSystem.body.data[0].field).toBe("system");
		expect((await as.admin().get(`${TL}/flowerdelivery/${randomUUID()}`)).status).toBe(404);
		expect((await as.admin().get(`${TL}/flowerdelivery/${id}?extra=1`)).status).toBe(422);
	});

	it("lists recent sagas, newest first, without their facts: a customer their own, an admin all (or one customer's)", async () => {
		const mine = [await flows.place({ ...seedOrder, userName: "lister" }), await flows.place({ ...seedOrder, userName: "lister" })];
		const other = await flows.place({ ...seedOrder, userName: "not-lister" });
		const lister = as.customer("lister");
		const page = await eventually(() => lister.get(`${TL}/flowerdelivery?pageSize=100`), r => r.status === 200 && mine.every(id => r.body.rows.some((s: { key: string }) => s.key === id)));
		expect(page.body.rows.every((s: { owner: string }) => s.owner === "lister")).toBe(true);
		expect(page.body.rows.some((s: { key: string }) => s.key === other)).toBe(false);
		expect(page.body.rows[0]).not.toHaveProperty("entries");
		expect(page.body.rows[0]).toMatchObject({ system: "flowerdelivery", facts: expect.any(Number), last: expect.any(String) });
		const times = page.body.rows.map((s: { updatedAt: string }) => s.updatedAt);
		expect([...times].sort().reverse()).toEqual(times);
		expect((await lister.get(`${TL}/flowerdelivery?owner=not-lister`)).status).toBe(403);

		const all = await eventually(() => as.admin().get(`${TL}/flowerdelivery?pageSize=100`), r => r.status === 200 && r.body.rows.some((s: { key: string }) => s.key === other));
		expect(new Set(all.body.rows.map((s: { owner: string }) => s.owner)).size).toBeGreaterThan(1);
		const one = await as.admin().get(`${TL}/flowerdelivery?owner=lister&pageSize=100`);
		expect(one.body.rows.map((s: { key: string }) => s.key).sort()).toEqual(expect.arrayContaining(mine));
		expect(one.body.rows.every((s: { owner: string }) => s.owner === "lister")).toBe(true);
	});

	it("names the systems and their saga tables", async () => {
		const res = await as.customer("LKJ").get(TL);
		expect(res.status).toBe(200);
		expect(res.body.map((s: { name: string }) => s.name)).toEqual(SYSTEMS.map(s => s.name));
		expect(SYSTEMS.map(s => s.name)).toEqual(["flowerdelivery", "fishdelivery", "productorder", "thedraw", "warehouse"]);
		expect(res.body[0]).toMatchObject({ keys: ["orderId"], owner: "userName", events: { OrderPlaced: { producer: "order", consumers: ["store", "mypage"] } } });
	});
});

describe("a poison message", () => {
	it("is shown failed and dead-lettered on its saga, listed with its error for admins, counted on the panel for everyone", async () => {
		const orderId = `poison-${randomUUID()}`;
		const id = randomUUID();
		// An OrderPlaced without what the store and MyPage need: both refuse it (a poison message, parked at once).
		await publishToChannel(broker, "flowerdelivery.OrderPlaced", { id, type: "OrderPlaced", source: "flowerdelivery.order", aggregateId: orderId, version: 1, occurredAt: new Date().toISOString(), data: { orderId, userName: "poisoned" } }, { msgID: id });
		const saga = await sagaOf(as.admin(), orderId, t => t.deadLettered === 2);
		expect(saga.entries[0].outcomes.store).toMatchObject({ outcome: "failed", deadLettered: true, error: expect.stringContaining("ContractViolationError") });
		expect(saga.entries[0].outcomes.mypage).toMatchObject({ outcome: "failed", deadLettered: true, error: expect.stringContaining("data.storeName") });
		expect(saga).toMatchObject({ failing: 2, waiting: 2, owner: "poisoned" });

		const letters = await as.admin().get(`/api/operations/deadletters?system=flowerdelivery`);
		expect(letters.status).toBe(200);
		const ours = letters.body.filter((d: { payload: { id: string } }) => d.payload.id === id);
		expect(ours.map((d: { group: string }) => d.group).sort()).toEqual(["flowerdelivery.mypage", "flowerdelivery.store"]);
		expect(ours[0]).toMatchObject({ channel: "flowerdelivery.OrderPlaced", error: expect.stringContaining("breaks the contract"), deliveries: 1 });
		expect((await as.customer("poisoned").get(`/api/operations/deadletters`)).status).toBe(403);

		const panel = await as.customer("poisoned").get(`/api/operations/contexts`);
		expect(panel.status).toBe(200);
		expect(panel.body.channels.deadLetters.count).toBeGreaterThanOrEqual(2);
		expect(panel.body.channels.deadLetters.byGroup["flowerdelivery.store"]).toBeGreaterThanOrEqual(1);
	});
});

describe("the console's live stream", () => {
	const streamUrl = (token: string | undefined, query = "system=flowerdelivery") => `${baseUrl}/console/events?${query}${token ? `&access_token=${encodeURIComponent(token)}` : ""}`;

	it("pushes each change of the customer's own sagas as it happens, never another customer's", async () => {
		const token = mint({ sub: "streamer", roles: ["customer"] }, { ttl: 600 });
		const stream = await openSse(streamUrl(token));
		try {
			expect(stream.status).toBe(200);
			expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
			await stream.next(e => e.event === "ready");
			const other = await flows.place({ ...seedOrder, userName: "not-streamer" });
			const id = await flows.place({ ...seedOrder, userName: "streamer" });
			const pushed = await stream.next(e => {
				const t = JSON.parse(e.data) as TimelineView;
				return e.event === "saga" && t.key === id && t.entries.length === 2 && t.waiting === 0;
			});
			const saga = JSON.parse(pushed.data) as TimelineView;
			expect(saga.entries.map(e => e.type)).toEqual(["PaymentApproved", "OrderPlaced"]);
			// the other customer's saga was folded too (and before ours was complete), but not pushed to this stream
			await sagaOf(as.admin(), other, t => t.waiting === 0);
			expect(stream.events.filter(e => e.event === "saga").map(e => (JSON.parse(e.data) as TimelineView).owner)).toEqual(expect.arrayContaining(["streamer"]));
			expect(stream.events.some(e => e.event === "saga" && (JSON.parse(e.data) as TimelineView).key === other)).toBe(false);

			// the store accepts: the step is pushed without asking
			await flows.storeOrder(id);
			await as.store().post(`${API}/ordermanagements/${id}/accept`);
			await stream.next(e => e.event === "saga" && (JSON.parse(e.data) as TimelineView).last === "OrderAccepted");
		} finally {
			stream.close();
		}
	});

	it("an admin's stream of one saga carries that saga only", async () => {
		const id = await flows.place({ ...seedOrder, userName: "watched" });
		const stream = await openSse(streamUrl(mint({ sub: "admin", roles: ["admin"] }), `system=flowerdelivery&key=${encodeURIComponent(id)}`));
		try {
			await stream.next(e => e.event === "ready");
			await flows.place({ ...seedOrder, userName: "unwatched" });
			await flows.storeOrder(id);
			await as.store().post(`${API}/ordermanagements/${id}/accept`);
			await stream.next(e => e.event === "saga" && (JSON.parse(e.data) as TimelineView).last === "OrderAccepted");
			expect(stream.events.filter(e => e.event === "saga").every(e => (JSON.parse(e.data) as TimelineView).key === id)).toBe(true);
		} finally {
			stream.close();
		}
	});

	it("takes the token out of the URL before the gateway routes, logs or traces the request", () => {
		const req = { url: "/console/events?system=flowerdelivery&access_token=abc.def.ghi&key=o1" } as IncomingMessage & { $streamToken?: string };
		takeStreamToken(req);
		expect(req).toEqual({ url: "/console/events?system=flowerdelivery&key=o1", $streamToken: "abc.def.ghi" });
		const other = { url: "/api/timeline/flowerdelivery?access_token=x" } as IncomingMessage & { $streamToken?: string };
		takeStreamToken(other);
		expect(other).toEqual({ url: "/api/timeline/flowerdelivery?access_token=x" }); // only the stream takes a token from its query
	});

	it("needs a valid token in the query (401), a customer or an admin (403), a known system and no other parameter (422)", async () => {
		for (const [token, query, status] of [
			[undefined, "system=flowerdelivery", 401],
			["not-a-token", "system=flowerdelivery", 401],
			[mint({ sub: "late", roles: ["customer"] }, { ttl: -10 }), "system=flowerdelivery", 401],
			[mint({ sub: "rider", roles: ["rider"] }), "system=flowerdelivery", 403],
			[mint({ sub: "x", roles: ["customer"] }), "system=nosuch", 422],
			[mint({ sub: "x", roles: ["customer"] }), "system=flowerdelivery&sort=1", 422]
		] as const) {
			const stream = await openSse(streamUrl(token, query));
			const body = (await stream.body()) as { code?: number };
			expect([query, token === undefined, stream.status]).toEqual([query, token === undefined, status]);
			expect(body.code).toBe(status);
			stream.close();
		}
	});
});

describe("the panel of contexts", () => {
	it("shows this node up and ready, every context's service, the breakers of the calls made, and the consumers' lag", async () => {
		await flows.place({ ...seedOrder, userName: "panel" });
		const res = await as.admin().get("/api/operations/contexts");
		expect(res.status).toBe(200);
		const panel = res.body;
		expect(panel.nodes).toEqual([expect.objectContaining({ id: broker.nodeID, local: true, up: true, ready: true })]);
		const names = panel.services.map((s: { name: string }) => s.name);
		expect(names).toEqual(expect.arrayContaining(["api", "identity", "timeline", "operations", "flowerdelivery.order", "flowerdelivery.payment", "fishdelivery.mypage"]));
		expect(panel.services.find((s: { name: string }) => s.name === "flowerdelivery.order").nodes).toEqual([{ id: broker.nodeID, up: true }]);
		expect(panel.breakers).toEqual(expect.arrayContaining([expect.objectContaining({ action: "flowerdelivery.payment.pay", state: "close" })]));
		expect(panel.channels.kind).toBe("local");
		expect(Array.isArray(panel.channels.lag)).toBe(true);
		expect((await http.get("/api/operations/contexts")).status).toBe(401);
		expect((await as.rider().get("/api/operations/contexts")).status).toBe(403);
	});
});
