/**
 * The product-order mall's actors and rules for the chaos run (services/productorder/, docs/productorder.md):
 * the product manager adds products with limited stock before the load (some deliberately short, so the
 * product refuses orders and the pay is cancelled by compensation) and restocks one of them while it runs;
 * customers order (a few an itemcd that is no product) and cancel some; two couriers start and complete the
 * deliveries, sometimes both grabbing the same one.
 *
 * Its core invariant is the stock: per product, never negative, and every unit stocked (initial + restocks)
 * is left to sell or reserved for an order still standing or delivered — checked on the product's own counts,
 * on its answer to each order (`reservations`) against what the order became, and against the restocks the
 * manager was answered.
 */
import type { MessageRecord } from "../../mixins/notifications.mixin";
import type { CustomerCenterRow } from "../../services/productorder/customercenter.view";
import type { Delivery } from "../../services/productorder/delivery.domain";
import type { NoticeFields } from "../../services/productorder/notice.domain";
import type { Order } from "../../services/productorder/order.domain";
import type { Pay } from "../../services/productorder/pay.domain";
import type { Product, Reservation } from "../../services/productorder/product.domain";
import type { Progress, SagaState, Snapshot, SystemDriver, Worker } from "./driver";
import { attend, byOrder, loop, Rules } from "./kit";
import type { Rng } from "./rng";
import type { Actor, World } from "./world";

const API = "/api/productorder";

type Notice = MessageRecord<NoticeFields>;

const NOT_ESTABLISHED = ["payPending", "payFailed"];
const TERMINAL = ["deliveryCompleted", "canceled", "rejected", "payFailed"];
const DELIVERED = ["deliveryStarted", "deliveryCompleted"];
const PREPARED_OR_LATER = ["deliveryPrepared", ...DELIVERED];

/**
 * The products, their share of the orders and their stock as a share of the units ordered of them (about 2
 * per order): two plenty, two short (one restocked while the load runs), one with 3 units; `unknown` is an
 * itemcd no product has (refused: `reason: "unknownItem"`).
 */
const PRODUCTS = [
	{ itemcd: "chaos-milk", name: "우유", item: "milk", price: 2000, share: 0.25, stock: 1.6 },
	{ itemcd: "chaos-apple", name: "사과", item: "apple", price: 3500, share: 0.2, stock: 1.6 },
	{ itemcd: "chaos-shoes", name: "운동화", item: "shoes", price: 89000, share: 0.2, stock: 0.35 },
	{ itemcd: "chaos-kimchi", name: "김치", item: "kimchi", price: 12000, share: 0.2, stock: 0.15, restocked: true },
	{ itemcd: "chaos-ipad", name: "아이패드", item: "ipad", price: 990000, share: 0.12, stock: 0 }
] as const;
const UNKNOWN_ITEMCD = "chaos-discontinued";
const UNKNOWN_SHARE = 0.03;
const ADDRESSES = ["서울시 강남구", "성남시 분당구", "부산시 해운대구"] as const;

/** A restock as the manager was answered: the units, every answer (a 504 or no answer may have added them too). */
export interface Restock {
	itemcd: string;
	qty: number;
	answers: number[];
}

/** What the run knows of the products besides what they hold: their initial stock and the restocks asked. */
interface MallState {
	initial: Map<string, number>;
	restocks: Restock[];
}

const STATE = new WeakMap<World, MallState>();

function stateOf(world: World): MallState {
	let s = STATE.get(world);
	if (!s) {
		s = { initial: new Map(), restocks: [] };
		STATE.set(world, s);
	}
	return s;
}

/**
 * A cancel took effect when the order is `canceled` — or `rejected`: a cancel the delivery accepted may cross
 * the product's refusal, and the order then ends `rejected` whichever came first (order.domain.ts). Either
 * way nothing stands: no delivery, the pay cancelled, no units held (checkMallOrder holds a rejected order to
 * that). Seen in a 400-order run: 7 accepted cancels crossed an OutOfStock.
 */
function sagaState(o: Order): SagaState {
	return { id: o.id, owner: o.customer, status: o.status, established: !NOT_ESTABLISHED.includes(o.status), terminal: TERMINAL.includes(o.status), cancelled: o.status === "canceled" || o.status === "rejected" };
}

async function orders(world: World): Promise<Order[]> {
	return world.listAll<Order & Record<string, unknown>>(world.admin(), `${API}/orders?sort=createdAt`);
}

function manager(world: World): Actor {
	return world.login("mallmanager", "mallmanager-demo-pw");
}

/** The initial stock of each product for a run of `sagas` orders. */
export function initialStock(sagas: number): Map<string, number> {
	return new Map(PRODUCTS.map(p => [p.itemcd, p.stock === 0 ? 3 : Math.max(3, Math.round(sagas * p.share * 2 * p.stock))]));
}

/** The product manager restocks the short product that gets restocks now and then, while the load runs. */
function productManager(world: World): Worker {
	const actor = manager(world);
	const state = stateOf(world);
	return loop(world, "product manager", [2500, 5000], async rnd => {
		if (world.loadDone) return;
		const product = PRODUCTS.find(p => "restocked" in p && p.restocked)!;
		const restock: Restock = { itemcd: product.itemcd, qty: rnd.int(2, 6), answers: [] };
		state.restocks.push(restock);
		const res = await world.command(actor, "restock", { method: "POST", path: `${API}/products/${product.itemcd}/restock`, body: { qty: rnd.chance(0.5) ? String(restock.qty) : restock.qty } }, status => restock.answers.push(status));
		if (res.status === 200) world.counters.add("figure.restocks (200)");
		// Sent again after a 504 or no answer: restock takes no Idempotency-Key, so it may have added the units twice.
		if (restock.answers.some(s => s === 504 || s === 0)) world.counters.add("figure.restocks sent again after 504 or no answer");
	});
}

/** A courier: prepared deliveries are started, started ones completed (the seed's `test=1` half of the time; two couriers may reach for the same one: one gets 409). */
function courier(world: World, name: string, actor: Actor): Worker {
	// Slower to start than to complete, so a customer's cancel meets deliveries still prepared (accepted) as well as started ones (409).
	return loop(world, `courier ${name}`, [600, 2000], async rnd => {
		const body = () => (rnd.chance(0.5) ? { test: "1" } : undefined);
		const prepared = await world.get<{ rows: Delivery[] }>(actor, `${API}/deliveries?status=prepared&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, prepared, 0.4)) {
			if (world.finished) return;
			const res = await world.command(actor, "start", { method: "POST", path: `${API}/deliveries/${d.id}/deliverystarted`, body: body() });
			if (res.status === 200) world.counters.add("figure.deliveries started");
		}
		const started = await world.get<{ rows: Delivery[] }>(actor, `${API}/deliveries?status=started&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, started)) {
			if (world.finished) return;
			const res = await world.command(actor, "complete", { method: "POST", path: `${API}/deliveries/${d.id}/deliverycompleted`, body: body() });
			if (res.status === 200) world.counters.add("figure.deliveries completed");
		}
	});
}

const PAY_ON_ORDER: Record<string, string> = { approved: "approved", canceled: "canceled" };

/** The notices an order's final state requires (by event type), and those it rules out. */
function noticesExpected(o: Order, d: Delivery | undefined): { required: string[]; forbidden: string[] } {
	const required = ["Ordered"];
	const forbidden: string[] = [];
	const prepared = d !== undefined && d.item !== "";
	(prepared ? required : forbidden).push("DeliveryPrepared");
	if (o.status === "rejected") required.push("OutOfStock");
	else forbidden.push("OutOfStock");
	if (o.status === "canceled") required.push("OrderCanceled");
	if (o.deliveryStatus === "started" || o.deliveryStatus === "completed") required.push("DeliveryStarted");
	else forbidden.push("DeliveryStarted");
	if (o.deliveryStatus === "completed") required.push("DeliveryCompleted");
	else forbidden.push("DeliveryCompleted");
	if (o.status !== "canceled" && o.status !== "rejected") forbidden.push("OrderCanceled", "DeliveryCanceled");
	return { required, forbidden };
}

/**
 * The mall's rules on one established order and its records in the other contexts: the pay, the product's
 * answer to it (`r`; undefined: no entry, `product` undefined: no such product), the delivery, the customer
 * center and the notices.
 */
export function checkMallOrder(
	rules: Rules,
	o: Order,
	p: Pay | undefined,
	product: Product | undefined,
	d: Delivery | undefined,
	m: CustomerCenterRow | undefined,
	notices: readonly Notice[]
): void {
	const id = o.id;
	const r: Reservation | undefined = product && Object.hasOwn(product.reservations, id) ? product.reservations[id] : undefined;
	// Every context heard of it.
	if (!p) rules.add("lost", "pay-missing", id, `order ${o.status} has no pay`);
	if (!m) rules.add("lost", "customer-center-missing", id, `order ${o.status} has no customer center row`);
	if (!d && PREPARED_OR_LATER.includes(o.status)) rules.add("lost", "delivery-missing", id, `order ${o.status} has no delivery`);

	// Nothing delivered whose pay was refunded (nor a cancelled or rejected order on its way).
	const refunded = p?.status === "canceled" || p?.status === "voided" || o.payStatus === "canceled" || m?.payStatus === "canceled" || o.status === "canceled" || o.status === "rejected";
	const delivered = DELIVERED.includes(o.status) || d?.status === "started" || d?.status === "completed" || DELIVERED.includes(m?.orderStatus ?? "") || m?.deliveryStatus === "started" || m?.deliveryStatus === "completed";
	if (refunded && delivered) rules.add("refunded-and-delivered", "refunded-and-delivered", id, `order ${o.status} (pay ${o.payStatus}), pay ${p?.status}, delivery ${d?.status ?? "none"}, customer center ${m?.orderStatus}/${m?.payStatus}/${m?.deliveryStatus}`);

	// Compensations: a rejected (out-of-stock) order and a cancelled one have their pay cancelled, for the right reason.
	if (p && (o.status === "rejected" || o.status === "canceled")) {
		rules.same("lost", `${o.status}-pay-not-cancelled`, id, `pay of a ${o.status} order`, p.status, "canceled");
		if (p.status === "canceled") rules.same("backwards", "pay-cancel-reason", id, `cancelReason of the pay of a ${o.status} order`, p.cancelReason, o.status === "rejected" ? "outOfStock" : "customer");
	}
	if (p && o.status !== "rejected" && o.status !== "canceled") rules.same("lost", "standing-order-pay-not-approved", id, `pay of a ${o.status} order`, p.status, "approved");
	if (p) rules.same("backwards", "order-pay-status", id, "order.payStatus vs pay", o.payStatus, PAY_ON_ORDER[p.status]);

	// The stock's answer to this order matches what the order became.
	if (product) {
		if (PREPARED_OR_LATER.includes(o.status)) {
			if (r?.status !== "reserved") rules.add("duplicated", "delivered-not-reserved", id, `order ${o.status} of ${o.itemcd}: the product's entry is ${r ? r.status : "missing"} (units not held for it)`);
			else if (r.qty !== o.orderQty) rules.add("duplicated", "reserved-other-qty", id, `order ${o.status} of ${o.orderQty} ${o.itemcd}: ${r.qty} reserved`);
		}
		if (o.status === "canceled") rules.oneOf("lost", "cancelled-units-not-back", id, `the product's entry of a cancelled order`, r?.status, ["canceled"]);
		if (o.status === "rejected" && o.rejectReason === "short") rules.oneOf("lost", "rejected-units-held", id, `the product's entry of a rejected order`, r?.status, ["refused", "canceled"]);
		if (o.status === "rejected" && o.rejectReason === "unknownItem") rules.add("backwards", "unknown-item-of-a-product", id, `rejected as an unknown item, but ${o.itemcd} is a product (entry ${r?.status ?? "none"})`);
	} else if (o.status === "rejected") {
		rules.same("backwards", "reject-reason", id, "rejectReason of an order for no product", o.rejectReason, "unknownItem");
	}
	if (o.status === "rejected" && !o.rejectReason) rules.add("backwards", "reject-reason", id, "a rejected order without rejectReason");

	// The delivery follows the order, and the order the delivery.
	if (o.status === "deliveryCompleted") rules.same("backwards", "completed-not-delivered", id, "deliveryStatus of a deliveryCompleted order", o.deliveryStatus, "completed");
	if (o.status === "deliveryStarted") rules.same("backwards", "started-not-started", id, "deliveryStatus of a deliveryStarted order", o.deliveryStatus, "started");
	if (d && o.deliveryStatus) rules.same("backwards", "order-delivery-status", id, "order.deliveryStatus vs delivery", o.deliveryStatus, d.status);
	if (d && (d.status === "canceled") && o.status !== "canceled" && o.status !== "rejected") rules.add("backwards", "delivery-cancelled-order-standing", id, `delivery canceled, order ${o.status}`);

	// The customer center says what the order says.
	if (m) {
		rules.same("backwards", "customer-center-status", id, "customer center orderStatus vs order", m.orderStatus, o.status);
		rules.same("backwards", "customer-center-pay-status", id, "customer center payStatus vs order", m.payStatus, o.payStatus);
		rules.same("backwards", "customer-center-delivery-status", id, "customer center deliveryStatus vs order", m.deliveryStatus, o.deliveryStatus);
		if (o.rejectReason) rules.same("backwards", "customer-center-reject-reason", id, "customer center rejectReason vs order", m.rejectReason, o.rejectReason);
		rules.same("backwards", "customer-center-customer", id, "customer center customer vs order", m.customer, o.customer);
	}

	// One notice per status change: each the order went through, none it did not, each sent (two of one kind are the core's `duplicate-notice-…`).
	const kinds = new Set(notices.map(n => n.eventType));
	const { required, forbidden } = noticesExpected(o, d);
	for (const kind of required) if (!kinds.has(kind)) rules.add("lost", `notice-missing-${kind}`, id, `order ${o.status} (delivery ${d?.status ?? "none"}): no ${kind} notice`);
	for (const kind of forbidden) if (kinds.has(kind)) rules.add("backwards", `notice-of-no-change-${kind}`, id, `order ${o.status} (delivery ${d?.status ?? "none"}): a ${kind} notice`);
	for (const n of notices) {
		if (n.status !== "sent") rules.add("lost", "notice-not-sent", id, `notice ${n.id} (${n.eventType}) is ${n.status} after ${n.attempts} attempts`);
		if (n.customer !== o.customer) rules.add("backwards", "notice-customer", id, `notice ${n.id} (${n.eventType}) to ${n.customer}, order of ${o.customer}`);
	}

	rules.ordered(id, { order: o, pay: p, delivery: d });
	// The customer center folds every fact the order folds, and the order's own.
	rules.notOlder(id, "customer-center", m, { order: o });
}

/** A product's own counts, and its stock against the initial quantity and the restocks the manager was answered. */
export function checkProduct(rules: Rules, product: Product, initial: number | undefined, restocks: readonly Restock[]): void {
	const id = `product ${product.itemcd}`;
	const entries = Object.values(product.reservations);
	const reserved = entries.reduce((n, r) => n + (r.status === "reserved" ? r.qty : 0), 0);
	if (product.totalQuantity < 0) rules.add("duplicated", "stock-negative", id, `totalQuantity ${product.totalQuantity} < 0 (oversold)`);
	if (product.reservedQuantity !== reserved) rules.add(product.reservedQuantity > reserved ? "lost" : "duplicated", "reserved-not-entries", id, `reservedQuantity ${product.reservedQuantity} ≠ Σ reserved entries ${reserved}`);
	const held = product.totalQuantity + product.reservedQuantity;
	if (held !== product.stockedQuantity) rules.add(held < product.stockedQuantity ? "lost" : "duplicated", "units-not-conserved", id, `totalQuantity ${product.totalQuantity} + reservedQuantity ${product.reservedQuantity} ≠ stockedQuantity ${product.stockedQuantity}`);
	if (initial === undefined) {
		rules.add("orphaned", "product-of-no-request", id, "a product the manager did not add");
		return;
	}
	// initial + restocks: each answered 200 added its units; a send answered 504 or not at all may have too (restock takes no Idempotency-Key).
	const mine = restocks.filter(r => r.itemcd === product.itemcd);
	const certain = mine.reduce((n, r) => n + (r.answers.at(-1) === 200 ? r.qty : 0), 0);
	const possible = mine.reduce((n, r) => n + r.qty * r.answers.filter(s => s === 200 || s === 504 || s === 0).length, 0);
	if (product.stockedQuantity < initial + certain) rules.add("lost", "restock-lost", id, `stockedQuantity ${product.stockedQuantity} < initial ${initial} + restocks answered 200 ${certain}`);
	if (product.stockedQuantity > initial + possible) rules.add("duplicated", "units-of-no-restock", id, `stockedQuantity ${product.stockedQuantity} > initial ${initial} + every restock send that may have landed ${possible}`);
}

export const productOrderDriver: SystemDriver = {
	system: "productorder",
	defaultSagas: 400,
	placeScope: "productorder.order",
	placePath: `${API}/orders`,
	cancelPath: id => `${API}/orders/${id}`,
	customers: [{ name: "mallbuyer", password: "mallbuyer-demo-pw" }, { name: "mallbuyer2", password: "mallbuyer2-demo-pw" }, ...Array.from({ length: 6 }, (_, i) => ({ name: `chaos-mall-customer-${i + 1}` }))],
	placement(customer, rnd: Rng) {
		const roll = rnd.next();
		let acc = UNKNOWN_SHARE;
		const product = roll < acc ? undefined : PRODUCTS.find(p => roll < (acc += p.share)) ?? PRODUCTS[0];
		const qty = rnd.int(1, 3);
		// As the seed's httpie sends them, numbers are strings half of the time; the seed's status="ordered" sometimes.
		const asText = rnd.chance(0.5);
		const price = product?.price ?? 5000;
		return {
			item: product?.item ?? "discontinued",
			itemcd: product?.itemcd ?? UNKNOWN_ITEMCD,
			orderQty: asText ? String(qty) : qty,
			price: asText ? String(price) : price,
			...(rnd.chance(0.5) ? { customer } : {}),
			...(rnd.chance(0.3) ? { status: "ordered" } : {}),
			...(rnd.chance(0.5) ? { address: rnd.pick(ADDRESSES) } : {})
		};
	},
	cancelShare: 0.3,
	cancelDelayMs: [0, 3000],
	/** The product manager adds the products (with an Idempotency-Key) before the first order. */
	async setup(world, { sagas }) {
		const state = stateOf(world);
		const actor = manager(world);
		state.initial = initialStock(sagas);
		for (const p of PRODUCTS) {
			const totalQuantity = state.initial.get(p.itemcd)!;
			const res = await world.command(actor, "add product", {
				method: "POST",
				path: `${API}/products`,
				body: { itemcd: p.itemcd, totalQuantity: String(totalQuantity), name: p.name },
				headers: { "Idempotency-Key": `chaos-${world.opts.seed}-product-${p.itemcd}` }
			});
			if (res.status !== 201) throw new Error(`adding product ${p.itemcd} answered ${res.status}: ${JSON.stringify(res.body)}`);
		}
	},
	workers(world) {
		return [productManager(world), courier(world, "mallcourier", world.login("mallcourier", "mallcourier-demo-pw")), courier(world, "courier-2", world.minted("chaos-courier-2", ["rider"]))];
	},
	async progress(world): Promise<Progress> {
		const all = (await orders(world)).map(sagaState);
		return { established: all.filter(o => o.established).length, open: all.filter(o => o.established && !o.terminal).length, pending: all.filter(o => o.status === "payPending").length };
	},
	async snapshot(world): Promise<Snapshot> {
		const admin = world.admin();
		const state = stateOf(world);
		const all = await orders(world);
		const pays = await world.listAll<Pay & Record<string, unknown>>(admin, `${API}/pays?sort=createdAt`);
		const products = await world.listAll<Product & Record<string, unknown>>(admin, `${API}/products?sort=itemcd`);
		const deliveries = await world.listAll<Delivery & Record<string, unknown>>(admin, `${API}/deliveries?sort=createdAt`);
		const centers = await world.listAll<CustomerCenterRow & Record<string, unknown>>(admin, `${API}/customercenters?sort=updatedAt`, r => r.orderId);
		const notices = await world.listAll<Notice & Record<string, unknown>>(admin, `${API}/notices?sort=createdAt`);
		const [pay, dl, cc] = [byOrder(pays), byOrder(deliveries), byOrder(centers)];
		const productOf = new Map(products.map(p => [p.itemcd, p]));
		const noticesOf = new Map<string, Notice[]>();
		for (const n of notices) noticesOf.set(n.orderId, [...(noticesOf.get(n.orderId) ?? []), n]);
		const rules = new Rules();
		for (const o of all) if (!NOT_ESTABLISHED.includes(o.status)) checkMallOrder(rules, o, pay.get(o.id), productOf.get(o.itemcd), dl.get(o.id), cc.get(o.id), noticesOf.get(o.id) ?? []);
		for (const p of products) checkProduct(rules, p, state.initial.get(p.itemcd), state.restocks);
		for (const itemcd of state.initial.keys()) if (!productOf.has(itemcd)) rules.add("lost", "product-missing", `product ${itemcd}`, "a product the manager added (201) is not listed");
		// A failed placement's pay never stands: cancelled (placementFailed) or voided.
		const failed = new Set(all.filter(o => o.status === "payFailed").map(o => o.id));
		for (const p of pays) if (failed.has(p.orderId) && p.status === "approved") rules.add("orphaned", "pay-of-failed-placement", p.orderId, `pay approved, order payFailed`);
		return {
			orders: all.map(sagaState),
			payments: pays.map(p => ({ id: p.id, orderId: p.orderId, status: p.status, charged: p.status === "approved", refunded: p.status === "canceled" })),
			records: {
				delivery: deliveries.map(r => ({ id: r.id, orderId: r.orderId })),
				"customer center": centers.map(r => ({ id: r.orderId, orderId: r.orderId })),
				reservation: products.flatMap(p => Object.keys(p.reservations).map(orderId => ({ id: `${p.itemcd}/${orderId}`, orderId }))),
				// One notice per order and event type (two: `duplicate-notice-<type>`).
				...Object.fromEntries([...new Set(notices.map(n => n.eventType))].map(type => [`notice ${type}`, notices.filter(n => n.eventType === type).map(n => ({ id: n.id, orderId: n.orderId }))]))
			},
			findings: rules.findings
		};
	}
};
