/**
 * Flower delivery's actors and rules for the chaos run (services/flowerdelivery/): customers order
 * arrangements from three shops and cancel some; each shop's owner accepts and decorates, or rejects (also
 * after accepting); two riders start and complete the deliveries, sometimes both grabbing the same one.
 */
import type { MyPageRow } from "../../services/flowerdelivery/mypage.view";
import type { Delivery } from "../../services/flowerdelivery/delivery.domain";
import type { Order } from "../../services/flowerdelivery/order.domain";
import type { Payment } from "../../services/flowerdelivery/payment.domain";
import type { StoreOrder } from "../../services/flowerdelivery/store.domain";
import type { Progress, SagaState, Snapshot, SystemDriver, Worker } from "./driver";
import { attend, byOrder, loop, Rules } from "./kit";
import type { Actor, World } from "./world";

const API = "/api/flowerdelivery";
const STORES = ["KJSHOP", "ROSESHOP", "LILYSHOP"] as const;
const ITEMS = [
	["장미 한바구니", 50000],
	["튤립 꽃다발", 32000],
	["안개꽃 화분", 18000],
	["카네이션 바구니", 27000]
] as const;

const NOT_ESTABLISHED = ["PaymentPending", "PaymentFailed"];
const TERMINAL = ["Delivered", "Cancelled", "Rejected", "PaymentFailed"];

/** Share of store orders the shop rejects when it first sees them, and after accepting them. */
const REJECT_RECEIVED = 0.08;
const REJECT_ACCEPTED = 0.04;

function sagaState(o: Order): SagaState {
	return { id: o.id, owner: o.userName, status: o.status, established: !NOT_ESTABLISHED.includes(o.status), terminal: TERMINAL.includes(o.status), cancelled: o.status === "Cancelled" };
}

async function orders(world: World): Promise<Order[]> {
	return world.listAll<Order & Record<string, unknown>>(world.admin(), `${API}/orders?sort=createdAt`);
}

/** One shop owner: the shop's new orders are accepted or rejected, accepted ones decorated (or, rarely, rejected). */
function shop(world: World, store: string, owner: Actor): Worker {
	return loop(world, `shop ${store}`, [200, 800], async rnd => {
		const received = await world.get<{ rows: StoreOrder[] }>(owner, `${API}/ordermanagements?storeName=${store}&status=Received&sort=createdAt&pageSize=30`);
		for (const so of attend(rnd, received)) {
			if (world.finished) return;
			const choice = world.rng(`shop:${so.id}`);
			if (choice.chance(REJECT_RECEIVED)) {
				const res = await world.command(owner, "reject", { method: "POST", path: `${API}/ordermanagements/${so.id}/reject`, body: { reason: "재고 없음 (chaos)" } });
				if (res.status === 200) world.counters.add("figure.store orders rejected");
			} else {
				const res = await world.command(owner, "accept", { method: "POST", path: `${API}/ordermanagements/${so.id}/accept` });
				if (res.status === 200) world.counters.add("figure.store orders accepted");
			}
		}
		const accepted = await world.get<{ rows: StoreOrder[] }>(owner, `${API}/ordermanagements?storeName=${store}&status=Accepted&sort=createdAt&pageSize=30`);
		for (const so of attend(rnd, accepted)) {
			if (world.finished) return;
			const choice = world.rng(`decorate:${so.id}`);
			if (choice.chance(REJECT_ACCEPTED)) {
				const res = await world.command(owner, "reject", { method: "POST", path: `${API}/ordermanagements/${so.id}/reject`, body: { reason: "장식 실패 (chaos)" } });
				if (res.status === 200) world.counters.add("figure.store orders rejected");
			} else {
				const res = await world.command(owner, "decorate", { method: "POST", path: `${API}/ordermanagements/${so.id}/decorate` });
				if (res.status === 200) world.counters.add("figure.store orders decorated");
			}
		}
	});
}

/** A rider: requested deliveries are started, started ones completed (two riders may reach for the same one: one gets 409). */
function rider(world: World, name: string, actor: Actor): Worker {
	return loop(world, `rider ${name}`, [200, 800], async rnd => {
		const requested = await world.get<{ rows: Delivery[] }>(actor, `${API}/deliveries?status=Requested&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, requested)) {
			if (world.finished) return;
			const res = await world.command(actor, "start", { method: "POST", path: `${API}/deliveries/${d.id}/start` });
			if (res.status === 200) world.counters.add("figure.deliveries started");
		}
		const started = await world.get<{ rows: Delivery[] }>(actor, `${API}/deliveries?status=Started&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, started)) {
			if (world.finished) return;
			const res = await world.command(actor, "complete", { method: "POST", path: `${API}/deliveries/${d.id}/complete` });
			if (res.status === 200) world.counters.add("figure.deliveries completed");
		}
	});
}

const PAYMENT_ON_ORDER: Record<string, string> = { Approved: "Approved", Cancelled: "Refunded" };

/** The flower delivery rules on one established order and its records in the other contexts. */
export function checkFlowerOrder(rules: Rules, o: Order, p: Payment | undefined, so: StoreOrder | undefined, d: Delivery | undefined, m: MyPageRow | undefined): void {
	const id = o.id;
	// Every context heard of it.
	if (!p) rules.add("lost", "payment-missing", id, `order ${o.status} has no payment`);
	if (!so) rules.add("lost", "store-order-missing", id, `order ${o.status} has no store order`);
	if (!m) rules.add("lost", "mypage-missing", id, `order ${o.status} has no MyPage row`);
	if (!d && ["Decorated", "Delivering", "Delivered"].includes(o.status)) rules.add("lost", "delivery-missing", id, `order ${o.status} has no delivery`);

	// Never refunded and delivered (nor delivering a cancelled order).
	const refunded = p?.status === "Cancelled" || o.paymentStatus === "Refunded" || m?.paymentStatus === "Cancelled" || o.status === "Cancelled" || o.status === "Rejected";
	const delivered = o.status === "Delivered" || o.status === "Delivering" || d?.status === "Completed" || d?.status === "Started" || m?.orderStatus === "Delivered";
	if (refunded && delivered) rules.add("refunded-and-delivered", "refunded-and-delivered", id, `order ${o.status} (payment ${o.paymentStatus}), payment ${p?.status}, delivery ${d?.status ?? "none"}, MyPage ${m?.orderStatus}/${m?.paymentStatus}`);

	// Fields that went back, or contexts that disagree once everything is delivered.
	if (o.status === "Delivered") rules.same("backwards", "delivered-not-completed", id, "deliveryStatus of a Delivered order", o.deliveryStatus, "Completed");
	if (o.status === "Delivering") rules.oneOf("backwards", "delivering-not-started", id, "deliveryStatus of a Delivering order", o.deliveryStatus, ["Started"]);
	if (p) rules.same("backwards", "order-payment-status", id, "order.paymentStatus", o.paymentStatus, PAYMENT_ON_ORDER[p.status]);
	if (o.deliveryStatus) rules.same("backwards", "order-delivery-status", id, "order.deliveryStatus vs delivery", o.deliveryStatus, d?.status);
	if (m) {
		rules.same("backwards", "mypage-status", id, "MyPage orderStatus vs order", m.orderStatus, o.status);
		if (p) rules.same("backwards", "mypage-payment-status", id, "MyPage paymentStatus vs payment", m.paymentStatus, p.status === "Voided" ? undefined : p.status);
		rules.same("backwards", "mypage-delivery-status", id, "MyPage deliveryStatus vs delivery", m.deliveryStatus, d?.status);
	}
	if (so) {
		const expected: Record<string, string[]> = {
			Placed: ["Received"],
			Accepted: ["Accepted"],
			Decorated: ["Decorated"],
			Delivering: ["Decorated"],
			Delivered: ["Decorated"],
			Rejected: ["Rejected"],
			Cancelled: ["Cancelled", "Rejected"]
		};
		rules.oneOf("backwards", "store-status", id, `store order of a ${o.status} order`, so.status, expected[o.status] ?? []);
	}
	rules.ordered(id, { order: o, payment: p, "store order": so, delivery: d });
	// The order learns the payment's and the delivery's facts; MyPage learns every fact.
	rules.notOlder(id, "order", o, { payment: p, delivery: d });
	rules.notOlder(id, "mypage", m, { order: o, payment: p, "store-order": so, delivery: d });
}

export const flowerDriver: SystemDriver = {
	system: "flowerdelivery",
	defaultSagas: 900,
	placeScope: "flowerdelivery.order",
	placePath: `${API}/orders`,
	cancelPath: id => `${API}/orders/${id}`,
	customers: [{ name: "LKJ", password: "lkj-demo-pw" }, ...Array.from({ length: 7 }, (_, i) => ({ name: `chaos-customer-${i + 1}` }))],
	placement(customer, rnd) {
		const [itemName, itemPrice] = rnd.pick(ITEMS);
		// As the seed's httpie sends them, numbers are strings half of the time.
		const qty = rnd.int(1, 3);
		const asText = rnd.chance(0.5);
		return { storeName: rnd.pick(STORES), itemName, qty: asText ? String(qty) : qty, itemPrice: asText ? String(itemPrice) : itemPrice, userName: customer };
	},
	cancelShare: 0.3,
	cancelDelayMs: [0, 3000],
	workers(world) {
		return [
			shop(world, "KJSHOP", world.login("kjshop", "kjshop-demo-pw")),
			shop(world, "ROSESHOP", world.minted("ROSESHOP-owner", ["store"], "ROSESHOP")),
			shop(world, "LILYSHOP", world.minted("LILYSHOP-owner", ["store"], "LILYSHOP")),
			rider(world, "rider", world.login("rider", "rider-demo-pw")),
			rider(world, "rider-2", world.minted("chaos-rider-2", ["rider"]))
		];
	},
	async progress(world): Promise<Progress> {
		const all = (await orders(world)).map(sagaState);
		return { established: all.filter(o => o.established).length, open: all.filter(o => o.established && !o.terminal).length, pending: all.filter(o => o.status === "PaymentPending").length };
	},
	async snapshot(world): Promise<Snapshot> {
		const admin = world.admin();
		const all = await orders(world);
		const payments = await world.listAll<Payment & Record<string, unknown>>(admin, `${API}/payments?sort=createdAt`);
		const storeOrders = await world.listAll<StoreOrder & Record<string, unknown>>(admin, `${API}/ordermanagements?sort=createdAt`);
		const deliveries = await world.listAll<Delivery & Record<string, unknown>>(admin, `${API}/deliveries?sort=createdAt`);
		const myPages = await world.listAll<MyPageRow & Record<string, unknown>>(admin, `${API}/myPages?sort=updatedAt`, r => r.orderId);
		const [pay, so, dl, mp] = [byOrder(payments), byOrder(storeOrders), byOrder(deliveries), byOrder(myPages)];
		const rules = new Rules();
		for (const o of all) if (!NOT_ESTABLISHED.includes(o.status)) checkFlowerOrder(rules, o, pay.get(o.id), so.get(o.id), dl.get(o.id), mp.get(o.id));
		return {
			orders: all.map(sagaState),
			payments: payments.map(p => ({ id: p.id, orderId: p.orderId, status: p.status, charged: p.status === "Approved", refunded: p.status === "Cancelled" })),
			records: {
				"store order": storeOrders.map(r => ({ id: r.id, orderId: r.orderId })),
				delivery: deliveries.map(r => ({ id: r.id, orderId: r.orderId })),
				mypage: myPages.map(r => ({ id: r.orderId, orderId: r.orderId }))
			},
			findings: rules.findings
		};
	}
};
