/**
 * Fish delivery's actors and rules for the chaos run (services/fishdelivery/): customers order sashimi and
 * cancel some; the shop's two staff take the paid orders (with the seed's `PATCH {status:"prepared"}` or
 * `POST …/take`), upon which the delivery starts by itself; the rider completes it.
 */
import type { Delivery } from "../../services/fishdelivery/delivery.domain";
import type { FishOrder } from "../../services/fishdelivery/fishstore.domain";
import type { MyPageRow } from "../../services/fishdelivery/mypage.view";
import type { Order } from "../../services/fishdelivery/order.domain";
import type { Payment } from "../../services/fishdelivery/payment.domain";
import type { Progress, SagaState, Snapshot, SystemDriver, Worker } from "./driver";
import { attend, byOrder, loop, Rules } from "./kit";
import type { Actor, World } from "./world";

const API = "/api/fishdelivery";
const FISH = ["flatfish", "rockfish", "salmon", "tuna", "sea bream"] as const;
const ADDRESSES = ["kyungkido sungnamsi", "seoul gangnam-gu", "busan haeundae-gu", "incheon yeonsu-gu"] as const;

const NOT_ESTABLISHED = ["PaymentPending", "PaymentFailed"];
const TERMINAL = ["Delivered", "Canceled", "PaymentFailed"];

function sagaState(o: Order): SagaState {
	return { id: o.id, owner: o.customerName, status: o.status, established: !NOT_ESTABLISHED.includes(o.status), terminal: TERMINAL.includes(o.status), cancelled: o.status === "Canceled" };
}

async function orders(world: World): Promise<Order[]> {
	return world.listAll<Order & Record<string, unknown>>(world.admin(), `${API}/orders?sort=createdAt`);
}

/** A member of the shop's staff: paid orders that reached the shop are taken (two staff may reach for the same one: one gets 409). */
function staff(world: World, name: string, actor: Actor): Worker {
	return loop(world, `shop ${name}`, [200, 800], async rnd => {
		const received = await world.get<{ rows: FishOrder[] }>(actor, `${API}/fishstores?status=Received&sort=createdAt&pageSize=30`);
		for (const fo of attend(rnd, received)) {
			if (world.finished) return;
			const seedForm = world.rng(`take:${fo.id}`).chance(0.5);
			const res = seedForm
				? await world.command(actor, "take", { method: "PATCH", path: `${API}/fishstores/${fo.id}`, body: { status: "prepared" } })
				: await world.command(actor, "take", { method: "POST", path: `${API}/fishstores/${fo.id}/take` });
			if (res.status === 200) world.counters.add("figure.fish orders taken");
		}
	});
}

function rider(world: World, actor: Actor): Worker {
	return loop(world, "rider", [200, 800], async rnd => {
		const started = await world.get<{ rows: Delivery[] }>(actor, `${API}/deliveries?status=Started&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, started)) {
			if (world.finished) return;
			const res = await world.command(actor, "complete", { method: "POST", path: `${API}/deliveries/${d.id}/complete` });
			if (res.status === 200) world.counters.add("figure.deliveries completed");
		}
	});
}

export function checkFishOrder(rules: Rules, o: Order, p: Payment | undefined, fo: FishOrder | undefined, d: Delivery | undefined, m: MyPageRow | undefined): void {
	const id = o.id;
	if (!p) rules.add("lost", "payment-missing", id, `order ${o.status} has no payment`);
	if (!m) rules.add("lost", "mypage-missing", id, `order ${o.status} has no MyPage row`);
	if (!fo && o.status !== "Placed") rules.add("lost", "fish-order-missing", id, `order ${o.status} has no fish store order`);
	if (!d && ["Taken", "Delivering", "Delivered", "Canceled"].includes(o.status)) rules.add("lost", "delivery-missing", id, `order ${o.status} has no delivery`);

	const refunded = p?.status === "Canceled" || o.paymentStatus === "Canceled" || m?.paymentStatus === "Canceled" || o.status === "Canceled";
	const delivered = o.status === "Delivered" || o.status === "Delivering" || d?.status === "Completed" || d?.status === "Started" || m?.status === "Delivered";
	if (refunded && delivered) rules.add("refunded-and-delivered", "refunded-and-delivered", id, `order ${o.status} (payment ${o.paymentStatus}), payment ${p?.status}, delivery ${d?.status ?? "none"}, MyPage ${m?.status}/${m?.paymentStatus}`);

	if (o.status === "Delivered") rules.same("backwards", "delivered-not-completed", id, "deliveryStatus of a Delivered order", o.deliveryStatus, "Completed");
	if (o.status === "Delivering") rules.same("backwards", "delivering-not-started", id, "deliveryStatus of a Delivering order", o.deliveryStatus, "Started");
	if (p) rules.same("backwards", "order-payment-status", id, "order.paymentStatus vs payment", o.paymentStatus, p.status);
	if (o.deliveryStatus) rules.same("backwards", "order-delivery-status", id, "order.deliveryStatus vs delivery", o.deliveryStatus, d?.status);
	if (m) {
		rules.same("backwards", "mypage-status", id, "MyPage status vs order", m.status, o.status);
		if (p) rules.same("backwards", "mypage-payment-status", id, "MyPage paymentStatus vs payment", m.paymentStatus, p.status);
		rules.same("backwards", "mypage-delivery-status", id, "MyPage deliveryStatus vs delivery", m.deliveryStatus, d?.status);
	}
	if (fo) {
		const expected: Record<string, string[]> = { Placed: ["Received"], Taken: ["Taken"], Delivering: ["Taken"], Delivered: ["Taken"], Canceled: ["Canceled"] };
		rules.oneOf("backwards", "fish-order-status", id, `fish store order of a ${o.status} order`, fo.status, expected[o.status] ?? []);
	}
	rules.ordered(id, { order: o, payment: p, "fish order": fo, delivery: d });
	// The order learns the delivery's facts and the payment's cancel (not its PayApproved); MyPage every fact.
	rules.notOlder(id, "order", o, { delivery: d, ...(p?.status === "Canceled" ? { payment: p } : {}) });
	rules.notOlder(id, "mypage", m, { order: o, payment: p, "fish-order": fo, delivery: d });
}

export const fishDriver: SystemDriver = {
	system: "fishdelivery",
	defaultSagas: 400,
	placeScope: "fishdelivery.order",
	placePath: `${API}/orders`,
	cancelPath: id => `${API}/orders/${id}`,
	customers: [{ name: "HanYongsun", password: "han-demo-pw" }, ...Array.from({ length: 7 }, (_, i) => ({ name: `chaos-fish-customer-${i + 1}` }))],
	placement(customer, rnd) {
		const qty = rnd.int(1, 4);
		return {
			customerName: customer,
			fishName: rnd.pick(FISH),
			// As the seed's httpie sends it (a string) or as a number.
			qty: rnd.chance(0.5) ? String(qty) : qty,
			telephone: `010${String(rnd.int(0, 99999999)).padStart(8, "0")}`,
			address: rnd.pick(ADDRESSES),
			...(rnd.chance(0.3) ? { status: "paid" } : {})
		};
	},
	cancelShare: 0.3,
	cancelDelayMs: [0, 2000],
	workers(world) {
		return [staff(world, "kjshop", world.login("kjshop", "kjshop-demo-pw")), staff(world, "staff-2", world.minted("chaos-fish-staff", ["store"], "KJSHOP")), rider(world, world.login("rider", "rider-demo-pw"))];
	},
	async progress(world): Promise<Progress> {
		const all = (await orders(world)).map(sagaState);
		return { established: all.filter(o => o.established).length, open: all.filter(o => o.established && !o.terminal).length, pending: all.filter(o => o.status === "PaymentPending").length };
	},
	async snapshot(world): Promise<Snapshot> {
		const admin = world.admin();
		const all = await orders(world);
		const payments = await world.listAll<Payment & Record<string, unknown>>(admin, `${API}/payments?sort=createdAt`);
		const fishOrders = await world.listAll<FishOrder & Record<string, unknown>>(admin, `${API}/fishstores?sort=createdAt`);
		const deliveries = await world.listAll<Delivery & Record<string, unknown>>(admin, `${API}/deliveries?sort=createdAt`);
		const myPages = await world.listAll<MyPageRow & Record<string, unknown>>(admin, `${API}/myPages?sort=updatedAt`, r => r.orderId);
		const [pay, fo, dl, mp] = [byOrder(payments), byOrder(fishOrders), byOrder(deliveries), byOrder(myPages)];
		const rules = new Rules();
		for (const o of all) if (!NOT_ESTABLISHED.includes(o.status)) checkFishOrder(rules, o, pay.get(o.id), fo.get(o.id), dl.get(o.id), mp.get(o.id));
		return {
			orders: all.map(sagaState),
			payments: payments.map(p => ({ id: p.id, orderId: p.orderId, status: p.status, charged: p.status === "Approved", refunded: p.status === "Canceled" })),
			records: {
				"fish order": fishOrders.map(r => ({ id: r.id, orderId: r.orderId })),
				delivery: deliveries.map(r => ({ id: r.id, orderId: r.orderId })),
				mypage: myPages.map(r => ({ id: r.orderId, orderId: r.orderId }))
			},
			findings: rules.findings
		};
	}
};
