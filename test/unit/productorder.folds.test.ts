/**
 * Monotonic folds of the product-order mall, property-based (as test/unit/folds.test.ts does for the other
 * systems): for every aggregate that folds other contexts' facts — the order, the pay, the product's stock,
 * the delivery — and for the customer center view, any permutation of a saga's events, with duplicates, folds
 * to the same state as the events in the order they happened. A duplicate is skipped by its id, as the store
 * and the view store do. Nothing — a status, a count, a timestamp — goes back.
 */
import fc from "fast-check";
import type { Decision } from "../../domain";
import { foldCustomerCenter, type CustomerCenterRow } from "../../services/productorder/customercenter.view";
import * as delivery from "../../services/productorder/delivery.domain";
import type { ProductOrderEvents } from "../../services/productorder/events";
import * as order from "../../services/productorder/order.domain";
import * as pay from "../../services/productorder/pay.domain";
import * as product from "../../services/productorder/product.domain";

interface Ev {
	id: string;
	type: string;
	occurredAt: string;
	data: Record<string, unknown>;
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/** A saga's events, in the order they happened (one second apart); the order id is o1 unless the data says another. */
function saga(...events: [string, Record<string, unknown>][]): Ev[] {
	return events.map(([type, data], i) => ({ id: `e${i}`, type, occurredAt: at(i + 1), data: { orderId: "o1", ...data } }));
}

type Apply<S> = (current: S | null, e: Ev) => S | null;

function foldAll<S>(initial: S | null, events: Ev[], apply: Apply<S>): S | null {
	const seen = new Set<string>();
	return events.reduce<S | null>((state, e) => {
		if (seen.has(e.id)) return state;
		seen.add(e.id);
		return apply(state, e);
	}, initial);
}

const policy =
	<S,>(decide: (current: S | null, e: Ev) => Decision<S> | null): Apply<S> =>
	(current, e) =>
		decide(current, e)?.state ?? current;

function orderInsensitive<S>(name: string, initial: S | null, events: Ev[], apply: Apply<S>, check: (s: S) => void = () => undefined): void {
	it(`${name}: any permutation with duplicates folds to the same state`, () => {
		const expected = foldAll(initial, events, apply);
		expect(expected).not.toBeNull();
		check(expected!);
		fc.assert(
			fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(events.length - 1), { maxLength: events.length * 2 }), fc.nat(), (permutation, again, seed) => {
				const delivered = [...permutation];
				for (const [i, n] of again.entries()) delivered.splice((seed + i * 7) % (delivered.length + 1), 0, events[n]);
				expect(foldAll(initial, delivered, apply)).toEqual(expected);
			}),
			{ numRuns: 300 }
		);
	});
}

const line = { item: "milk", itemcd: "2", orderQty: 2, price: 2000, address: "seoul" };
const details: ProductOrderEvents["Ordered"] = { orderId: "o1", customer: "mallbuyer", amount: 4000, ...line };
const canceledData: ProductOrderEvents["OrderCanceled"] = { orderId: "o1", customer: "mallbuyer", itemcd: "2", orderQty: 2 };
const preparedData: ProductOrderEvents["DeliveryPrepared"] = { orderId: "o1", customer: "mallbuyer", itemcd: "2", item: "milk", orderQty: 2, address: "seoul" };
const short = { customer: "mallbuyer", itemcd: "2", orderQty: 2, available: 0, reason: "short" };

describe("product-order folds: the order", () => {
	const placed = order.paySucceeded(order.startPlacement("o1", { ...line, customer: "mallbuyer" }, at(0)).state, at(0))!.state;
	const fact: Apply<order.Order> = policy((cur, e) => cur && order.onFact(cur, e.type as order.OrderFact, e.data, e.occurredAt));

	orderInsensitive("delivered", placed, saga(["DeliveryPrepared", preparedData], ["DeliveryStarted", {}], ["DeliveryCompleted", {}]), fact, o => expect(o.status).toBe("deliveryCompleted"));
	orderInsensitive("rejected for want of stock, its pay cancelled", placed, saga(["OutOfStock", short], ["PayCanceled", { reason: "outOfStock" }]), fact, o => expect(o).toMatchObject({ status: "rejected", payStatus: "canceled" }));
	orderInsensitive("its cancel accepted by the delivery while the order was down", placed, saga(["DeliveryCanceled", { wasPrepared: false }], ["PayCanceled", { reason: "customer" }]), fact, o => expect(o.status).toBe("canceled"));
	orderInsensitive(
		"cancelled, while the product had reserved for it",
		{ ...placed, status: "canceled" as const, deliveryStatus: "canceled" as const },
		saga(["DeliveryCanceled", { wasPrepared: false }], ["DeliveryPrepared", preparedData], ["PayCanceled", { reason: "customer" }]),
		fact,
		o => expect(o).toMatchObject({ status: "canceled", deliveryStatus: "canceled", payStatus: "canceled" })
	);
	orderInsensitive(
		"a cancel crossing the product's refusal",
		placed,
		saga(["DeliveryCanceled", { wasPrepared: false }], ["OutOfStock", short], ["PayCanceled", { reason: "customer" }]),
		fact,
		o => expect(o).toMatchObject({ status: "rejected", rejectReason: "short", deliveryStatus: "canceled", payStatus: "canceled" })
	);
});

describe("product-order folds: the pay", () => {
	const approved = pay.approve(null, details, { declineAbove: 0 }, at(0))!.state;
	const apply: Apply<pay.Pay> = policy((cur, e) =>
		e.type === "Ordered"
			? pay.onOrdered(cur, e.occurredAt)
			: e.type === "OrderCanceled"
				? pay.onOrderCanceled(cur, e.occurredAt)
				: e.type === "OutOfStock"
					? pay.onOutOfStock(cur, e.occurredAt)
					: pay.onOrderPlacementFailed(cur, { orderId: "o1", customer: "mallbuyer" }, e.occurredAt)
	);
	orderInsensitive("told, then cancelled by the customer", approved, saga(["Ordered", details], ["OrderCanceled", canceledData]), apply, p => expect(p).toMatchObject({ status: "canceled", cancelReason: "customer" }));
	orderInsensitive("told, then cancelled for want of stock", approved, saga(["Ordered", details], ["OutOfStock", short]), apply, p => expect(p.cancelReason).toBe("outOfStock"));
	orderInsensitive("a cancel crossing the product's refusal: cancelled once, the same reason", approved, saga(["Ordered", details], ["OrderCanceled", canceledData], ["OutOfStock", short]), apply, p =>
		expect(p).toMatchObject({ status: "canceled", cancelReason: "outOfStock" })
	);
	orderInsensitive("never established: a late pay voided", null, saga(["OrderPlacementFailed", { customer: "mallbuyer", reason: "REQUEST_TIMEOUT" }]), apply, p => expect(p.status).toBe("voided"));
});

describe("product-order folds: the product's stock", () => {
	const fresh = (qty: number) => product.addProduct("2", { totalQuantity: qty }, at(0)).state;
	const apply: Apply<product.Product> = policy((cur, e) => {
		if (!cur) return null;
		const qty = Number(e.data.orderQty);
		const orderId = String(e.data.orderId);
		return e.type === "PayApproved" ? product.onPayApproved(cur, { ...details, orderId, orderQty: qty }, e.occurredAt) : product.onOrderCanceled(cur, { ...canceledData, orderId, orderQty: qty }, e.occurredAt);
	});
	const noProblems = (p: product.Product) => expect(product.stockProblems(p)).toEqual([]);

	orderInsensitive("reserved then given back (or the cancel first: never reserved)", fresh(5), saga(["PayApproved", details], ["OrderCanceled", canceledData]), apply, p => {
		noProblems(p);
		expect(p).toMatchObject({ totalQuantity: 5, reservedQuantity: 0, reservations: { o1: { qty: 2, status: "canceled" } } });
	});
	orderInsensitive("too few left, and the customer cancelled meanwhile", fresh(1), saga(["PayApproved", details], ["OrderCanceled", canceledData]), apply, p => {
		noProblems(p);
		expect(p).toMatchObject({ totalQuantity: 1, reservations: { o1: { qty: 2, status: "canceled" } } });
	});
	orderInsensitive(
		"two orders' sagas interleaved, enough units for both",
		fresh(10),
		saga(["PayApproved", details], ["PayApproved", { ...details, orderId: "o2", orderQty: 3 }], ["OrderCanceled", canceledData], ["OrderCanceled", { ...canceledData, orderId: "o3", orderQty: 1 }], ["PayApproved", { ...details, orderId: "o3", orderQty: 1 }]),
		apply,
		p => {
			noProblems(p);
			expect(p).toMatchObject({ totalQuantity: 7, reservedQuantity: 3, reservations: { o1: { status: "canceled" }, o2: { qty: 3, status: "reserved" }, o3: { status: "canceled" } } });
		}
	);
});

describe("product-order folds: the delivery", () => {
	const apply: Apply<delivery.Delivery> = policy((cur, e) => (e.type === "DeliveryPrepared" ? delivery.onDeliveryPrepared(cur, preparedData, e.occurredAt) : delivery.onOrderCanceled(cur, canceledData, e.occurredAt)));
	const accepted = delivery.acceptCancel(null, { orderId: "o1", customer: "mallbuyer", itemcd: "2" }, at(0))!.state;
	orderInsensitive("its cancel accepted before anything was prepared", accepted, saga(["DeliveryPrepared", preparedData], ["OrderCanceled", canceledData]), apply, d => expect(d).toMatchObject({ status: "canceled", item: "milk", orderQty: 2 }));
	orderInsensitive("prepared, then cancelled by the order's event", null, saga(["DeliveryPrepared", preparedData], ["OrderCanceled", canceledData]), apply, d => expect(d.status).toBe("canceled"));
});

describe("product-order folds: the customer center", () => {
	const view: Apply<CustomerCenterRow> = (row, e) => foldCustomerCenter(row, e);
	const ordered: [string, Record<string, unknown>] = ["Ordered", details];
	const c = { customer: "mallbuyer" };
	orderInsensitive("delivered", null, saga(ordered, ["PayApproved", details], ["DeliveryPrepared", preparedData], ["DeliveryStarted", c], ["DeliveryCompleted", c]), view, r =>
		expect(r).toMatchObject({ ordered: true, orderStatus: "deliveryCompleted", deliveryStatus: "completed", payStatus: "approved", customer: "mallbuyer", itemcd: "2", orderQty: 2 })
	);
	orderInsensitive("cancelled after its delivery was prepared", null, saga(ordered, ["PayApproved", details], ["DeliveryPrepared", preparedData], ["DeliveryCanceled", { ...c, wasPrepared: true }], ["OrderCanceled", canceledData], ["PayCanceled", c]), view, r =>
		expect(r).toMatchObject({ orderStatus: "canceled", deliveryStatus: "canceled", payStatus: "canceled" })
	);
	orderInsensitive("rejected for want of stock", null, saga(ordered, ["PayApproved", details], ["OutOfStock", short], ["PayCanceled", c]), view, r => expect(r).toMatchObject({ orderStatus: "rejected", rejectReason: "short", payStatus: "canceled" }));
	orderInsensitive(
		"a cancel crossing the product's refusal",
		null,
		saga(ordered, ["PayApproved", details], ["DeliveryCanceled", { ...c, wasPrepared: false }], ["OrderCanceled", canceledData], ["OutOfStock", short], ["PayCanceled", c]),
		view,
		r => expect(r).toMatchObject({ orderStatus: "rejected", deliveryStatus: "canceled", payStatus: "canceled" })
	);
});
