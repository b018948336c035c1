/**
 * Sagas that stay right under faults (one broker, HTTP through the real gateway), each defect the chaos run
 * of flower delivery found reproduced on purpose — a test's gate (test/support/gate.ts) holds a consumer
 * back, so the interleaving a crash or a slow channel produces happens every time:
 * - a cancel crossing the rider's start: decided by the delivery (the pivot's owner), never by the order's
 *   stale copy — the saga ends cancelled-and-refunded or delivered-and-charged, never both;
 * - a creating POST retried with its Idempotency-Key: the first result, one order, one charge;
 * - a cancel whose owner does not answer in time: 504 "outcome unknown", and the owner's acceptance still
 *   completes it;
 * - facts arriving out of order (DeliveryCompleted before DeliveryStarted): nothing goes backwards.
 */
import { randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import { config } from "../../config";
import { publishToChannel } from "../../middlewares/channels";
import { actors, type Actors } from "../support/auth";
import { allSchemas, startEmbedded } from "../support/embedded";
import { API, flowerFlows, seedOrder } from "../support/flower-flows";
import { gate, type Gate } from "../support/gate";
import { client, eventually, type Client } from "../support/http";

let broker: ServiceBroker;
let as: Actors;
let flows: ReturnType<typeof flowerFlows>;
let stop: () => Promise<void>;
let hand: Gate;
const FISH = "/api/fishdelivery";

beforeAll(async () => {
	hand = gate();
	const app = await startEmbedded(allSchemas, [hand.middleware]);
	broker = app.broker;
	const http: Client = client(app.baseUrl);
	as = actors(http);
	flows = flowerFlows(as);
	stop = app.stop;
});
afterAll(() => stop());

/** A flower order decorated and waiting for a rider. */
async function decorated(userName: string): Promise<string> {
	const id = await flows.place({ ...seedOrder, userName });
	const store = as.store("KJSHOP");
	await flows.storeOrder(id);
	expect((await store.post(`${API}/ordermanagements/${id}/accept`)).status).toBe(200);
	expect((await store.post(`${API}/ordermanagements/${id}/decorate`)).status).toBe(200);
	await eventually(() => as.rider().get(`${API}/deliveries/${id}`), r => r.status === 200 && r.body.status === "Requested");
	return id;
}

const payment = (id: string) => as.admin().get(`${API}/payments/${id}`);
const settle = () => new Promise(resolve => setTimeout(resolve, 300));

describe("a cancel is decided by the pivot's owner (flower: the delivery)", () => {
	it("the rider started, the order has not heard yet: the customer's cancel is refused (409 Delivering), nothing refunded", async () => {
		const id = await decorated("race-start-first");
		hand.hold("flowerdelivery.DeliveryStarted", "flowerdelivery.order");
		try {
			expect((await as.rider().post(`${API}/deliveries/${id}/start`)).status).toBe(200);
			expect((await as.customer("race-start-first").get(`${API}/orders/${id}`)).body.status).toBe("Decorated"); // its copy is stale
			const cancel = await as.customer("race-start-first").del(`${API}/orders/${id}`);
			expect(cancel.status).toBe(409);
			expect(cancel.body).toMatchObject({ type: "ILLEGAL_TRANSITION", data: { status: "Delivering", deliveryStatus: "Started" } });
		} finally {
			await hand.release("flowerdelivery.DeliveryStarted", "flowerdelivery.order");
		}
		expect((await as.rider().post(`${API}/deliveries/${id}/complete`)).status).toBe(200);
		await eventually(() => as.admin().get(`${API}/orders/${id}`), r => r.body.status === "Delivered" && r.body.deliveryStatus === "Completed");
		await settle();
		expect((await payment(id)).body.status).toBe("Approved"); // delivered and charged, not refunded
	});

	it("the cancel was accepted first: the rider cannot start (409 Cancelled), the payment is refunded", async () => {
		const id = await decorated("race-cancel-first");
		expect((await as.customer("race-cancel-first").del(`${API}/orders/${id}`)).body.status).toBe("Cancelled");
		const start = await as.rider().post(`${API}/deliveries/${id}/start`);
		expect(start.status).toBe(409);
		expect(start.body.data.status).toBe("Cancelled");
		await eventually(() => payment(id), r => r.body.status === "Cancelled" && r.body.cancelReason === "customer");
	});

	it("cancels and starts that cross, many times: each saga ends either cancelled-and-refunded or delivered-and-charged, never both", async () => {
		const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => decorated(`cross${i}`)));
		const outcomes = await Promise.all(
			ids.map(async (id, i) => {
				const cancel = () => as.customer(`cross${i}`).del(`${API}/orders/${id}`);
				const start = () => as.rider().post(`${API}/deliveries/${id}/start`);
				// Sent together, one or the other first.
				const [c, s] = i % 2 ? await Promise.all([cancel(), start()]) : (await Promise.all([start(), cancel()])).reverse();
				return { id, cancel: c.status, start: s.status };
			})
		);
		for (const o of outcomes) expect([o.cancel, o.start].sort()).toEqual([200, 409]); // exactly one of them won
		for (const { id, cancel } of outcomes) {
			if (cancel === 200) {
				await eventually(() => payment(id), r => r.body.status === "Cancelled");
				expect((await as.rider().get(`${API}/deliveries/${id}`)).body.status).toBe("Cancelled");
			} else {
				expect((await as.rider().post(`${API}/deliveries/${id}/complete`)).status).toBe(200);
				await eventually(() => as.admin().get(`${API}/orders/${id}`), r => r.body.status === "Delivered");
				expect((await payment(id)).body.status).toBe("Approved");
			}
		}
		console.log("crossing cancels and starts:", outcomes.filter(o => o.cancel === 200).length, "cancelled,", outcomes.filter(o => o.start === 200).length, "delivered");
	});

	it("fish delivery: the delivery started by itself (the shop took it), the order has not heard: the cancel is refused", async () => {
		const customer = as.customer("fish-race");
		const res = await customer.post(`${FISH}/orders`, { customerName: "fish-race", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido" });
		expect(res.status).toBe(201);
		const id: string = res.body.id;
		await eventually(() => as.store().get(`${FISH}/fishstores/${id}`), r => r.status === 200);
		hand.hold("fishdelivery.DeliveryStarted", "fishdelivery.order");
		try {
			expect((await as.store().post(`${FISH}/fishstores/${id}/take`)).status).toBe(200);
			await eventually(() => as.rider().get(`${FISH}/deliveries/${id}`), r => r.body.status === "Started");
			const cancel = await customer.del(`${FISH}/orders/${id}`);
			expect(cancel.status).toBe(409);
			expect(cancel.body.data).toMatchObject({ status: "Delivering", deliveryStatus: "Started" });
		} finally {
			await hand.release("fishdelivery.DeliveryStarted", "fishdelivery.order");
		}
		await settle();
		expect((await as.admin().get(`${FISH}/payments/${id}`)).body.status).toBe("Approved");
	});

	it("the owner does not answer in time: 504 outcome unknown (not 'nothing was done'); its acceptance then completes the cancel", async () => {
		const id = await decorated("slow-owner");
		hand.delay("flowerdelivery.delivery.cancel", config.resilience.stepTimeoutMs + 300);
		try {
			const res = await as.customer("slow-owner").del(`${API}/orders/${id}`);
			expect(res.status).toBe(504);
			expect(res.headers.get("retry-after")).toBeNull();
			expect(res.body).toMatchObject({ code: 504, type: "OUTCOME_UNKNOWN", data: { outcome: "unknown" } });
		} finally {
			hand.delay("flowerdelivery.delivery.cancel", 0);
		}
		// The delivery did accept it: its DeliveryCancelled cancels the order, and the refund follows.
		await eventually(() => as.admin().get(`${API}/orders/${id}`), r => r.body.status === "Cancelled");
		await eventually(() => payment(id), r => r.body.status === "Cancelled");
		// Asked again, the answer says what happened.
		expect((await as.customer("slow-owner").del(`${API}/orders/${id}`)).body.data.status).toBe("Cancelled");
	});
});

describe("Idempotency-Key on creating POSTs", () => {
	const key = () => ({ "Idempotency-Key": `key-${randomUUID()}` });

	it("the same request again answers the first result: same id, same status, one order, one charge", async () => {
		const headers = key();
		const customer = as.customer("idem");
		const first = await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem" }, headers);
		const again = await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem" }, headers);
		expect(first.status).toBe(201);
		expect(again.status).toBe(201);
		expect(again.body.id).toBe(first.body.id);
		expect(again.headers.get("location")).toBe(first.headers.get("location"));
		expect((await customer.get(`${API}/orders?userName=idem`)).body.total).toBe(1);
		expect((await as.admin().get(`${API}/payments?userName=idem`)).body.total).toBe(1);
		// Numbers as httpie sends them are the same request.
		const asStrings = await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem", qty: "1", itemPrice: "50000" }, headers);
		expect(asStrings.body.id).toBe(first.body.id);
	});

	it("another request with the same key is a 422 naming the key, and changes nothing; the key is per caller", async () => {
		const headers = key();
		const first = await as.customer("idem2").post(`${API}/orders`, { ...seedOrder, userName: "idem2" }, headers);
		const other = await as.customer("idem2").post(`${API}/orders`, { ...seedOrder, userName: "idem2", qty: 3 }, headers);
		expect(other.status).toBe(422);
		expect(JSON.stringify(other.body.data)).toContain("Idempotency-Key");
		expect((await as.customer("idem2").get(`${API}/orders?userName=idem2`)).body.total).toBe(1);
		const someoneElse = await as.customer("idem3").post(`${API}/orders`, { ...seedOrder, userName: "idem3" }, headers);
		expect(someoneElse.status).toBe(201);
		expect(someoneElse.body.id).not.toBe(first.body.id);
	});

	it("a key that is too long or not printable is a 422 naming the header; nothing is placed", async () => {
		for (const bad of ["k".repeat(256), "has space"]) {
			const res = await as.customer("idem4").post(`${API}/orders`, { ...seedOrder, userName: "idem4" }, { "Idempotency-Key": bad });
			expect(res.status).toBe(422);
			expect(JSON.stringify(res.body.data)).toContain("Idempotency-Key");
		}
		expect((await as.customer("idem4").get(`${API}/orders?userName=idem4`)).body.total).toBe(0);
	});

	it("a 503 (payment down: nothing was done) leaves the key free: the retry with it, once payment is back, places the order and charges once", async () => {
		const headers = key();
		const customer = as.customer("idem5");
		const paymentService = broker.getLocalService("flowerdelivery.payment");
		if (!paymentService) throw new Error("no payment service");
		const schema = paymentService.originalSchema;
		await broker.destroyService(paymentService);
		try {
			const down = await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem5" }, headers);
			expect(down.status).toBe(503);
			expect(down.headers.get("retry-after")).toBeTruthy();
		} finally {
			broker.createService(schema);
			await broker.waitForServices("flowerdelivery.payment");
		}
		const retried = await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem5" }, headers);
		expect(retried.status).toBe(201);
		expect((await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem5" }, headers)).body.id).toBe(retried.body.id);
		const orders = (await customer.get(`${API}/orders?userName=idem5`)).body.rows.map((o: { status: string }) => o.status).sort();
		expect(orders).toEqual(["PaymentFailed", "Placed"]); // the failed attempt is told as failed; one order placed
		await settle();
		// One charge. (The failed attempt's OrderPlacementFailed was told while payment was away; the cluster keeps it
		// for payment, which voids that attempt — the embedded default's in-process channels do not.)
		const payments = (await as.admin().get(`${API}/payments?userName=idem5`)).body.rows.map((p: { status: string }) => p.status);
		expect(payments.filter((s: string) => s === "Approved")).toHaveLength(1);
	});

	it("a declined payment is the first result too: the same request again is 402 again, no new attempt", async () => {
		const headers = key();
		const customer = as.customer("idem6");
		const saved = config.payment.declineAbove;
		config.payment.declineAbove = 100;
		try {
			expect((await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem6" }, headers)).status).toBe(402);
		} finally {
			config.payment.declineAbove = saved;
		}
		expect((await customer.post(`${API}/orders`, { ...seedOrder, userName: "idem6" }, headers)).status).toBe(402);
		expect((await customer.get(`${API}/orders?userName=idem6`)).body.total).toBe(1);
	});

	it("fish delivery takes it too", async () => {
		const headers = key();
		const body = { customerName: "idem-fish", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido" };
		const first = await as.customer("idem-fish").post(`${FISH}/orders`, body, headers);
		const again = await as.customer("idem-fish").post(`${FISH}/orders`, body, headers);
		expect([first.status, again.status]).toEqual([201, 201]);
		expect(again.body.id).toBe(first.body.id);
	});
});

describe("facts that arrive out of order never move anything backwards", () => {
	it("DeliveryCompleted before DeliveryStarted (as after a restart): the order is Delivered with its delivery Completed, MyPage too", async () => {
		const id = await decorated("out-of-order");
		const publish = (type: string) =>
			publishToChannel(broker, `flowerdelivery.${type}`, { id: randomUUID(), type, source: "flowerdelivery.delivery", aggregateId: id, occurredAt: new Date().toISOString(), data: { orderId: id, userName: "out-of-order" } }, {});
		await publish("DeliveryCompleted");
		await eventually(() => as.admin().get(`${API}/orders/${id}`), r => r.body.status === "Delivered");
		await publish("DeliveryStarted");
		await settle();
		expect((await as.admin().get(`${API}/orders/${id}`)).body).toMatchObject({ status: "Delivered", deliveryStatus: "Completed" });
		expect((await as.admin().get(`${API}/myPages/${id}`)).body).toMatchObject({ orderStatus: "Delivered", deliveryStatus: "Completed" });
	});
});

describe("a store's reject crossing a cancel the delivery accepted (found by the chaos run)", () => {
	it("the order and MyPage both end Cancelled, whichever arrives first; the payment is refunded once", async () => {
		const id = await flows.place({ ...seedOrder, userName: "reject-cancel" });
		await flows.storeOrder(id);
		hand.hold("flowerdelivery.OrderRejected", "flowerdelivery.order");
		try {
			expect((await as.store("KJSHOP").post(`${API}/ordermanagements/${id}/reject`, { reason: "장미 품절" })).status).toBe(200);
			expect((await as.customer("reject-cancel").del(`${API}/orders/${id}`)).body.status).toBe("Cancelled");
		} finally {
			await hand.release("flowerdelivery.OrderRejected", "flowerdelivery.order");
		}
		await eventually(() => as.admin().get(`${API}/myPages/${id}`), r => r.status === 200 && r.body.paymentStatus === "Cancelled");
		await settle();
		expect((await as.admin().get(`${API}/orders/${id}`)).body.status).toBe("Cancelled");
		expect((await as.admin().get(`${API}/myPages/${id}`)).body.orderStatus).toBe("Cancelled");
		const payments = (await as.admin().get(`${API}/payments?orderId=${id}`)).body.rows;
		expect(payments.map((p: { status: string }) => p.status)).toEqual(["Cancelled"]);
	});
});
