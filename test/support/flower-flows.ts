/**
 * The flower delivery scenarios of the seed, run over HTTP against any deployment of the system
 * (one process in process, or a cluster of processes): the same assertions in every tier.
 * Each step is taken by whom the spec says: the customer (the seed's LKJ logs in with the password grant),
 * the store owner, the rider; waiting for eventual consistency reads as admin unless a client is given.
 */
import type { Actors } from "./auth";
import type { MyPageRow } from "../../services/flowerdelivery/mypage.view";
import { eventually, type Client } from "./http";

export const API = "/api/flowerdelivery";

/** The seed's order, as httpie sends it (numbers as strings, Korean text). */
export const seedOrder = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: "1", itemPrice: "50000", userName: "LKJ" };

export function flowerFlows(actors: Actors, timeoutMs = 15000) {
	const admin = actors.admin();
	const store = actors.store("KJSHOP");
	const rider = actors.rider();
	const wait = <T>(probe: () => Promise<T>, accept: (v: T) => boolean) => eventually(probe, accept, timeoutMs);
	const myPage = (id: string, accept: (row: MyPageRow) => boolean, as: Client = admin) => wait(() => as.get(`${API}/myPages/${id}`), r => r.status === 200 && accept(r.body));
	const storeOrder = (id: string, as: Client = store) => wait(() => as.get(`${API}/ordermanagements/${id}`), r => r.status === 200);

	/** Places `body` as its customer (the token's subject is the body's `userName`). */
	async function place(body: Record<string, unknown> = seedOrder, headers: Record<string, string> = {}): Promise<string> {
		const res = await actors.customer(String(body.userName)).post(`${API}/orders`, body, headers);
		expect(res.status).toBe(201);
		return res.body.id;
	}

	/** Order → pay → store accepts → decorates → rider sees, starts, completes → MyPage shows each step. */
	async function seedScenario(requestId: string): Promise<string> {
		const http = await actors.login("LKJ");
		const res = await http.post(`${API}/orders`, seedOrder, { "X-Request-ID": requestId });
		expect(res.status).toBe(201);
		expect(res.headers.get("x-request-id")).toBe(requestId);
		expect(res.headers.get("location")).toBe(`${API}/orders/${res.body.id}`);
		expect(res.body).toMatchObject({ storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ", status: "Placed" });
		const id: string = res.body.id;

		expect((await http.get(`${API}/orders/${id}`)).body.itemName).toBe("장미 한바구니");
		expect((await http.get(`${API}/payments/${id}`)).body).toMatchObject({ orderId: id, amount: 50000, status: "Approved" });
		await myPage(id, r => r.orderStatus === "Placed" && r.paymentStatus === "Approved" && r.itemName === "장미 한바구니", http);

		await storeOrder(id);
		const pending = await store.get(`${API}/ordermanagements?storeName=KJSHOP&status=Received&pageSize=100`);
		expect(pending.body.rows.map((r: { id: string }) => r.id)).toContain(id);
		expect((await store.post(`${API}/ordermanagements/${id}/accept`)).body.status).toBe("Accepted");
		await myPage(id, r => r.orderStatus === "Accepted", http);
		expect((await store.post(`${API}/ordermanagements/${id}/decorate`)).body.status).toBe("Decorated");

		await wait(() => rider.get(`${API}/deliveries?status=Requested&pageSize=100`), r => r.body.rows.some((d: { id: string }) => d.id === id));
		await myPage(id, r => r.orderStatus === "Decorated" && r.deliveryStatus === "Requested", http);
		expect((await rider.post(`${API}/deliveries/${id}/start`)).body.status).toBe("Started");
		await myPage(id, r => r.orderStatus === "Delivering" && r.deliveryStatus === "Started", http);
		expect((await rider.post(`${API}/deliveries/${id}/complete`)).body.status).toBe("Completed");
		await myPage(id, r => r.orderStatus === "Delivered" && r.deliveryStatus === "Completed", http);
		await wait(() => http.get(`${API}/orders/${id}`), r => r.body.status === "Delivered");

		const mine = await http.get(`${API}/myPages?userName=LKJ&pageSize=100`);
		expect(mine.body.rows.some((r: { orderId: string }) => r.orderId === id)).toBe(true);
		return id;
	}

	/** Cancellation: payment refunded (customer), store order cancelled, MyPage cancelled; a second cancel is 409. */
	async function cancellation(): Promise<void> {
		const http = actors.customer("canceller");
		const id = await place({ ...seedOrder, userName: "canceller" });
		await storeOrder(id);
		const res = await http.del(`${API}/orders/${id}`);
		expect(res.status).toBe(200);
		expect(res.body.status).toBe("Cancelled");
		await wait(() => http.get(`${API}/payments/${id}`), r => r.body.status === "Cancelled" && r.body.cancelReason === "customer");
		await wait(() => store.get(`${API}/ordermanagements/${id}`), r => r.body.status === "Cancelled");
		await myPage(id, r => r.orderStatus === "Cancelled" && r.paymentStatus === "Cancelled", http);
		const again = await http.del(`${API}/orders/${id}`);
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ name: "MoleculerClientError", code: 409, type: "ILLEGAL_TRANSITION", data: { status: "Cancelled" } });
	}

	/** Store rejection: payment cancelled by force, order ends Rejected. */
	async function rejection(): Promise<void> {
		const http = actors.customer("rejected");
		const id = await place({ ...seedOrder, userName: "rejected" });
		await storeOrder(id);
		const res = await store.post(`${API}/ordermanagements/${id}/reject`, { reason: "장미 품절" });
		expect(res.status).toBe(200);
		await wait(() => http.get(`${API}/payments/${id}`), r => r.body.status === "Cancelled" && r.body.cancelReason === "forced");
		await wait(() => http.get(`${API}/orders/${id}`), r => r.body.status === "Rejected" && r.body.rejectReason === "장미 품절");
		await myPage(id, r => r.orderStatus === "Rejected" && r.paymentStatus === "Cancelled", http);
	}

	/** Every row of a list, page by page (as admin: every row there is, unless a client is given). */
	async function all<T = any>(path: string, as: Client = admin): Promise<T[]> {
		const rows: T[] = [];
		for (let page = 1; ; page++) {
			const res = await as.get(`${path}${path.includes("?") ? "&" : "?"}page=${page}&pageSize=100`);
			if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
			rows.push(...res.body.rows);
			if (page >= res.body.totalPages) return rows;
		}
	}

	return { place, seedScenario, cancellation, rejection, myPage, storeOrder, all, wait, admin, store, rider, actors };
}
