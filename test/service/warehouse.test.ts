/**
 * The warehouse in one broker (the embedded default), HTTP through the real gateway on a real port, each
 * request with the token of whom the spec says acts (the customer, warehouse staff, an admin): the seed's
 * scenario, the receipt booked once however it is repeated (sequential, concurrent, after a timeout whose
 * booking landed), the 409s, the race of 20 ships on a stock of 5, cancellation crossing a receipt, and the
 * warehouse context gone (503, still requested) and back.
 *
 * Two hands on the timing, both test middlewares (nothing in the code under test knows about them): a gate
 * that holds the delivery's InStock consumer back, and a booking whose answer comes after the caller's
 * timeout (its work done first, as a slow or stalled warehouse does).
 */
import { randomUUID } from "node:crypto";
import type { Context, Middleware, ServiceBroker, ServiceSchema } from "moleculer";
import { config } from "../../config";
import type { Role } from "../../domain";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import type { StockRow } from "../../services/warehouse/stock.view";
import { actors, mint, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { expectValidationErrors } from "../support/expect";
import { gate, type Gate } from "../support/gate";
import { client, eventually, type Client } from "../support/http";

const API = "/api/warehouse";

let broker: ServiceBroker;
let http: Client;
let as: Actors;
let hand: Gate;
let stop: () => Promise<void>;
let staff: Client;
let admin: Client;

/** The next `n` answers of `warehouse.warehouse.book` come `ms` after its work is done (and committed). */
const slowBooking = (() => {
	let pending = 0;
	let delayMs = 0;
	const middleware = {
		name: "SlowBookingAnswer",
		localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
			if (action.name !== "warehouse.warehouse.book") return next;
			return async (ctx: Context) => {
				const answer = await next(ctx);
				if (pending > 0) {
					pending--;
					await new Promise(resolve => setTimeout(resolve, delayMs));
				}
				return answer;
			};
		}
	} as Middleware;
	return { middleware, next: (n: number, ms: number) => ((pending = n), (delayMs = ms)) };
})();

const as_ = (sub: string, roles: Role[]) => http.as(mint({ sub, roles }, { ttl: 3600 }));

beforeAll(async () => {
	hand = gate();
	const app = await startEmbedded(systemSchemas("warehouse"), [hand.middleware, slowBooking.middleware]);
	broker = app.broker;
	stop = app.stop;
	http = client(app.baseUrl);
	as = actors(http);
	staff = as_("staff", ["warehouse"]);
	admin = as.admin();
});
afterAll(() => stop());

/** A delivery requested by `customer` (as that customer): its body. */
async function request(customer: string, product: string, qty: number | string, headers: Record<string, string> = {}): Promise<InboundDelivery> {
	const res = await as.customer(customer).post(`${API}/deliveries`, { product, qty }, headers);
	expect(res.status).toBe(201);
	return res.body;
}

async function receive(id: string): Promise<InboundDelivery> {
	const res = await staff.post(`${API}/deliveries/${id}/receive`);
	expect([res.status, res.body.status]).toEqual([200, "received"]);
	return res.body;
}

const stockOf = async (stockId: string): Promise<Stock> => (await admin.get(`${API}/warehouses/${stockId}`)).body;
const deliveryOf = async (id: string): Promise<InboundDelivery> => (await admin.get(`${API}/deliveries/${id}`)).body;
/** The messages about `refId`, once `n` of them are sent (a moment after the change). */
const messagesAbout = (refId: string, n: number) =>
	eventually(
		() => admin.get(`${API}/notifications?refId=${refId}&pageSize=100`),
		r => r.status === 200 && r.body.total >= n && r.body.rows.every((m: { status: string }) => m.status === "sent")
	).then(r => r.body.rows as { kind: string; customer: string; message: string; refId: string; stockId: string; sentAt: string }[]);
const settle = () => new Promise(resolve => setTimeout(resolve, 400));

describe("the seed's scenario: request, receive (booked synchronously), ship, dispose, a message for each change", () => {
	it("runs end to end with the demo accounts, and the stock view follows from events", async () => {
		const customer = await as.login("gildong");
		const whstaff = await as.login("whstaff");

		// 1. the customer requests (httpie sends numbers as strings)
		const placed = await customer.post(`${API}/deliveries`, { product: "사과", qty: "10" }, { "X-Request-ID": "warehouse-seed" });
		expect(placed.status).toBe(201);
		expect(placed.headers.get("x-request-id")).toBe("warehouse-seed");
		expect(placed.headers.get("location")).toBe(`${API}/deliveries/${placed.body.id}`);
		expect(placed.body).toMatchObject({ deliveryId: placed.body.id, customer: "gildong", product: "사과", qty: 10, status: "requested" });
		const first: InboundDelivery = placed.body;

		// 2. staff receive it: booked into the stock in the same step, the answer names the stock
		const got = await whstaff.post(`${API}/deliveries/${first.id}/receive`);
		expect(got.status).toBe(200);
		expect(got.body).toMatchObject({ id: first.id, status: "received", stockId: first.stockId });
		expect(got.body.receivedAt).toEqual(expect.any(String));
		const stockId: string = got.body.stockId;

		// 3. the warehouse keeps it: one stock per customer and product; a second receipt adds to it
		expect(await stockOf(stockId)).toMatchObject({ id: stockId, customer: "gildong", product: "사과", quantity: 10, received: 10, status: "inStock", bookings: [{ deliveryId: first.id, qty: 10, quantity: 10 }] });
		const second = await request("gildong", "사과", 5);
		expect(second.stockId).toBe(stockId);
		expect((await receive(second.id)).stockId).toBe(stockId);
		const other = await request("gildong", "배", 2);
		expect(other.stockId).not.toBe(stockId);
		expect((await customer.get(`${API}/warehouses/${stockId}`)).body.quantity).toBe(15);

		// 4. the customer ships out; 5. staff dispose, saying why
		const shipped = await customer.post(`${API}/warehouses/${stockId}/ship`, { qty: "4" });
		expect([shipped.status, shipped.body.quantity, shipped.body.shipped]).toEqual([200, 11, 4]);
		const disposed = await whstaff.post(`${API}/warehouses/${stockId}/dispose`, { qty: 1, reason: "포장 파손" });
		expect([disposed.status, disposed.body.quantity, disposed.body.disposed]).toEqual([200, 10, 1]);

		// lists: a customer's own; staff's all
		const mine = await customer.get(`${API}/warehouses?product=사과`);
		expect(mine.body.rows.map((s: Stock) => s.id)).toEqual([stockId]);
		expect((await customer.get(`${API}/deliveries?status=received`)).body.rows.map((d: InboundDelivery) => d.id).sort()).toEqual([first.id, second.id].sort());

		// 6. one message per change, in Korean, never two
		const about = await messagesAbout(first.id, 2);
		expect(about.map(m => m.kind).sort()).toEqual(["DeliveryRequested", "InStock"]);
		expect(about.find(m => m.kind === "InStock")!.message).toBe("[창고] 사과 10개가 입고되었습니다. 현재 재고 10개.");
		const ofStock = await messagesAbout(stockId, 2);
		expect(ofStock.map(m => [m.kind, m.message]).sort()).toEqual([
			["Disposed", "[창고] 사과 1개가 폐기되었습니다 (사유: 포장 파손). 남은 재고 10개."],
			["Shipped", "[창고] 사과 4개가 출고되었습니다. 남은 재고 11개."]
		]);
		const all = await eventually(() => customer.get(`${API}/notifications?customer=gildong&pageSize=100`), r => r.body.total >= 7);
		await settle();
		const messages = (await customer.get(`${API}/notifications?customer=gildong&pageSize=100`)).body.rows as { kind: string; refId: string; sentAt: string }[];
		expect(all.body.total).toBe(messages.length);
		// requested ×3, received ×2 (as InStock), shipped, disposed: 7 changes, 7 messages
		expect(messages.map(m => m.kind).sort()).toEqual(["DeliveryRequested", "DeliveryRequested", "DeliveryRequested", "Disposed", "InStock", "InStock", "Shipped"]);
		expect(new Set(messages.map(m => `${m.kind}|${m.refId}`)).size).toBe(messages.length);
		expect(messages.every(m => typeof m.sentAt === "string")).toBe(true);

		// the stock view, from events only
		const row = await eventually(() => customer.get(`${API}/stocks/${stockId}`), r => r.status === 200 && r.body.quantity === 10 && r.body.disposed === 1);
		expect(row.body as StockRow).toMatchObject({ stockId, customer: "gildong", product: "사과", quantity: 10, received: 15, shipped: 4, disposed: 1, incoming: 0, status: "inStock" });
		const view = await eventually(() => customer.get(`${API}/stocks?customer=gildong`), r => r.body.total === 2);
		expect(view.body.rows.map((r: StockRow) => [r.product, r.quantity, r.incoming]).sort()).toEqual([
			["배", 0, 2],
			["사과", 10, 0]
		]);
	});
});

describe("a receipt is booked once, however it is repeated", () => {
	it("received twice: 409 with status received and the stock, booked once", async () => {
		const d = await request("twice", "쌀", 3);
		await receive(d.id);
		const again = await staff.post(`${API}/deliveries/${d.id}/receive`);
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ code: 409, type: "ILLEGAL_TRANSITION", data: { status: "received", stockId: d.stockId } });
		expect((await stockOf(d.stockId)).bookings.map(b => b.deliveryId)).toEqual([d.id]);
		expect((await stockOf(d.stockId)).quantity).toBe(3);
	});

	it("received by many staff at once: every answer says received (200, or 409 once it was), booked once", async () => {
		const d = await request("crowd", "쌀", 4);
		const answers = await Promise.all(Array.from({ length: 8 }, () => staff.post(`${API}/deliveries/${d.id}/receive`)));
		for (const a of answers) expect([a.status === 200 ? a.body.status : a.body.data.status]).toEqual(["received"]);
		expect(answers.some(a => a.status === 200)).toBe(true);
		const stock = await stockOf(d.stockId);
		expect([stock.quantity, stock.bookings.length]).toEqual([4, 1]);
		expect((await messagesAbout(d.id, 2)).map(m => m.kind).sort()).toEqual(["DeliveryRequested", "InStock"]);
	});

	it("a booking slower than the caller's timeout: 504 outcome unknown, then, with nobody retrying, the delivery is received and the stock booked once", async () => {
		const d = await request("slow-booking", "쌀", 6);
		slowBooking.next(1, config.resilience.stepTimeoutMs + 900);
		const res = await staff.post(`${API}/deliveries/${d.id}/receive`);
		expect(res.status).toBe(504);
		expect(res.body).toMatchObject({ code: 504, type: "OUTCOME_UNKNOWN", data: { outcome: "unknown", cause: "REQUEST_TIMEOUT" } });
		// After things settle: the warehouse's InStock made it received; the stock holds it once.
		const settled = await eventually(() => deliveryOf(d.id), r => r.status === "received");
		expect(settled.stockId).toBe(d.stockId);
		const stock = await stockOf(d.stockId);
		expect([stock.quantity, stock.bookings.map(b => b.deliveryId)]).toEqual([6, [d.id]]);
		// A retry now learns it: received (409), nothing booked again.
		expect((await staff.post(`${API}/deliveries/${d.id}/receive`)).body.data.status).toBe("received");
		expect((await stockOf(d.stockId)).quantity).toBe(6);
		await settle();
		expect((await messagesAbout(d.id, 2)).map(m => m.kind).sort()).toEqual(["DeliveryRequested", "InStock"]);
		console.log(`slow booking: 504 ${res.body.data.cause}, then delivery ${settled.status}, stock quantity ${stock.quantity}, bookings ${stock.bookings.length}`);
	});

	it("timed out and retried before its InStock arrived: the retry answers received (200) with the first booking, nothing booked twice", async () => {
		const d = await request("slow-retry", "쌀", 2);
		hand.hold("warehouse.InStock", "warehouse.delivery");
		try {
			slowBooking.next(1, config.resilience.stepTimeoutMs + 900);
			expect((await staff.post(`${API}/deliveries/${d.id}/receive`)).status).toBe(504);
			await eventually(() => stockOf(d.stockId), s => s.quantity === 2); // it did book
			expect((await deliveryOf(d.id)).status).toBe("requested"); // not received on a hope
			const retried = await staff.post(`${API}/deliveries/${d.id}/receive`);
			expect(retried.status).toBe(200);
			expect(retried.body).toMatchObject({ status: "received", stockId: d.stockId });
		} finally {
			await hand.release("warehouse.InStock", "warehouse.delivery");
		}
		await settle();
		const stock = await stockOf(d.stockId);
		expect([stock.quantity, stock.bookings.length]).toEqual([2, 1]);
		expect((await deliveryOf(d.id)).status).toBe("received");
		expect((await messagesAbout(d.id, 2)).map(m => m.kind).sort()).toEqual(["DeliveryRequested", "InStock"]);
	});

	it("a request repeated with its Idempotency-Key is the same delivery; the key with another body is a 422", async () => {
		const key = { "Idempotency-Key": `k-${randomUUID()}` };
		const a = await request("keyed", "콩", 1, key);
		const b = await request("keyed", "콩", 1, key);
		expect(b.id).toBe(a.id);
		const other = await as.customer("keyed").post(`${API}/deliveries`, { product: "콩", qty: 2 }, key);
		expect(other.status).toBe(422);
		expect((await as.customer("keyed").get(`${API}/deliveries`)).body.total).toBe(1);
	});
});

describe("stock never goes negative", () => {
	it("ship or dispose more than there is: 409 with the current quantity, nothing changed, no message", async () => {
		const d = await request("short", "감자", 3);
		const { stockId } = await receive(d.id);
		const before = await stockOf(stockId);
		const ship = await as.customer("short").post(`${API}/warehouses/${stockId}/ship`, { qty: 4 });
		expect(ship.status).toBe(409);
		expect(ship.body).toMatchObject({ code: 409, type: "CONFLICT", data: { quantity: 3, status: "inStock", requested: 4 } });
		const dispose = await staff.post(`${API}/warehouses/${stockId}/dispose`, { qty: 5, reason: "부패" });
		expect([dispose.status, dispose.body.data.quantity]).toEqual([409, 3]);
		expect(await stockOf(stockId)).toEqual(before);
		await settle();
		expect((await admin.get(`${API}/notifications?refId=${stockId}`)).body.total).toBe(0);
		// to zero, which stays readable; then nothing more goes out
		expect((await as.customer("short").post(`${API}/warehouses/${stockId}/ship`, { qty: 3 })).body).toMatchObject({ quantity: 0, status: "empty" });
		expect((await as.customer("short").get(`${API}/warehouses/${stockId}`)).body).toMatchObject({ quantity: 0, status: "empty" });
		expect((await as.customer("short").post(`${API}/warehouses/${stockId}/ship`, { qty: 1 })).body.data).toMatchObject({ quantity: 0, status: "empty" });
	});

	it("20 concurrent ships of 1 on a stock of 5: exactly 5 succeed, 15 answer 409, the stock ends at 0, 5 messages", async () => {
		const d = await request("race", "라면", 5);
		const { stockId } = await receive(d.id);
		const customer = as.customer("race");
		const answers = await Promise.all(Array.from({ length: 20 }, () => customer.post(`${API}/warehouses/${stockId}/ship`, { qty: 1 })));
		const ok = answers.filter(a => a.status === 200);
		const refused = answers.filter(a => a.status === 409);
		console.log(`ship race: 20 ships of 1 on a stock of 5 → ${ok.length} × 200, ${refused.length} × 409 (quantities told ${[...new Set(refused.map(a => a.body.data.quantity))].join(",")}), remaining ${(await stockOf(stockId)).quantity}`);
		expect([ok.length, refused.length]).toEqual([5, 15]);
		expect(ok.map(a => a.body.quantity).sort()).toEqual([0, 1, 2, 3, 4]);
		for (const r of refused) expect(r.body).toMatchObject({ type: "CONFLICT", data: { quantity: 0, requested: 1 } });
		expect(await stockOf(stockId)).toMatchObject({ quantity: 0, shipped: 5, received: 5, status: "empty" });
		const shipped = await messagesAbout(stockId, 5);
		await settle();
		expect((await admin.get(`${API}/notifications?refId=${stockId}&kind=Shipped`)).body.total).toBe(5);
		expect(shipped.map(m => m.message).sort()).toEqual([0, 1, 2, 3, 4].map(n => `[창고] 라면 1개가 출고되었습니다. 남은 재고 ${n}개.`).sort());
		await eventually(() => customer.get(`${API}/stocks/${stockId}`), r => r.status === 200 && r.body.quantity === 0 && r.body.shipped === 5);
	});
});

describe("cancellation", () => {
	it("before it is received: cancelled, told once; again, or receiving it, is 409 cancelled; the stock never sees it", async () => {
		const d = await request("cancels", "두부", 2);
		const customer = as.customer("cancels");
		const res = await customer.del(`${API}/deliveries/${d.id}`);
		expect([res.status, res.body.status]).toEqual([200, "cancelled"]);
		expect(res.body.cancelledAt).toEqual(expect.any(String));
		expect((await customer.del(`${API}/deliveries/${d.id}`)).body).toMatchObject({ code: 409, data: { status: "cancelled" } });
		expect((await staff.post(`${API}/deliveries/${d.id}/receive`)).body).toMatchObject({ code: 409, data: { status: "cancelled" } });
		expect((await admin.get(`${API}/warehouses/${d.stockId}`)).status).toBe(404);
		expect((await messagesAbout(d.id, 2)).map(m => m.kind).sort()).toEqual(["DeliveryCancelled", "DeliveryRequested"]);
		await eventually(() => customer.get(`${API}/stocks/${d.stockId}`), r => r.status === 200 && r.body.cancelled === 2 && r.body.incoming === 0);
	});

	it("after it is received: 409 received; someone else's: 403; staff cannot cancel for a customer", async () => {
		const d = await request("late-cancel", "두부", 1);
		expect((await as.customer("mallory").del(`${API}/deliveries/${d.id}`)).status).toBe(403);
		expect((await staff.del(`${API}/deliveries/${d.id}`)).status).toBe(403);
		await receive(d.id);
		const res = await as.customer("late-cancel").del(`${API}/deliveries/${d.id}`);
		expect(res.status).toBe(409);
		expect(res.body.data).toMatchObject({ status: "received", stockId: d.stockId });
		expect((await stockOf(d.stockId)).quantity).toBe(1);
	});

	it("the cancel reaches the warehouse while the booking is on its way: the warehouse accepts it, refuses the booking, and the receive answers 409 cancelled", async () => {
		const d = await request("cross-early", "김치", 3);
		hand.delay("warehouse.warehouse.book", 400); // the booking's call is slow to reach its handler
		try {
			const receiving = staff.post(`${API}/deliveries/${d.id}/receive`);
			await eventually(() => deliveryOf(d.id), r => r.bookingRequestedAt !== undefined); // staff asked the warehouse
			const cancel = await as.customer("cross-early").del(`${API}/deliveries/${d.id}`);
			expect([cancel.status, cancel.body.status]).toEqual([200, "cancelled"]);
			const rcv = await receiving;
			expect([rcv.status, rcv.body.data.status]).toEqual([409, "cancelled"]);
		} finally {
			hand.delay("warehouse.warehouse.book", 0);
		}
		expect(await stockOf(d.stockId)).toMatchObject({ quantity: 0, bookings: [], cancelledDeliveries: [d.id] });
		expect((await deliveryOf(d.id)).status).toBe("cancelled");
	});

	it("the cancel reaches the warehouse after it booked, before its answer: refused, 409 received (though the delivery had not heard yet); the receive answers 200", async () => {
		const d = await request("cross-late", "김치", 4);
		slowBooking.next(1, 300); // booked, the answer still on its way (within the caller's timeout)
		const receiving = staff.post(`${API}/deliveries/${d.id}/receive`);
		await eventually(() => admin.get(`${API}/warehouses/${d.stockId}`), r => r.status === 200 && r.body.quantity === 4);
		const cancel = await as.customer("cross-late").del(`${API}/deliveries/${d.id}`);
		expect(cancel.status).toBe(409);
		expect(cancel.body.data).toMatchObject({ status: "received", stockId: d.stockId });
		const rcv = await receiving;
		expect([rcv.status, rcv.body.status]).toEqual([200, "received"]);
		expect((await stockOf(d.stockId)).bookings.map(b => b.deliveryId)).toEqual([d.id]);
	});

	it("a cancel crossing a receipt, many times: exactly one of them wins; received ⇔ booked once, cancelled ⇔ never booked", async () => {
		const ds = await Promise.all(Array.from({ length: 16 }, (_, i) => request(`cross${i}`, "김치", i + 1)));
		const jitter = () => new Promise(resolve => setTimeout(resolve, Math.random() * 30));
		const outcomes = await Promise.all(
			ds.map(async (d, i) => {
				const cancel = () => jitter().then(() => as.customer(`cross${i}`).del(`${API}/deliveries/${d.id}`));
				const rcv = () => jitter().then(() => staff.post(`${API}/deliveries/${d.id}/receive`));
				const [c, r] = await Promise.all([cancel(), rcv()]);
				return { d, cancel: c.status, receive: r.status };
			})
		);
		await settle();
		for (const { d, cancel, receive: rcv } of outcomes) {
			expect([cancel, rcv].sort()).toEqual([200, 409]);
			const delivery = await deliveryOf(d.id);
			const stock = await admin.get(`${API}/warehouses/${d.stockId}`);
			const booked = stock.status === 200 ? (stock.body as Stock).bookings.filter(b => b.deliveryId === d.id).length : 0;
			if (rcv === 200) expect([delivery.status, booked]).toEqual(["received", 1]);
			else expect([delivery.status, booked]).toEqual(["cancelled", 0]);
		}
		console.log("crossing cancels and receipts:", outcomes.filter(o => o.cancel === 200).length, "cancelled,", outcomes.filter(o => o.receive === 200).length, "received");
	});
});

describe("bad input changes nothing, and says which field", () => {
	it("a request: 422 naming the field (numbers as strings accepted), 400 for a body that is not JSON, 403 in another's name", async () => {
		const customer = as.customer("picky");
		await expectValidationErrors(customer, `${API}/deliveries`, [
			[{ product: "사과", qty: "many" }, "qty"],
			[{ product: "사과", qty: 0 }, "qty"],
			[{ product: "사과", qty: 1.5 }, "qty"],
			[{ qty: 1 }, "product"],
			[{ product: "", qty: 1 }, "product"],
			[{ product: "사과", qty: 1, color: "red" }, "color"]
		]);
		expect((await customer.post(`${API}/deliveries`, { product: "사과", qty: 1, customer: "gildong" })).status).toBe(403);
		expect((await customer.get(`${API}/deliveries`)).body.total).toBe(0);
		// an admin names the customer, or is told it is missing
		expect((await admin.post(`${API}/deliveries`, { product: "사과", qty: 1 })).body).toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
		expect((await admin.post(`${API}/deliveries`, { product: "사과", qty: 1, customer: "picky" })).status).toBe(201);
	});

	it("ship and dispose: 422 naming qty or reason; a customer cannot dispose, nor ship another's stock; 404 for no such stock", async () => {
		const d = await request("guarded", "배추", 5);
		const { stockId } = await receive(d.id);
		const owner = as.customer("guarded");
		for (const [body, field] of [[{ qty: "x" }, "qty"], [{ qty: -1 }, "qty"], [{}, "qty"], [{ qty: 1, why: "x" }, "why"]] as const) {
			const res = await owner.post(`${API}/warehouses/${stockId}/ship`, body);
			expect([res.status, JSON.stringify(res.body.data)]).toEqual([422, expect.stringContaining(field)]);
		}
		for (const [body, field] of [[{ qty: 1 }, "reason"], [{ qty: 1, reason: "" }, "reason"], [{ reason: "x" }, "qty"]] as const) {
			const res = await staff.post(`${API}/warehouses/${stockId}/dispose`, body);
			expect([res.status, JSON.stringify(res.body.data)]).toEqual([422, expect.stringContaining(field)]);
		}
		expect((await owner.post(`${API}/warehouses/${stockId}/dispose`, { qty: 1, reason: "x" })).status).toBe(403);
		expect((await as.customer("mallory").post(`${API}/warehouses/${stockId}/ship`, { qty: 1 })).status).toBe(403);
		expect((await as.customer("mallory").get(`${API}/warehouses/${stockId}`)).status).toBe(403);
		expect((await as.customer("mallory").get(`${API}/stocks/${stockId}`)).status).toBe(403);
		expect((await as.customer("mallory").get(`${API}/warehouses`)).body.total).toBe(0);
		expect((await staff.post(`${API}/warehouses/no-such-stock/ship`, { qty: 1 })).status).toBe(404);
		expect((await as.rider().get(`${API}/warehouses`)).status).toBe(403);
		expect((await owner.post(`${API}/deliveries/${d.id}/receive`)).status).toBe(403);
		expect((await stockOf(stockId)).quantity).toBe(5);
		// the synchronous steps are internal: not reachable from the gateway, whoever asks
		expect((await admin.post(`${API}/warehouses/${stockId}/book`, {})).status).toBe(404);
	});
});

describe("the warehouse context gone, and back", () => {
	it("receive: 503 + Retry-After and the delivery stays requested; requests are still accepted; back, it receives; a cancel asked of it meanwhile: 503, nothing cancelled", async () => {
		const schema = systemSchemas("warehouse").find(s => s.name === "warehouse.warehouse") as ServiceSchema;
		const running = broker.getLocalService("warehouse.warehouse");
		if (!running) throw new Error("no warehouse context");
		await broker.destroyService(running);
		try {
			const d = await request("outage", "우유", 2); // accepted while the warehouse is gone
			const res = await staff.post(`${API}/deliveries/${d.id}/receive`);
			expect(res.status).toBe(503);
			expect(res.headers.get("retry-after")).toBe(String(config.resilience.retryAfterSeconds));
			expect(res.body).toMatchObject({ code: 503, type: "SERVICE_UNAVAILABLE" });
			expect(["SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE"]).toContain(res.body.data.cause); // no endpoint: nothing was asked
			expect(res.body.message).toMatch(/still requested/);
			expect(await deliveryOf(d.id)).toMatchObject({ status: "requested", bookingRequestedAt: expect.any(String) });
			// staff asked the warehouse to book it: only the warehouse may now decide a cancel, and it cannot be asked
			const cancel = await as.customer("outage").del(`${API}/deliveries/${d.id}`);
			expect([cancel.status, cancel.headers.get("retry-after")]).toEqual([503, String(config.resilience.retryAfterSeconds)]);
			expect((await deliveryOf(d.id)).status).toBe("requested");

			broker.createService(schema);
			await broker.waitForServices(["warehouse.warehouse"], 5000);
			const back = await eventually(() => staff.post(`${API}/deliveries/${d.id}/receive`), r => r.status === 200);
			expect(back.body).toMatchObject({ status: "received", stockId: d.stockId });
			expect((await stockOf(d.stockId)).quantity).toBe(2);
		} finally {
			if (!broker.getLocalService("warehouse.warehouse")) broker.createService(schema);
		}
	});

	it("a cancel the warehouse accepted is final: the delivery is never received, the stock never books it", async () => {
		const d = await request("accepted-cancel", "우유", 1);
		// staff asked to book it while the warehouse was overloaded (the answer lost): the cancel goes to the warehouse
		slowBooking.next(0, 0);
		const running = broker.getLocalService("warehouse.warehouse")!;
		const schema = systemSchemas("warehouse").find(s => s.name === "warehouse.warehouse") as ServiceSchema;
		await broker.destroyService(running);
		expect((await staff.post(`${API}/deliveries/${d.id}/receive`)).status).toBe(503);
		broker.createService(schema);
		await broker.waitForServices(["warehouse.warehouse"], 5000);
		const cancel = await eventually(() => as.customer("accepted-cancel").del(`${API}/deliveries/${d.id}`), r => r.status !== 503);
		expect([cancel.status, cancel.body.status]).toEqual([200, "cancelled"]);
		const rcv = await staff.post(`${API}/deliveries/${d.id}/receive`);
		expect([rcv.status, rcv.body.data.status]).toEqual([409, "cancelled"]);
		const stock = await stockOf(d.stockId);
		expect(stock).toMatchObject({ quantity: 0, bookings: [], cancelledDeliveries: [d.id] });
	});
});
