/**
 * Fish delivery in one broker in process (the embedded default), HTTP through the real gateway, each request
 * with the bearer token of whom the spec says acts: the customer (HanYongsun logs in with the password grant),
 * the shop owner, the rider; polling for eventual consistency reads as admin.
 */
import { config } from "../../config";
import type { MyPageRow } from "../../services/fishdelivery/mypage.view";
import { expectValidationErrors } from "../support/expect";
import { actors, type Actors } from "../support/auth";
import { fishDeliverySchemas, startEmbedded } from "../support/embedded";
import { client, eventually, type Client } from "../support/http";

const API = "/api/fishdelivery";
let as: Actors;
let http: Client;
let shop: Client;
let rider: Client;
let admin: Client;
let stop: () => Promise<void>;

beforeAll(async () => {
	const app = await startEmbedded(fishDeliverySchemas);
	as = actors(client(app.baseUrl));
	http = await as.login("HanYongsun");
	[shop, rider, admin] = [as.store(), as.rider(), as.admin()];
	stop = app.stop;
});
afterAll(() => stop());

// The seed's command, as httpie sends it (`qty=1` arrives as a string; the telephone keeps its leading zero).
const seedOrder = { customerName: "HanYongsun", fishName: "flatfish", qty: "1", telephone: "01012341234", address: "kyungkido sungnamsi" };

/** Places `body` as its customer (the token's subject is the body's `customerName`). */
async function place(body: Record<string, unknown> = seedOrder): Promise<string> {
	const res = await as.customer(String(body.customerName)).post(`${API}/orders`, body);
	expect(res.status).toBe(201);
	return res.body.id;
}

/** The shop owner's command. */
const patch = (path: string, body: unknown) => shop.request("PATCH", path, body);
const fishOrder = (id: string, status = "Received") => eventually(() => shop.get(`${API}/fishstores/${id}`), r => r.status === 200 && r.body.status === status);
const myPage = (id: string, accept: (row: MyPageRow) => boolean, who: Client = admin) => eventually(() => who.get(`${API}/myPages/${id}`), r => r.status === 200 && accept(r.body));
const orderIs = (id: string, status: string) => eventually(() => admin.get(`${API}/orders/${id}`), r => r.body.status === status);

describe("fish delivery, embedded default", () => {
	it("runs the seed's commands end to end: order with payment, the shop takes it, the rider delivers, MyPage shows each step", async () => {
		const res = await http.post(`${API}/orders`, seedOrder, { "X-Request-ID": "fish-seed-1" });
		expect(res.status).toBe(201);
		expect(res.headers.get("x-request-id")).toBe("fish-seed-1");
		expect(res.headers.get("location")).toBe(`${API}/orders/${res.body.id}`);
		expect(res.body).toMatchObject({ customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi", status: "Placed", paymentStatus: "Approved" });
		const id: string = res.body.id;

		expect((await http.get(`${API}/orders/${id}`)).body.telephone).toBe("01012341234");
		const payments = await http.get(`${API}/payments?orderId=${id}`);
		expect(payments.body).toMatchObject({ total: 1, rows: [{ orderId: id, status: "Approved", telephone: "01012341234" }] });
		await myPage(id, r => r.status === "Placed" && r.paymentStatus === "Approved" && r.telephone === "01012341234", http);

		// Once paid, the order reaches the shop; the owner takes it with the seed's own command.
		await fishOrder(id);
		const waiting = await shop.get(`${API}/fishstores?status=Received`);
		expect(waiting.body.rows.map((r: { id: string }) => r.id)).toContain(id);
		const taken = await patch(`${API}/fishstores/${id}`, { status: "prepared" });
		expect(taken.status).toBe(200);
		expect(taken.body).toMatchObject({ id, orderId: id, status: "Taken", fishName: "flatfish", telephone: "01012341234" });

		// The shop's rider sets off by itself.
		const deliveries = await eventually(() => rider.get(`${API}/deliveries?orderId=${id}`), r => r.body.total === 1);
		expect(deliveries.body.rows[0]).toMatchObject({ id, status: "Started", address: "kyungkido sungnamsi", telephone: "01012341234" });
		await myPage(id, r => r.status === "Delivering" && r.deliveryStatus === "Started", http);
		await orderIs(id, "Delivering");

		const done = await rider.post(`${API}/deliveries/${id}/complete`);
		expect(done.status).toBe(200);
		expect(done.body.status).toBe("Completed");
		await myPage(id, r => r.status === "Delivered" && r.deliveryStatus === "Completed", http);
		await orderIs(id, "Delivered");
		const delivered = await http.get(`${API}/myPages?status=Delivered`);
		expect(delivered.body.rows.map((r: { orderId: string }) => r.orderId)).toContain(id);
	});

	it("accepts the seed's status=\"paid\" with the order, and POST /fishstores/:id/take as the shop's command", async () => {
		const id = await place({ ...seedOrder, customerName: "taker", status: "paid" });
		await fishOrder(id);
		const res = await shop.post(`${API}/fishstores/${id}/take`);
		expect(res.status).toBe(200);
		expect(res.body.status).toBe("Taken");
		await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.body.status === "Started");
	});

	it("cancels an order: its payment, its shop order and its delivery are canceled, MyPage shows it; a second cancel is 409 with the status", async () => {
		const id = await place({ ...seedOrder, customerName: "canceller" });
		const http = as.customer("canceller");
		await fishOrder(id);
		const res = await http.del(`${API}/orders/${id}`);
		expect(res.status).toBe(200);
		expect(res.body.status).toBe("Canceled");
		await eventually(() => http.get(`${API}/payments/${id}`), r => r.body.status === "Canceled");
		await fishOrder(id, "Canceled");
		await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.body.status === "Canceled");
		await myPage(id, r => r.status === "Canceled" && r.paymentStatus === "Canceled", http);
		await eventually(() => http.get(`${API}/orders/${id}`), r => r.body.paymentStatus === "Canceled");

		const again = await http.del(`${API}/orders/${id}`);
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ name: "MoleculerClientError", code: 409, type: "ILLEGAL_TRANSITION", data: { status: "Canceled" } });
		const late = await patch(`${API}/fishstores/${id}`, { status: "prepared" });
		expect(late.status).toBe(409);
		expect(late.body.data.status).toBe("Canceled");
	});

	it("refuses to cancel once the delivery has started (409 with the current status)", async () => {
		const id = await place({ ...seedOrder, customerName: "late" });
		await fishOrder(id);
		await patch(`${API}/fishstores/${id}`, { status: "prepared" });
		await orderIs(id, "Delivering");
		const res = await as.customer("late").del(`${API}/orders/${id}`);
		expect(res.status).toBe(409);
		expect(res.body).toMatchObject({ type: "ILLEGAL_TRANSITION", data: { status: "Delivering" } });
	});

	it("answers illegal shop and delivery transitions with 409 and the current status, unknown ones with 404", async () => {
		const id = await place({ ...seedOrder, customerName: "illegal" });
		await fishOrder(id);
		expect((await patch(`${API}/fishstores/${id}`, { status: "prepared" })).status).toBe(200);
		const twice = await patch(`${API}/fishstores/${id}`, { status: "prepared" });
		expect(twice.status).toBe(409);
		expect(twice.body.data).toMatchObject({ status: "Taken" });
		await eventually(() => rider.get(`${API}/deliveries/${id}`), r => r.status === 200);
		expect((await rider.post(`${API}/deliveries/${id}/complete`)).status).toBe(200);
		const again = await rider.post(`${API}/deliveries/${id}/complete`);
		expect(again.status).toBe(409);
		expect(again.body.data).toMatchObject({ status: "Completed" });
		expect((await rider.post(`${API}/deliveries/nope/complete`)).status).toBe(404);
		expect((await patch(`${API}/fishstores/nope`, { status: "prepared" })).status).toBe(404);
		expect((await http.get(`${API}/myPages/nope`)).status).toBe(404);
	});

	it("bad input gets 422 naming the field, and creates nothing", async () => {
		const before = (await admin.get(`${API}/orders?pageSize=100`)).body.total;
		const cases: [Record<string, unknown>, string][] = [
			[{ ...seedOrder, qty: "many" }, "qty"],
			[{ ...seedOrder, qty: 0 }, "qty"],
			// A number would already have lost the leading zero: refused, never silently turned into "1012341234".
			[{ ...seedOrder, telephone: 1012341234 }, "telephone"],
			[{ ...seedOrder, telephone: "call me" }, "telephone"],
			[{ ...seedOrder, customerName: "" }, "customerName"],
			[{ ...seedOrder, customerName: { $ne: "" } }, "customerName"],
			[{ ...seedOrder, status: "delivered" }, "status"],
			[{ ...seedOrder, price: 1 }, "price"],
			[{ customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234" }, "address"]
		];
		await expectValidationErrors(http, `${API}/orders`, cases);
		expect((await admin.get(`${API}/orders?pageSize=100`)).body.total).toBe(before);

		const id = await place({ ...seedOrder, customerName: "patcher" });
		await fishOrder(id);
		const wrongStatus = await patch(`${API}/fishstores/${id}`, { status: "delivered" });
		expect(wrongStatus.status).toBe(422);
		expect(JSON.stringify(wrongStatus.body.data)).toContain("status");
		expect((await patch(`${API}/fishstores/${id}`, {})).status).toBe(422);
		expect((await shop.get(`${API}/fishstores/${id}`)).body.status).toBe("Received");
	});

	it("lists MyPage by status with paging; filters are plain equality, operators are refused", async () => {
		const ids = [];
		const http = as.customer("pager");
		for (let i = 0; i < 3; i++) ids.push(await place({ ...seedOrder, customerName: "pager" }));
		for (const id of ids) await myPage(id, r => r.status === "Placed");
		const page = await http.get(`${API}/myPages?customerName=pager&status=Placed&page=2&pageSize=2`);
		expect(page.status).toBe(200);
		expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2, totalPages: 2 });
		expect(page.body.rows).toHaveLength(1);
		for (const q of ["status[$ne]=x", "status[$gt]=", "customerName[$where]=1", "sort=$where", "pageSize=1000"]) {
			expect((await http.get(`${API}/myPages?${q}`)).status).toBe(422);
		}
		expect((await shop.get(`${API}/fishstores?status[$ne]=x`)).status).toBe(422);
	});

	it("when payment is slower than the caller's timeout: 503 + Retry-After, the order is never established, and no payment is left", async () => {
		const latency = config.payment.latencyMs;
		config.payment.latencyMs = [config.resilience.stepTimeoutMs + 100, config.resilience.stepTimeoutMs + 150];
		const http = as.customer("slowpay");
		try {
			const res = await http.post(`${API}/orders`, { ...seedOrder, customerName: "slowpay" });
			expect(res.status).toBe(503);
			expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
			expect(res.body.type).toBe("SERVICE_UNAVAILABLE");
		} finally {
			config.payment.latencyMs = latency;
		}
		const orders = await http.get(`${API}/orders?customerName=slowpay`);
		expect(orders.body.rows).toHaveLength(1);
		const id = orders.body.rows[0].id;
		expect(orders.body.rows[0].status).toBe("PaymentFailed");
		// The charge that lands after the caller gave up is voided (or canceled, if it landed first): never kept.
		const payment = await eventually(
			() => http.get(`${API}/payments?orderId=${id}`),
			r => r.body.total === 1 && ["Voided", "Canceled"].includes(r.body.rows[0].status)
		);
		await new Promise(r => setTimeout(r, 300));
		expect((await http.get(`${API}/payments/${id}`)).body.status).toBe(payment.body.rows[0].status);
		expect((await http.get(`${API}/myPages?customerName=slowpay`)).body.total).toBe(0);
		expect((await shop.get(`${API}/fishstores/${id}`)).status).toBe(404);
		expect((await rider.get(`${API}/deliveries/${id}`)).status).toBe(404);
	});
});
