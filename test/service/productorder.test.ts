/**
 * The product-order mall in one broker in process (the embedded default), HTTP through the real gateway,
 * each request with the bearer token of whom the spec says acts: the customer (mallbuyer logs in with the
 * password grant), the product manager (store role), the courier (rider role); polling reads as admin.
 * The seed's commands, a cancellation, the out-of-stock compensation, and 20 orders racing for the last 5 units.
 */
import { config } from "../../config";
import type { CustomerCenterRow } from "../../services/productorder/customercenter.view";
import type { Order } from "../../services/productorder/order.domain";
import type { Product } from "../../services/productorder/product.domain";
import { actors, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { expectValidationErrors } from "../support/expect";
import { gate } from "../support/gate";
import { client, eventually, type Client } from "../support/http";

const API = "/api/productorder";
let as: Actors;
let buyer: Client;
let manager: Client;
let courier: Client;
let admin: Client;
let stop: () => Promise<void>;
/** Holds a consumer back when a test needs an interleaving on purpose (a cancel overtaking PayApproved). */
const hand = gate();

beforeAll(async () => {
	const app = await startEmbedded(systemSchemas("productorder"), [hand.middleware]);
	as = actors(client(app.baseUrl));
	[buyer, manager, courier] = await Promise.all([as.login("mallbuyer"), as.login("mallmanager"), as.login("mallcourier")]);
	admin = as.admin();
	stop = app.stop;
});
afterAll(() => stop());

// The seed's commands, as httpie sends them (numbers arrive as strings).
const seedProduct = { itemcd: "2", totalQuantity: "100" };
const seedOrder = { item: "milk", orderQty: "1", status: "ordered", price: "2000", itemcd: "2" };

let products = 0;
/** A product of its own for a test: `qty` units. */
async function newProduct(qty: number): Promise<string> {
	const itemcd = `p${process.pid}-${++products}`;
	const res = await manager.post(`${API}/products`, { itemcd, totalQuantity: qty, name: "우유" });
	expect(res.status).toBe(201);
	return itemcd;
}

/** Places an order as `who` (default: the demo customer): its id. */
async function place(body: Record<string, unknown>, who: Client = buyer): Promise<string> {
	const res = await who.post(`${API}/orders`, body);
	expect([res.status, res.body]).toEqual([201, expect.objectContaining({ status: "ordered" })]);
	return res.body.id;
}

const orderIs = (id: string, status: Order["status"]) => eventually(() => admin.get(`${API}/orders/${id}`), r => r.body.status === status);
const productOf = async (itemcd: string): Promise<Product> => (await admin.get(`${API}/products/${itemcd}`)).body;
const center = (id: string, accept: (row: CustomerCenterRow) => boolean, who: Client = admin) => eventually(() => who.get(`${API}/customercenters/${id}`), r => r.status === 200 && accept(r.body));

describe("product-order mall, embedded default", () => {
	it("runs the seed's commands end to end: product, order with its pay, stock reserved, delivery started and completed, customer center and notices", async () => {
		// [상품관리자 - 상품 추가하기] http POST /products itemcd="2" totalQuantity="100"
		const added = await manager.post(`${API}/products`, seedProduct);
		expect(added.status).toBe(201);
		expect(added.headers.get("location")).toBe(`${API}/products/2`);
		expect(added.body).toMatchObject({ itemcd: "2", totalQuantity: 100, reservedQuantity: 0, stockedQuantity: 100 });
		// [상품관리자 - 상품 수량 확인] http GET /products/2
		expect((await manager.get(`${API}/products/2`)).body.totalQuantity).toBe(100);

		// [고객 - 주문하기] http POST /orders item="milk" orderQty="1" status="ordered" price="2000" itemcd="2"
		const res = await buyer.post(`${API}/orders`, seedOrder, { "X-Request-ID": "mall-seed-1" });
		expect(res.status).toBe(201);
		expect(res.headers.get("x-request-id")).toBe("mall-seed-1");
		expect(res.headers.get("location")).toBe(`${API}/orders/${res.body.id}`);
		expect(res.body).toMatchObject({ item: "milk", orderQty: 1, price: 2000, amount: 2000, itemcd: "2", customer: "mallbuyer", status: "ordered", payStatus: "approved" });
		const id: string = res.body.id;

		// [고객 - 주문내역확인] http GET /orders/<id>: once the product reserved the unit, deliveryPrepared
		await eventually(() => buyer.get(`${API}/orders/${id}`), r => r.body.status === "deliveryPrepared");
		const pays = await buyer.get(`${API}/pays?orderId=${id}`);
		expect(pays.body).toMatchObject({ total: 1, rows: [{ orderId: id, status: "approved", amount: 2000 }] });
		expect((await buyer.get(`${API}/pays/${id}`)).body.status).toBe("approved");
		const stock = await productOf("2");
		expect(stock).toMatchObject({ totalQuantity: 99, reservedQuantity: 1, stockedQuantity: 100 });
		expect(stock.reservations[id]).toEqual({ qty: 1, status: "reserved" });
		// [고객 - 결제하기] the seed's direct POST /pays: there is no such route (the pay is the order's own step)
		expect((await buyer.post(`${API}/pays`, { orderId: id, item: "milk", orderQty: "1", status: "ordered", price: "2000", itemcd: "2" })).status).toBe(404);

		// [배송업체 - 배송상태 변경하기] http POST /deliveries/<id>/deliverystarted test=1, then deliverycompleted test=1
		const prepared = await courier.get(`${API}/deliveries?status=prepared&orderId=${id}`);
		expect(prepared.body).toMatchObject({ total: 1, rows: [{ id, orderId: id, status: "prepared", item: "milk", itemcd: "2" }] });
		const started = await courier.post(`${API}/deliveries/${id}/deliverystarted`, { test: "1" });
		expect(started.status).toBe(200);
		expect(started.body.status).toBe("started");
		await orderIs(id, "deliveryStarted");
		const completed = await courier.post(`${API}/deliveries/${id}/deliverycompleted`, { test: "1" });
		expect(completed.body.status).toBe("completed");
		await orderIs(id, "deliveryCompleted");

		// 고객은 언제든지 주문한 내역과 배송 상태를 조회한다 (CQRS - View)
		const row = await center(id, r => r.orderStatus === "deliveryCompleted" && r.deliveryStatus === "completed", buyer);
		expect(row.body).toMatchObject({ orderId: id, customer: "mallbuyer", item: "milk", itemcd: "2", orderQty: 1, amount: 2000, payStatus: "approved", ordered: true });
		const mine = await buyer.get(`${API}/customercenters?customer=mallbuyer`);
		expect(mine.body.rows.map((r: CustomerCenterRow) => r.orderId)).toContain(id);
		expect((await buyer.get(`${API}/orders`)).body.rows.map((o: Order) => o.id)).toContain(id);

		// 주문/배송상태가 바뀌면 고객에게 알림을 보낸다: one notice per change, in Korean, to the customer
		const notices = await eventually(() => buyer.get(`${API}/notices?orderId=${id}`), r => r.body.total === 4 && r.body.rows.every((n: { status: string }) => n.status === "sent"));
		expect(notices.body.rows.map((n: { eventType: string }) => n.eventType).sort()).toEqual(["DeliveryCompleted", "DeliveryPrepared", "DeliveryStarted", "Ordered"]);
		for (const n of notices.body.rows) {
			expect(n).toMatchObject({ orderId: id, customer: "mallbuyer", channel: "kakaotalk", attempts: 1 });
			expect(n.message).toMatch(/[가-힣]/);
			expect(typeof n.sentAt).toBe("string");
		}
		await new Promise(r => setTimeout(r, 300));
		expect((await buyer.get(`${API}/notices?orderId=${id}`)).body.total).toBe(4); // never two for one event
	});

	it("takes itemcd as a JSON number or a numeric string alike (stored as the string), and the customer from the token", async () => {
		const itemcd = String(Date.now() % 100000000);
		expect((await manager.post(`${API}/products`, { itemcd: Number(itemcd), totalQuantity: 3 })).body.itemcd).toBe(itemcd);
		const res = await buyer.post(`${API}/orders`, { item: "milk", orderQty: 1, price: 2000, itemcd: Number(itemcd), address: "서울시 강남구" });
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({ itemcd, customer: "mallbuyer", address: "서울시 강남구" });
		await orderIs(res.body.id, "deliveryPrepared");
		expect((await productOf(itemcd)).totalQuantity).toBe(2);
		const delivery = await eventually(() => courier.get(`${API}/deliveries/${res.body.id}`), r => r.status === 200);
		expect(delivery.body.address).toBe("서울시 강남구");
	});

	it("cancels an order until its delivery has started: the pay is cancelled, the reserved units come back, the delivery is cancelled; then 409", async () => {
		const itemcd = await newProduct(10);
		const id = await place({ ...seedOrder, itemcd, orderQty: "3" });
		await orderIs(id, "deliveryPrepared");
		expect((await productOf(itemcd)).totalQuantity).toBe(7);

		const res = await buyer.del(`${API}/orders/${id}`);
		expect(res.status).toBe(200);
		expect(res.body.status).toBe("canceled");
		await eventually(() => buyer.get(`${API}/pays/${id}`), r => r.body.status === "canceled" && r.body.cancelReason === "customer");
		await eventually(() => admin.get(`${API}/products/${itemcd}`), r => r.body.totalQuantity === 10 && r.body.reservedQuantity === 0);
		expect((await productOf(itemcd)).reservations[id]).toEqual({ qty: 3, status: "canceled" });
		await eventually(() => courier.get(`${API}/deliveries/${id}`), r => r.body.status === "canceled");
		await center(id, r => r.orderStatus === "canceled" && r.payStatus === "canceled" && r.deliveryStatus === "canceled");
		await eventually(() => buyer.get(`${API}/orders/${id}`), r => r.body.payStatus === "canceled");
		const notices = await eventually(() => buyer.get(`${API}/notices?orderId=${id}`), r => r.body.rows.some((n: { eventType: string }) => n.eventType === "DeliveryCanceled"));
		expect(notices.body.rows.filter((n: { eventType: string }) => n.eventType === "OrderCanceled")).toHaveLength(1);

		const again = await buyer.del(`${API}/orders/${id}`);
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ code: 409, type: "ILLEGAL_TRANSITION", data: { status: "canceled" } });
		expect((await courier.post(`${API}/deliveries/${id}/deliverystarted`, { test: 1 })).body.data).toMatchObject({ status: "canceled" });

		// Once the courier has started, the cancel is refused with the order's status, and nothing changes.
		const late = await place({ ...seedOrder, itemcd });
		await orderIs(late, "deliveryPrepared");
		expect((await courier.post(`${API}/deliveries/${late}/deliverystarted`)).status).toBe(200);
		const refused = await buyer.del(`${API}/orders/${late}`);
		expect(refused.status).toBe(409);
		expect(refused.body.data).toMatchObject({ status: "deliveryStarted" });
		expect((await productOf(itemcd)).reservations[late]).toEqual({ qty: 1, status: "reserved" });
	});

	it("a cancel that overtakes the order's PayApproved: nothing is ever reserved for it, and no delivery is prepared", async () => {
		const itemcd = await newProduct(4);
		hand.hold("productorder.PayApproved", "productorder.product");
		let id: string;
		try {
			id = await place({ ...seedOrder, itemcd, orderQty: "2" });
			await eventually(async () => hand.held("productorder.PayApproved", "productorder.product"), n => n === 1);
			// The delivery (the pivot's owner) accepts: nothing was prepared yet.
			const res = await buyer.del(`${API}/orders/${id}`);
			expect([res.status, res.body.status]).toEqual([200, "canceled"]);
			// The cancel reaches the product first: it leaves a cancelled entry.
			await eventually(() => productOf(itemcd), p => p.reservations[id]?.status === "canceled");
		} finally {
			await hand.release("productorder.PayApproved", "productorder.product");
		}
		await eventually(() => buyer.get(`${API}/pays/${id}`), r => r.body.status === "canceled");
		await new Promise(r => setTimeout(r, 300));
		expect(await productOf(itemcd)).toMatchObject({ totalQuantity: 4, reservedQuantity: 0, stockedQuantity: 4, reservations: { [id]: { qty: 2, status: "canceled" } } });
		expect((await courier.get(`${API}/deliveries/${id}`)).body).toMatchObject({ status: "canceled", item: "" });
		expect((await admin.get(`${API}/orders/${id}`)).body.status).toBe("canceled");

		// And orders cancelled at once, racing the product's answer, leave nothing reserved either way.
		const ids = await Promise.all(Array.from({ length: 4 }, () => place({ ...seedOrder, itemcd })));
		for (const c of await Promise.all(ids.map(o => buyer.del(`${API}/orders/${o}`)))) expect(c.status).toBe(200);
		for (const o of ids) await eventually(() => admin.get(`${API}/orders/${o}`), r => r.body.status === "canceled" && r.body.payStatus === "canceled");
		await eventually(() => productOf(itemcd), p => ids.every(o => p.reservations[o]?.status === "canceled"));
		expect(await productOf(itemcd)).toMatchObject({ totalQuantity: 4, reservedQuantity: 0, stockedQuantity: 4 });
	});

	it("out of stock: the pay is cancelled and the order rejected; an unknown itemcd likewise, creating no product", async () => {
		const itemcd = await newProduct(1);
		const id = await place({ ...seedOrder, itemcd, orderQty: "2" });
		await orderIs(id, "rejected");
		expect((await admin.get(`${API}/orders/${id}`)).body.rejectReason).toBe("short");
		await eventually(() => buyer.get(`${API}/pays/${id}`), r => r.body.status === "canceled" && r.body.cancelReason === "outOfStock");
		expect(await productOf(itemcd)).toMatchObject({ totalQuantity: 1, reservedQuantity: 0, reservations: { [id]: { qty: 2, status: "refused" } } });
		await center(id, r => r.orderStatus === "rejected" && r.payStatus === "canceled" && r.rejectReason === "short");
		const notices = await eventually(() => buyer.get(`${API}/notices?orderId=${id}`), r => r.body.total === 2);
		expect(notices.body.rows.find((n: { eventType: string }) => n.eventType === "OutOfStock").message).toContain("재고가 부족");
		expect((await courier.get(`${API}/deliveries/${id}`)).status).toBe(404);
		// a rejected order cannot be cancelled
		expect((await buyer.del(`${API}/orders/${id}`)).body).toMatchObject({ code: 409, data: { status: "rejected" } });

		const unknown = `nope${process.pid}`;
		const lost = await place({ ...seedOrder, itemcd: unknown });
		await orderIs(lost, "rejected");
		expect((await admin.get(`${API}/orders/${lost}`)).body.rejectReason).toBe("unknownItem");
		await eventually(() => buyer.get(`${API}/pays/${lost}`), r => r.body.status === "canceled");
		expect((await admin.get(`${API}/products/${unknown}`)).status).toBe(404);
		expect((await admin.get(`${API}/products?itemcd=${unknown}`)).body.total).toBe(0);
		// The product may still be added afterwards; the order refused before stays refused.
		expect((await manager.post(`${API}/products`, { itemcd: unknown, totalQuantity: 5 })).status).toBe(201);
		await new Promise(r => setTimeout(r, 300));
		expect(await productOf(unknown)).toMatchObject({ totalQuantity: 5, reservations: {} });
		expect((await admin.get(`${API}/orders/${lost}`)).body.status).toBe("rejected");
	});

	it("20 orders at once for the last 5 units: exactly 5 prepared, 15 rejected with their pays cancelled, stock 0 — never oversold", async () => {
		const itemcd = await newProduct(5);
		const placed = await Promise.all(Array.from({ length: 20 }, (_, i) => as.customer(`racer${i}`).post(`${API}/orders`, { ...seedOrder, itemcd })));
		expect(placed.map(r => r.status)).toEqual(Array(20).fill(201));
		const ids: string[] = placed.map(r => r.body.id);
		const final = await eventually(
			() => Promise.all(ids.map(async id => (await admin.get(`${API}/orders/${id}`)).body as Order)),
			orders => orders.every(o => o.status === "deliveryPrepared" || (o.status === "rejected" && o.payStatus === "canceled"))
		);
		const prepared = final.filter(o => o.status === "deliveryPrepared");
		const rejected = final.filter(o => o.status === "rejected");
		console.log(`last items: ${ids.length} orders placed, ${prepared.length} deliveryPrepared, ${rejected.length} rejected, final stock ${(await productOf(itemcd)).totalQuantity}`);
		expect(prepared).toHaveLength(5);
		expect(rejected).toHaveLength(15);
		const stock = await productOf(itemcd);
		expect(stock).toMatchObject({ totalQuantity: 0, reservedQuantity: 5, stockedQuantity: 5 });
		expect(Object.entries(stock.reservations).filter(([, r]) => r.status === "reserved").map(([id]) => id).sort()).toEqual(prepared.map(o => o.id).sort());
		for (const o of rejected) expect((await admin.get(`${API}/pays/${o.id}`)).body).toMatchObject({ status: "canceled", cancelReason: "outOfStock" });
		for (const o of prepared) expect((await admin.get(`${API}/pays/${o.id}`)).body.status).toBe("approved");
		expect((await courier.get(`${API}/deliveries?status=prepared&pageSize=100`)).body.rows.filter((d: { itemcd: string }) => d.itemcd === itemcd)).toHaveLength(5);

		// A restock makes the product sell again.
		const restocked = await manager.post(`${API}/products/${itemcd}/restock`, { qty: "3" });
		expect(restocked.status).toBe(200);
		expect(restocked.body).toMatchObject({ totalQuantity: 3, reservedQuantity: 5, stockedQuantity: 8 });
		await orderIs(await place({ ...seedOrder, itemcd }), "deliveryPrepared");
	});

	it("a repeat with the same Idempotency-Key answers the first order: one order, one pay, one reservation", async () => {
		const itemcd = await newProduct(5);
		const key = { "Idempotency-Key": `mall-${process.pid}-${Date.now()}` };
		const first = await buyer.post(`${API}/orders`, { ...seedOrder, itemcd }, key);
		const again = await buyer.post(`${API}/orders`, { ...seedOrder, itemcd }, key);
		expect([first.status, again.status]).toEqual([201, 201]);
		expect(again.body.id).toBe(first.body.id);
		expect((await buyer.post(`${API}/orders`, { ...seedOrder, itemcd, orderQty: "2" }, key)).status).toBe(422);
		await orderIs(first.body.id, "deliveryPrepared");
		expect((await productOf(itemcd)).totalQuantity).toBe(4);
		expect((await admin.get(`${API}/pays?orderId=${first.body.id}`)).body.total).toBe(1);
		const p1 = await manager.post(`${API}/products`, { itemcd: `${itemcd}x`, totalQuantity: 1 }, key);
		const p2 = await manager.post(`${API}/products`, { itemcd: `${itemcd}x`, totalQuantity: 1 }, key);
		expect([p1.status, p2.status]).toEqual([201, 201]);
	});

	it("a declined pay is a 402 and establishes nothing; a pay slower than its caller is a 503 + Retry-After, and the late pay is voided or cancelled", async () => {
		const itemcd = await newProduct(5);
		const declined = await as.customer("freebie").post(`${API}/orders`, { ...seedOrder, itemcd, price: "0" });
		expect(declined.status).toBe(402);
		expect((await as.customer("freebie").get(`${API}/orders`)).body.rows.map((o: Order) => o.status)).toEqual(["payFailed"]);

		const latency = config.payment.latencyMs;
		config.payment.latencyMs = [config.resilience.stepTimeoutMs + 100, config.resilience.stepTimeoutMs + 150];
		const slow = as.customer("slowpay");
		try {
			const res = await slow.post(`${API}/orders`, { ...seedOrder, itemcd });
			expect(res.status).toBe(503);
			expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
		} finally {
			config.payment.latencyMs = latency;
		}
		const [o] = (await slow.get(`${API}/orders`)).body.rows as Order[];
		expect(o.status).toBe("payFailed");
		await eventually(() => slow.get(`${API}/pays/${o.id}`), r => r.status === 200 && ["voided", "canceled"].includes(r.body.status));
		await new Promise(r => setTimeout(r, 300));
		expect((await productOf(itemcd)).totalQuantity).toBe(5); // no stock for an order never established
		expect((await slow.get(`${API}/customercenters?customer=slowpay`)).body.total).toBe(0);
	});

	it("product manager: a second POST of an itemcd is 409; restock and stock reads; bad input is 422 naming the field", async () => {
		const itemcd = await newProduct(2);
		const twice = await manager.post(`${API}/products`, { itemcd, totalQuantity: 9 });
		expect(twice.status).toBe(409);
		expect(twice.body).toMatchObject({ code: 409, type: "ALREADY_EXISTS" });
		expect((await productOf(itemcd)).totalQuantity).toBe(2);
		expect((await manager.post(`${API}/products/nosuch/restock`, { qty: 1 })).status).toBe(404);
		for (const [body, field] of [[{ qty: 0 }, "qty"], [{ qty: "many" }, "qty"], [{}, "qty"], [{ qty: 1, extra: 1 }, "extra"]] as [Record<string, unknown>, string][]) {
			const res = await manager.post(`${API}/products/${itemcd}/restock`, body);
			expect([field, res.status]).toEqual([field, 422]);
		}
		expect((await productOf(itemcd)).stockedQuantity).toBe(2);
		await expectValidationErrors(manager, `${API}/products`, [
			[{ itemcd: "a b", totalQuantity: 1 }, "itemcd"],
			[{ itemcd: { $ne: "" }, totalQuantity: 1 }, "itemcd"],
			[{ itemcd: 1.5, totalQuantity: 1 }, "itemcd"],
			[{ itemcd: `${itemcd}y`, totalQuantity: "lots" }, "totalQuantity"],
			[{ itemcd: `${itemcd}y`, totalQuantity: -1 }, "totalQuantity"],
			[{ totalQuantity: 1 }, "itemcd"]
		]);
		expect((await admin.get(`${API}/products/${itemcd}y`)).status).toBe(404);
		const list = await buyer.get(`${API}/products?itemcd=${itemcd}`);
		expect(list.body).toMatchObject({ total: 1, rows: [{ itemcd }] });
		expect((await buyer.get(`${API}/products?itemcd[$ne]=x`)).status).toBe(422);
	});

	it("orders: bad input gets 422 naming the field and creates nothing; the seed's status is only 'ordered'", async () => {
		const itemcd = await newProduct(1);
		const before = (await admin.get(`${API}/orders?pageSize=1`)).body.total;
		await expectValidationErrors(buyer, `${API}/orders`, [
			[{ ...seedOrder, itemcd, orderQty: "many" }, "orderQty"],
			[{ ...seedOrder, itemcd, orderQty: "0" }, "orderQty"],
			[{ ...seedOrder, itemcd, price: "free" }, "price"],
			[{ ...seedOrder, itemcd, price: "-1" }, "price"],
			[{ ...seedOrder, itemcd, status: "deliveryCompleted" }, "status"],
			[{ ...seedOrder, itemcd: "x y" }, "itemcd"],
			[{ ...seedOrder, itemcd: true }, "itemcd"],
			[{ ...seedOrder, itemcd, item: "" }, "item"],
			[{ ...seedOrder, itemcd, customer: { $ne: "" } }, "customer"],
			[{ ...seedOrder, itemcd, test: 1 }, "test"],
			[{ item: "milk", orderQty: 1, price: 1 }, "itemcd"]
		]);
		expect((await admin.get(`${API}/orders?pageSize=1`)).body.total).toBe(before);
		expect((await productOf(itemcd)).totalQuantity).toBe(1);
	});

	it("courier commands take the seed's test=1 and nothing else; unknown deliveries are 404", async () => {
		const itemcd = await newProduct(1);
		const id = await place({ ...seedOrder, itemcd });
		await orderIs(id, "deliveryPrepared");
		const wrong = await courier.post(`${API}/deliveries/${id}/deliverystarted`, { test: "1", status: "started" });
		expect(wrong.status).toBe(422);
		expect(JSON.stringify(wrong.body.data)).toContain("status");
		expect((await courier.get(`${API}/deliveries/${id}`)).body.status).toBe("prepared");
		expect((await courier.post(`${API}/deliveries/nope/deliverystarted`, { test: 1 })).status).toBe(404);
		expect((await courier.post(`${API}/deliveries/${id}/deliverycompleted`, { test: 1 })).body).toMatchObject({ code: 409, data: { status: "prepared" } });
	});

	it("who may do what: a customer only their own orders, pays, deliveries, notices and customer center rows; roles for stock and courier commands", async () => {
		const itemcd = await newProduct(3);
		const id = await place({ ...seedOrder, itemcd });
		await orderIs(id, "deliveryPrepared");
		await center(id, r => r.orderStatus === "deliveryPrepared");
		const other = await as.login("mallbuyer2");
		for (const path of [`/orders/${id}`, `/pays/${id}`, `/deliveries/${id}`, `/customercenters/${id}`, `/orders?customer=mallbuyer`, `/notices?customer=mallbuyer`, `/customercenters?customer=mallbuyer`, `/pays?customer=mallbuyer`]) {
			const res = await other.get(`${API}${path}`);
			expect([path, res.status]).toEqual([path, 403]);
		}
		expect((await other.del(`${API}/orders/${id}`)).status).toBe(403);
		expect((await other.post(`${API}/orders`, { ...seedOrder, itemcd, customer: "mallbuyer" })).status).toBe(403);
		for (const path of ["/orders", "/notices", "/customercenters", "/pays", "/deliveries"]) {
			const res = await other.get(`${API}${path}`);
			expect([path, res.status, res.body.rows.some((r: { orderId?: string; id: string }) => (r.orderId ?? r.id) === id)]).toEqual([path, 200, false]);
		}
		const noticeId = (await eventually(() => buyer.get(`${API}/notices?orderId=${id}`), r => r.body.total > 0)).body.rows[0].id;
		expect((await other.get(`${API}/notices/${noticeId}`)).status).toBe(403);
		expect((await buyer.get(`${API}/notices/${noticeId}`)).status).toBe(200);
		// roles
		expect((await buyer.post(`${API}/products`, { itemcd: "mine", totalQuantity: 1 })).status).toBe(403);
		expect((await buyer.post(`${API}/products/${itemcd}/restock`, { qty: 1 })).status).toBe(403);
		expect((await buyer.post(`${API}/deliveries/${id}/deliverystarted`, { test: 1 })).status).toBe(403);
		expect((await courier.post(`${API}/orders`, seedOrder)).status).toBe(403);
		expect((await courier.get(`${API}/products`)).status).toBe(403);
		expect((await manager.get(`${API}/orders`)).status).toBe(403);
		expect((await courier.get(`${API}/deliveries/${id}`)).status).toBe(200);
		// an admin orders in a customer's name
		const byAdmin = await admin.post(`${API}/orders`, { ...seedOrder, itemcd, customer: "phone-customer" });
		expect([byAdmin.status, byAdmin.body.customer]).toEqual([201, "phone-customer"]);
	});
});
