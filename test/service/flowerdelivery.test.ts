/**
 * One broker in process (the embedded default), HTTP through the real gateway on a real port, each request
 * with the bearer token of whom the spec says acts (customer, store owner, rider, admin).
 */
import { actors, type Actors } from "../support/auth";
import { expectValidationErrors } from "../support/expect";
import { client, eventually, type Client } from "../support/http";
import { startEmbedded } from "../support/embedded";
import { API, flowerFlows, seedOrder } from "../support/flower-flows";

let http: Client;
let as: Actors;
let flows: ReturnType<typeof flowerFlows>;
let stop: () => Promise<void>;

beforeAll(async () => {
	const app = await startEmbedded();
	http = client(app.baseUrl);
	as = actors(http);
	flows = flowerFlows(as);
	stop = app.stop;
});
afterAll(() => stop());

const place = (body?: Record<string, unknown>) => flows.place(body);
const storeOrder = (id: string) => flows.storeOrder(id);

describe("flower delivery, embedded default", () => {
	it("runs the seed scenario end to end, and MyPage shows each step", async () => {
		await flows.seedScenario("seed-scenario-1");
	});

	it("cancels an order: payment refunded, store order and MyPage cancelled; a second cancel is 409 with the status", async () => {
		await flows.cancellation();
	});

	it("a store rejection cancels the payment by force and ends the order as rejected", async () => {
		await flows.rejection();
	});

	it("refuses to cancel once the delivery has started (409 with the current status)", async () => {
		const id = await place({ ...seedOrder, userName: "late" });
		const [customer, store, rider] = [as.customer("late"), as.store(), as.rider()];
		await storeOrder(id);
		await store.post(`${API}/ordermanagements/${id}/accept`);
		await store.post(`${API}/ordermanagements/${id}/decorate`);
		await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.status === 200);
		await rider.post(`${API}/deliveries/${id}/start`);
		await eventually(() => customer.get(`${API}/orders/${id}`), r => r.body.status === "Delivering");
		const res = await customer.del(`${API}/orders/${id}`);
		expect(res.status).toBe(409);
		expect(res.body.data.status).toBe("Delivering");
	});

	it("answers illegal store and delivery transitions with 409 and the current status", async () => {
		const id = await place({ ...seedOrder, userName: "illegal" });
		await storeOrder(id);
		const res = await as.store().post(`${API}/ordermanagements/${id}/decorate`);
		expect(res.status).toBe(409);
		expect(res.body.data).toMatchObject({ status: "Received" });
		expect((await as.rider().post(`${API}/deliveries/${id}/start`)).status).toBe(404);
	});

	it("bad input gets 422 naming the field, and creates nothing", async () => {
		const [admin, http] = [as.admin(), as.customer("LKJ")];
		const before = (await admin.get(`${API}/orders?pageSize=100`)).body.total;
		const cases: [Record<string, unknown>, string][] = [
			[{ ...seedOrder, qty: "many" }, "qty"],
			[{ ...seedOrder, qty: 0 }, "qty"],
			[{ ...seedOrder, storeName: "" }, "storeName"],
			[{ ...seedOrder, userName: { $ne: "" } }, "userName"],
			[{ ...seedOrder, role: "admin" }, "role"],
			[{ storeName: "KJSHOP" }, "itemName"]
		];
		await expectValidationErrors(http, `${API}/orders`, cases);
		expect((await admin.get(`${API}/orders?pageSize=100`)).body.total).toBe(before);
	});

	it("a declined payment answers 402 and the order is never established", async () => {
		const http = as.customer("poor");
		const res = await http.post(`${API}/orders`, { ...seedOrder, userName: "poor", itemPrice: "0" });
		expect(res.status).toBe(402);
		expect(res.body.type).toBe("PAYMENT_DECLINED");
		const orders = await http.get(`${API}/orders?userName=poor`);
		expect(orders.body.rows).toHaveLength(1);
		expect(orders.body.rows[0].status).toBe("PaymentFailed");
		expect((await http.get(`${API}/myPages?userName=poor`)).body.total).toBe(0);
	});

	it("lists with paging and plain-equality filters only; operators are refused", async () => {
		const http = as.customer("pager");
		for (let i = 0; i < 3; i++) await place({ ...seedOrder, userName: "pager" });
		const page = await http.get(`${API}/orders?userName=pager&page=2&pageSize=2&sort=createdAt`);
		expect(page.status).toBe(200);
		expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2, totalPages: 2 });
		expect(page.body.rows).toHaveLength(1);
		for (const q of ["userName[$ne]=x", "userName[$gt]=", "status[$where]=1", "sort=$where", "pageSize=1000"]) {
			const res = await http.get(`${API}/orders?${q}`);
			expect(res.status).toBe(422);
		}
		// A prototype-pollution key is dropped by the query parser: inert, never a filter.
		const all = await http.get(`${API}/orders`);
		const polluted = await http.get(`${API}/orders?__proto__[userName]=pager`);
		expect(polluted.status).toBe(200);
		expect(polluted.body.total).toBe(all.body.total);
		expect(({} as Record<string, unknown>).userName).toBeUndefined();
		expect((await http.get(`${API}/orders/does-not-exist`)).status).toBe(404);
	});

	it("serves the probes", async () => {
		expect((await http.get("/live")).status).toBe(200);
		const ready = await http.get("/ready");
		expect(ready.status).toBe(200);
		expect(ready.body.status).toBe("ready");
	});
});
