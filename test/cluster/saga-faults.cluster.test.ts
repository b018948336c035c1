/**
 * The defects a chaos run of flower delivery found, reproduced over the cluster (real nats-server -js and
 * redis-server, one process per context) with the order context killed (SIGKILL) at the moment that made them:
 * - killed while its placement waited for a payment that was committed: the gateway answers 504 "outcome
 *   unknown" (not 503 "not placed"), and the customer's retry with the same Idempotency-Key returns the same
 *   order, charged once;
 * - killed before it heard the rider start and complete: after its restart, the customer's cancel is still
 *   refused (the delivery decides), so no delivered order is refunded.
 */
import { randomUUID } from "node:crypto";
import { FLOWER_DELIVERY, LocalCluster } from "../../scripts/cluster";
import { actors, type Actors } from "../support/auth";
import { API, flowerFlows, seedOrder } from "../support/flower-flows";
import { client } from "../support/http";

describe("flower delivery cluster: sagas under kill -9 of the order context", () => {
	const cluster = new LocalCluster({ basePort: 15600, env: { LOG_LEVEL: "info", OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "4000", CHANNEL_BACKOFF_MS: "100" } });
	let as: Actors;
	let flows: ReturnType<typeof flowerFlows>;
	const spec = (name: string) => FLOWER_DELIVERY.find(c => c.name === name)!;
	// The order waits long enough for a slow payment; stale placements are not closed while the test runs.
	const orderSpec = { ...spec("order"), env: { SYNC_STEP_TIMEOUT_MS: "4000", PENDING_PLACEMENT_TIMEOUT_MS: "120000" } };

	beforeAll(async () => {
		await cluster.startServers();
		for (const s of FLOWER_DELIVERY) await cluster.start(s.name === "order" ? orderSpec : s.name === "payment" ? { ...s, env: { PAYMENT_LATENCY_MS: "1500" } } : s);
		as = actors(client(cluster.baseUrl));
		flows = flowerFlows(as, 30000);
	});
	afterAll(() => cluster.stopAll());

	it("placement: the order process dies after the payment was committed; 504 outcome unknown, and the retry with the same key returns the same order, charged once", async () => {
		const customer = as.customer("killed-placement");
		const headers = { "Idempotency-Key": `k-${randomUUID()}` };
		const body = { ...seedOrder, userName: "killed-placement" };
		const pending = customer.post(`${API}/orders`, body, headers);
		// The payment commits its charge, then answers 1.5 s later (PAYMENT_LATENCY_MS): kill the order while it waits.
		await flows.wait(() => as.admin().get(`${API}/payments?userName=killed-placement`), r => r.status === 200 && r.body.rows.some((p: { status: string }) => p.status === "Approved"));
		await cluster.stop("order", "SIGKILL");
		const first = await pending;
		expect(first.status).toBe(504);
		expect(first.body).toMatchObject({ code: 504, type: "OUTCOME_UNKNOWN", data: { outcome: "unknown" } });

		await cluster.start(orderSpec);
		const retried = await customer.post(`${API}/orders`, body, headers);
		expect(retried.status).toBe(201);
		expect(retried.body.status).toBe("Placed");
		const again = await customer.post(`${API}/orders`, body, headers);
		expect(again.body.id).toBe(retried.body.id);

		const orders = (await customer.get(`${API}/orders?userName=killed-placement`)).body.rows;
		expect(orders.map((o: { id: string; status: string }) => [o.id, o.status])).toEqual([[retried.body.id, "Placed"]]);
		const payments = (await as.admin().get(`${API}/payments?userName=killed-placement`)).body.rows;
		expect(payments.map((p: { orderId: string; status: string }) => [p.orderId, p.status])).toEqual([[retried.body.id, "Approved"]]);
		await flows.myPage(retried.body.id, r => r.orderStatus === "Placed", customer);
	});

	it("cancel: the order process dies, the riders start and complete, it comes back: the cancels are refused, nothing delivered is refunded", async () => {
		const ids: string[] = [];
		for (let i = 0; i < 5; i++) {
			const id = await flows.place({ ...seedOrder, userName: `late-cancel${i}` });
			await flows.storeOrder(id);
			expect((await as.store().post(`${API}/ordermanagements/${id}/accept`)).status).toBe(200);
			expect((await as.store().post(`${API}/ordermanagements/${id}/decorate`)).status).toBe(200);
			await flows.wait(() => as.rider().get(`${API}/deliveries/${id}`), r => r.status === 200);
			ids.push(id);
		}
		await cluster.stop("order", "SIGKILL");
		for (const id of ids) {
			expect((await as.rider().post(`${API}/deliveries/${id}/start`)).status).toBe(200);
			expect((await as.rider().post(`${API}/deliveries/${id}/complete`)).status).toBe(200);
		}
		await cluster.start(orderSpec);
		// At once, while the restarted order may not have heard the deliveries yet.
		const cancels = await Promise.all(ids.map((id, i) => as.customer(`late-cancel${i}`).del(`${API}/orders/${id}`)));
		for (const res of cancels) {
			expect(res.status).toBe(409);
			expect(["Delivering", "Delivered"]).toContain(res.body.data.status);
		}
		for (const id of ids) await flows.wait(() => as.admin().get(`${API}/orders/${id}`), r => r.body.status === "Delivered" && r.body.deliveryStatus === "Completed");
		await new Promise(resolve => setTimeout(resolve, 1000));
		for (const id of ids) expect((await as.admin().get(`${API}/payments/${id}`)).body.status).toBe("Approved");
	});
});
