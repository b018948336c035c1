/**
 * The warehouse's actors and rules for the chaos run (services/warehouse/, docs/warehouse.md): customers
 * request inbound deliveries of a few products and cancel some; two staff receive them (the receive books
 * the delivery into the customer's stock synchronously; both sometimes reach for the same one) and now and
 * then dispose of stock; the customers ship stock out while the load runs (sometimes more than there is).
 *
 * Its core invariants are the books: per stock, never negative and quantity = received − shipped −
 * disposed; every received delivery booked exactly once, no booking of a delivery not received after
 * settling, none of a cancelled one; the shipments and disposals the stock counts are the ones its actors
 * were answered (a 504 or no answer may have landed too); one message per change; the stock view says what
 * the stock says.
 */
import type { MessageRecord } from "../../mixins/notifications.mixin";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import type { MessageFields } from "../../services/warehouse/notification.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import type { StockRow } from "../../services/warehouse/stock.view";
import { stockIdOf } from "../../services/warehouse/stock-id";
import type { Progress, SagaState, Snapshot, SystemDriver, Worker } from "./driver";
import { attend, loop, Rules } from "./kit";
import type { Actor, World } from "./world";

const API = "/api/warehouse";
const PRODUCTS = ["사과", "배", "쌀", "라면"] as const;

type Message = MessageRecord<MessageFields>;

/** A ship or dispose as its actor was answered: the quantity, and every answer (a 504 or no answer may have moved it too). */
export interface Movement {
	kind: "ship" | "dispose";
	/** Who asked. */
	by: string;
	stockId: string;
	qty: number;
	answers: number[];
}

const STATE = new WeakMap<World, Movement[]>();

function movementsOf(world: World): Movement[] {
	let s = STATE.get(world);
	if (!s) {
		s = [];
		STATE.set(world, s);
	}
	return s;
}

/** Deliveries placed (201) so far, by everyone or by `customer`. */
function placedBy(world: World, customer?: string): number {
	let n = 0;
	for (const r of world.ledger.values()) if (r.final === "placed" && (customer === undefined || r.customer === customer)) n++;
	return n;
}

function sagaState(d: InboundDelivery): SagaState {
	return { id: d.id, owner: d.customer, status: d.status, established: true, terminal: d.status !== "requested", cancelled: d.status === "cancelled" };
}

async function deliveries(world: World): Promise<InboundDelivery[]> {
	return world.listAll<InboundDelivery & Record<string, unknown>>(world.admin(), `${API}/deliveries?sort=createdAt`);
}

const CUSTOMERS = [{ name: "gildong", password: "gildong-demo-pw" }, ...Array.from({ length: 7 }, (_, i) => ({ name: `chaos-wh-customer-${i + 1}` }))];

function customerActor(world: World, spec: (typeof CUSTOMERS)[number]): Actor {
	return "password" in spec && spec.password ? world.login(spec.name, spec.password) : world.minted(spec.name, ["customer"]);
}

/** Ships or disposes `qty` of a stock, as `actor`, with the retry protocol; the answers are kept. */
async function move(world: World, actor: Actor, kind: Movement["kind"], stock: Stock, qty: number): Promise<number> {
	const m: Movement = { kind, by: actor.name, stockId: stock.id, qty, answers: [] };
	movementsOf(world).push(m);
	const body = kind === "ship" ? { qty } : { qty, reason: "포장 파손 (chaos)" };
	const res = await world.command(actor, kind, { method: "POST", path: `${API}/warehouses/${stock.id}/${kind}`, body }, status => m.answers.push(status));
	if (m.answers.slice(0, -1).some(s => s === 504 || s === 0)) world.counters.add(`figure.${kind}s sent again after 504 or no answer`);
	return res.status;
}

/** A member of staff: requested deliveries are received (booked synchronously; two staff may reach for the same one: one gets 409); now and then a little stock is disposed of. */
function staff(world: World, name: string, actor: Actor): Worker {
	return loop(world, `staff ${name}`, [800, 2500], async rnd => {
		const requested = await world.get<{ rows: InboundDelivery[] }>(actor, `${API}/deliveries?status=requested&sort=createdAt&pageSize=30`);
		for (const d of attend(rnd, requested, 0.5)) {
			if (world.finished) return;
			const res = await world.command(actor, "receive", { method: "POST", path: `${API}/deliveries/${d.id}/receive` });
			if (res.status === 200) world.counters.add("figure.deliveries received");
		}
		// Disposals: about one for every ten deliveries placed so far.
		if (!rnd.chance(0.3) || movementsOf(world).filter(m => m.kind === "dispose").length >= placedBy(world) / 10) return;
		const stocks = await world.get<{ rows: Stock[] }>(actor, `${API}/warehouses?status=inStock&sort=-updatedAt&pageSize=30`);
		for (const s of attend(rnd, stocks, 0.15)) {
			if (world.finished) return;
			// Sometimes more than there is: 409 with the quantity, nothing changed.
			const qty = rnd.chance(0.1) ? s.quantity + 1 : rnd.int(1, Math.max(1, Math.min(3, s.quantity)));
			const status = await move(world, actor, "dispose", s, qty);
			if (status === 200) world.counters.add("figure.disposals (200)");
			if (status === 409) world.counters.add("figure.disposals refused (409)");
		}
	});
}

/** A customer ships part of their stock out while the load runs (sometimes more than there is: 409). */
function shipper(world: World, spec: (typeof CUSTOMERS)[number]): Worker {
	const actor = customerActor(world, spec);
	return loop(world, `shipper ${spec.name}`, [1000, 3000], async rnd => {
		// About one shipment for every two of the customer's deliveries placed so far (so it goes on while the faults do, and then stops).
		if (movementsOf(world).filter(m => m.kind === "ship" && m.by === spec.name).length >= placedBy(world, spec.name) / 2) return;
		const mine = await world.get<{ rows: Stock[] }>(actor, `${API}/warehouses?status=inStock&sort=-updatedAt&pageSize=30`);
		for (const s of attend(rnd, mine, 0.4).slice(0, 1)) {
			if (world.finished) return;
			const qty = rnd.chance(0.1) ? s.quantity + rnd.int(1, 3) : rnd.int(1, Math.max(1, Math.ceil(s.quantity / 2)));
			const status = await move(world, actor, "ship", s, qty);
			if (status === 200) world.counters.add("figure.shipments (200)");
			if (status === 409) world.counters.add("figure.shipments refused (409)");
		}
	});
}

/** What the text of a stock's message says it moved, and what the stock held after (the record carries no numbers of its own). */
export function movedBy(m: Pick<Message, "kind" | "message">): { qty: number; after: number } | undefined {
	const pattern = m.kind === "InStock" ? /(\d+)개가 입고되었습니다\. 현재 재고 (\d+)개/ : m.kind === "Shipped" ? /(\d+)개가 출고되었습니다\. 남은 재고 (\d+)개/ : m.kind === "Disposed" ? /(\d+)개가 폐기되었습니다 \(사유: .*\)\. 남은 재고 (\d+)개/ : undefined;
	const found = pattern?.exec(m.message);
	return found ? { qty: Number(found[1]), after: Number(found[2]) } : undefined;
}

/** The warehouse's rules on one delivery: its booking in its stock, and its messages. */
export function checkDelivery(rules: Rules, d: InboundDelivery, stock: Stock | undefined, messages: readonly Message[]): void {
	const id = d.id;
	rules.same("backwards", "stock-id", id, "stockId of the delivery", d.stockId, stockIdOf(d.customer, d.product));
	const bookings = stock?.bookings.filter(b => b.deliveryId === id) ?? [];
	if (d.status === "received") {
		if (bookings.length === 0) rules.add("lost", "received-not-booked", id, `delivery received, no booking in stock ${d.stockId} (${stock ? `${stock.bookings.length} bookings` : "no stock"})`);
		for (const b of bookings) if (b.qty !== d.qty) rules.add("backwards", "booked-other-qty", id, `delivery of ${d.qty}, booked ${b.qty}`);
		if (!d.receivedAt) rules.add("backwards", "received-without-time", id, "received, no receivedAt");
	} else if (bookings.length > 0) {
		// Booked and cancelled: both happened (the cancel crossed the receipt); booked and still requested: the receipt lost.
		if (d.status === "cancelled") rules.add("refunded-and-delivered", "cancelled-and-booked", id, `delivery cancelled, booked into stock ${d.stockId} at ${bookings[0].bookedAt}`);
		else rules.add("lost", "booked-not-received", id, `delivery ${d.status}, booked into stock ${d.stockId} at ${bookings[0].bookedAt}`);
	}
	if (d.status === "cancelled" && stock && stock.bookings.some(b => b.deliveryId === id) && stock.cancelledDeliveries.includes(id)) rules.add("refunded-and-delivered", "cancel-accepted-and-booked", id, "the stock accepted its cancel and booked it");
	// One message per change: requested, then received (InStock) or cancelled.
	const kinds = messages.map(m => m.kind);
	const required = ["DeliveryRequested", ...(d.status === "received" ? ["InStock"] : d.status === "cancelled" ? ["DeliveryCancelled"] : [])];
	for (const kind of required) if (!kinds.includes(kind as Message["kind"])) rules.add("lost", `message-missing-${kind}`, id, `delivery ${d.status}: no ${kind} message`);
	for (const kind of kinds) if (!required.includes(kind)) rules.add("backwards", `message-of-no-change-${kind}`, id, `delivery ${d.status}: a ${kind} message`);
	for (const m of messages) {
		if (m.status !== "sent") rules.add("lost", "message-not-sent", id, `message ${m.id} (${m.kind}) is ${m.status} after ${m.attempts} attempts`);
		if (m.customer !== d.customer) rules.add("backwards", "message-customer", id, `message ${m.id} (${m.kind}) to ${m.customer}, delivery of ${d.customer}`);
		if (m.kind === "InStock" && movedBy(m)?.qty !== d.qty) rules.add("backwards", "message-qty", id, `InStock message says ${m.message}, delivery of ${d.qty}`);
	}
	rules.ordered(id, { delivery: d });
}

/**
 * The warehouse's rules on one stock: its own counts, its bookings against its deliveries, its shipments and
 * disposals against what the actors were answered, its messages and its row in the stock view.
 */
export function checkStock(
	rules: Rules,
	stockId: string,
	s: Stock | undefined,
	deliveriesOfStock: readonly InboundDelivery[],
	movements: readonly Movement[],
	messages: readonly Message[],
	view: StockRow | undefined
): void {
	const id = `stock ${stockId}`;
	const qtyOf = (list: readonly InboundDelivery[]) => list.reduce((n, d) => n + d.qty, 0);
	const byId = new Map(deliveriesOfStock.map(d => [d.id, d]));
	if (s) {
		if (s.quantity < 0) rules.add("duplicated", "stock-negative", id, `quantity ${s.quantity} < 0`);
		if (s.quantity !== s.received - s.shipped - s.disposed) rules.add(s.quantity < s.received - s.shipped - s.disposed ? "lost" : "duplicated", "stock-not-conserved", id, `quantity ${s.quantity} ≠ received ${s.received} − shipped ${s.shipped} − disposed ${s.disposed}`);
		rules.same("backwards", "stock-status", id, "status of the stock", s.status, s.quantity > 0 ? "inStock" : "empty");
		const booked = s.bookings.reduce((n, b) => n + b.qty, 0);
		if (booked !== s.received) rules.add(booked < s.received ? "duplicated" : "lost", "received-not-bookings", id, `received ${s.received} ≠ Σ bookings ${booked}`);
		for (const b of s.bookings) {
			const d = byId.get(b.deliveryId);
			if (!d) rules.add("orphaned", "booking-of-no-delivery", id, `booking of delivery ${b.deliveryId}: no such delivery of this stock`);
			if (s.cancelledDeliveries.includes(b.deliveryId)) rules.add("refunded-and-delivered", "booked-and-cancel-accepted", id, `delivery ${b.deliveryId} booked and its cancel accepted`);
		}
		rules.same("backwards", "stock-customer", id, "stock id of its customer and product", stockIdOf(s.customer, s.product), stockId);
		// What the actors were answered: each 200 moved it once; a send answered 504 or not at all may have moved it (once per send).
		for (const kind of ["ship", "dispose"] as const) {
			const mine = movements.filter(m => m.kind === kind);
			const total = kind === "ship" ? s.shipped : s.disposed;
			const certain = mine.reduce((n, m) => n + (m.answers.at(-1) === 200 ? m.qty : 0), 0);
			const once = mine.reduce((n, m) => n + (m.answers.some(a => a === 200 || a === 504 || a === 0) ? m.qty : 0), 0);
			const possible = mine.reduce((n, m) => n + m.qty * m.answers.filter(a => a === 200 || a === 504 || a === 0).length, 0);
			const field = kind === "ship" ? "shipped" : "disposed";
			if (total < certain) rules.add("lost", `${kind}-lost`, id, `${field} ${total} < the ${kind}s answered 200 (${certain})`);
			else if (total > possible) rules.add("duplicated", `${kind}-of-no-request`, id, `${field} ${total} > every ${kind} send that may have landed (${possible})`);
			else if (total > once) rules.add("duplicated", `${kind}-applied-twice`, id, `${field} ${total} > each ${kind} asked once (${once}): a ${kind} sent again after a 504 or no answer moved the stock twice`);
		}
	} else if (deliveriesOfStock.some(d => d.status === "received")) {
		rules.add("lost", "stock-missing", id, `no stock, ${deliveriesOfStock.filter(d => d.status === "received").length} deliveries received into it`);
	}

	// One message per change of the stock: the units the Shipped and Disposed messages say equal what the stock counts.
	for (const [kind, field] of [["Shipped", "shipped"], ["Disposed", "disposed"]] as const) {
		const told = messages.filter(m => m.kind === kind);
		const units = told.reduce((n, m) => n + (movedBy(m)?.qty ?? 0), 0);
		const counted = s?.[field] ?? 0;
		if (units < counted) rules.add("lost", `message-missing-${kind}`, id, `${field} ${counted}, the ${told.length} ${kind} messages say ${units}`);
		if (units > counted) rules.add("duplicated", `messages-twice-${kind}`, id, `${field} ${counted}, the ${told.length} ${kind} messages say ${units}`);
		for (const m of told) if (m.status !== "sent") rules.add("lost", "message-not-sent", id, `message ${m.id} (${m.kind}) is ${m.status} after ${m.attempts} attempts`);
	}

	// The stock view says what the stock and its deliveries say, once everything has arrived.
	if (!view) {
		if (deliveriesOfStock.length > 0) rules.add("lost", "stock-view-missing", id, `${deliveriesOfStock.length} deliveries, no stock view row`);
		return;
	}
	const expected = {
		quantity: s?.quantity ?? 0,
		received: s?.received ?? 0,
		shipped: s?.shipped ?? 0,
		disposed: s?.disposed ?? 0,
		status: s?.status ?? "empty",
		requested: qtyOf(deliveriesOfStock),
		cancelled: qtyOf(deliveriesOfStock.filter(d => d.status === "cancelled")),
		incoming: qtyOf(deliveriesOfStock.filter(d => d.status === "requested"))
	};
	for (const [field, value] of Object.entries(expected)) rules.same("backwards", `stock-view-${field}`, id, `stock view ${field} vs the stock`, view[field as keyof typeof expected], value);
	if (s) rules.notOlder(id, "stock-view", view, { stock: s });
}

export const warehouseDriver: SystemDriver = {
	system: "warehouse",
	defaultSagas: 400,
	placeScope: "warehouse.delivery",
	placePath: `${API}/deliveries`,
	cancelPath: id => `${API}/deliveries/${id}`,
	customers: CUSTOMERS,
	placement(customer, rnd) {
		const qty = rnd.int(1, 20);
		// As httpie sends it (a string) or as a number; the customer's own name, or left out (the token's subject).
		return { product: rnd.pick(PRODUCTS), qty: rnd.chance(0.5) ? String(qty) : qty, ...(rnd.chance(0.5) ? { customer } : {}) };
	},
	cancelShare: 0.3,
	cancelDelayMs: [0, 3000],
	workers(world) {
		return [staff(world, "whstaff", world.login("whstaff", "whstaff-demo-pw")), staff(world, "staff-2", world.minted("chaos-wh-staff-2", ["warehouse"])), ...CUSTOMERS.map(c => shipper(world, c))];
	},
	async progress(world): Promise<Progress> {
		const all = (await deliveries(world)).map(sagaState);
		return { established: all.length, open: all.filter(d => !d.terminal).length, pending: 0 };
	},
	async snapshot(world): Promise<Snapshot> {
		const admin = world.admin();
		const all = await deliveries(world);
		const stocks = await world.listAll<Stock & Record<string, unknown>>(admin, `${API}/warehouses?sort=createdAt`);
		const views = await world.listAll<StockRow & Record<string, unknown>>(admin, `${API}/stocks?sort=updatedAt`, r => r.stockId);
		const messages = await world.listAll<Message & Record<string, unknown>>(admin, `${API}/notifications?sort=createdAt`);
		const stockOf = new Map(stocks.map(s => [s.id, s]));
		const viewOf = new Map(views.map(v => [v.stockId, v]));
		const group = <T>(items: readonly T[], key: (t: T) => string) => {
			const out = new Map<string, T[]>();
			for (const it of items) out.set(key(it), [...(out.get(key(it)) ?? []), it]);
			return out;
		};
		const deliveryMessages = messages.filter(m => m.deliveryId);
		const stockMessages = group(
			messages.filter(m => !m.deliveryId),
			m => m.stockId
		);
		const messagesOf = group(deliveryMessages, m => m.deliveryId!);
		const deliveriesOf = group(all, d => d.stockId);
		const movementsOfStock = group(movementsOf(world), m => m.stockId);
		const rules = new Rules();
		for (const d of all) checkDelivery(rules, d, stockOf.get(d.stockId), messagesOf.get(d.id) ?? []);
		for (const stockId of new Set([...stockOf.keys(), ...viewOf.keys(), ...deliveriesOf.keys()])) {
			checkStock(rules, stockId, stockOf.get(stockId), deliveriesOf.get(stockId) ?? [], movementsOfStock.get(stockId) ?? [], stockMessages.get(stockId) ?? [], viewOf.get(stockId));
		}
		return {
			orders: all.map(sagaState),
			payments: [],
			records: {
				// One booking per delivery, in the stock of its customer's product.
				booking: stocks.flatMap(s => s.bookings.map(b => ({ id: `${s.id}/${b.deliveryId}`, orderId: b.deliveryId }))),
				// One message per change of a delivery (two of one kind: `duplicate-message-<kind>`).
				...Object.fromEntries([...new Set(deliveryMessages.map(m => m.kind))].map(kind => [`message ${kind}`, deliveryMessages.filter(m => m.kind === kind).map(m => ({ id: m.id, orderId: m.deliveryId! }))]))
			},
			findings: rules.findings
		};
	}
};
