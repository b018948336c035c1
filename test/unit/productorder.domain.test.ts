/**
 * The product-order mall's domain alone (no broker): the order's state machine, the pay, the delivery's
 * pivot, the notices, and the stock — its invariants checked on every step of random interleavings of
 * reserve, cancel and restock, with repetitions (fast-check): never negative, never oversold, units conserved,
 * each order reserved at most once and given back at most once.
 */
import fc from "fast-check";
import type { EventDraft } from "../../domain";
import * as delivery from "../../services/productorder/delivery.domain";
import type { ProductOrderEvents } from "../../services/productorder/events";
import { NOTICE_EVENTS, noticeFor, noticeSent } from "../../services/productorder/notice.domain";
import * as order from "../../services/productorder/order.domain";
import * as pay from "../../services/productorder/pay.domain";
import * as product from "../../services/productorder/product.domain";
import { expectDomainError } from "../support/expect";

const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const input: order.OrderInput = { item: "milk", itemcd: "2", orderQty: 1, price: 2000, customer: "mallbuyer" };

const placed = (id = "o1", over: Partial<order.OrderInput> = {}) => order.paySucceeded(order.startPlacement(id, { ...input, ...over }, T(0)).state, T(0))!.state;
const paid = (orderId: string, orderQty: number): ProductOrderEvents["PayApproved"] => ({ orderId, customer: "mallbuyer", item: "milk", itemcd: "2", orderQty, price: 2000, amount: 2000 * orderQty, address: "seoul" });
const canceled = (orderId: string, orderQty: number): ProductOrderEvents["OrderCanceled"] => ({ orderId, customer: "mallbuyer", itemcd: "2", orderQty });
const types = (events: EventDraft[]) => events.map(e => e.type);

describe("order", () => {
	it("is established only once paid, telling Ordered with the whole line; the amount is orderQty × price", () => {
		const pending = order.startPlacement("o1", { ...input, orderQty: 3 }, T(0));
		expect(pending.events).toEqual([]);
		expect(pending.state).toMatchObject({ status: "payPending", amount: 6000, itemcd: "2" });
		const ok = order.paySucceeded(pending.state, T(1))!;
		expect(ok.state).toMatchObject({ status: "ordered", payStatus: "approved" });
		expect(ok.events).toEqual([{ type: "Ordered", data: { orderId: "o1", customer: "mallbuyer", item: "milk", itemcd: "2", orderQty: 3, price: 2000, amount: 6000 } }]);
		expect(order.paySucceeded(ok.state, T(2))).toBeNull();
		expect(order.placementOutcome(ok.state)).toBe("established");
	});

	it("a failed pay closes the placement with its compensation; a declined one is answered again as 402, others may be tried again", () => {
		const pending = order.startPlacement("o1", input, T(0)).state;
		const failed = order.payFailed(pending, "REQUEST_TIMEOUT", T(1))!;
		expect(failed.state.status).toBe("payFailed");
		expect(types(failed.events)).toEqual(["OrderPlacementFailed"]);
		expect(order.placementOutcome(failed.state)).toBe("retry");
		const declined = order.payFailed(pending, order.DECLINED, T(1))!.state;
		expect(order.placementOutcome(declined)).toMatchObject({ kind: "Declined" });
		expect(order.payFailed(placed(), "x", T(1))).toBeNull();
	});

	it("follows the facts forward: prepared, started, completed; out of stock rejects it", () => {
		let o = placed();
		o = order.onFact(o, "DeliveryPrepared", {}, T(1))!.state;
		expect(o).toMatchObject({ status: "deliveryPrepared", deliveryStatus: "prepared" });
		o = order.onFact(o, "DeliveryStarted", {}, T(2))!.state;
		o = order.onFact(o, "DeliveryCompleted", {}, T(3))!.state;
		expect(o).toMatchObject({ status: "deliveryCompleted", deliveryStatus: "completed" });
		expect(order.onFact(o, "DeliveryPrepared", {}, T(1))).toBeNull(); // late: nothing moves back

		const rejected = order.onFact(placed(), "OutOfStock", { reason: "short" }, T(1))!.state;
		expect(rejected).toMatchObject({ status: "rejected", rejectReason: "short" });
		expect(order.onFact(order.startPlacement("o2", input, T(0)).state, "OutOfStock", { reason: "short" }, T(1))).toBeNull();
	});

	it("cancels until its delivery has started: 409 with the status otherwise; the delivery's refusal names the real status", () => {
		const o = placed();
		const c = order.cancel(o, T(1))!;
		expect(c.state).toMatchObject({ status: "canceled", deliveryStatus: "canceled" });
		expect(c.events).toEqual([{ type: "OrderCanceled", data: { orderId: "o1", customer: "mallbuyer", itemcd: "2", orderQty: 1 } }]);
		expect(order.cancel(c.state, T(2))).toBeNull();
		const started = order.onFact(order.onFact(o, "DeliveryPrepared", {}, T(1))!.state, "DeliveryStarted", {}, T(2))!.state;
		expectDomainError(() => order.checkCancel(started), "IllegalTransition", "deliveryStarted");
		expectDomainError(() => order.checkCancel(order.onFact(o, "OutOfStock", {}, T(1))!.state), "IllegalTransition", "rejected");
		expect(order.cancelRefused(o, { status: "started" }).details).toMatchObject({ status: "deliveryStarted", deliveryStatus: "started" });
		expect(order.cancelRefused(o, { status: "completed" }).details.status).toBe("deliveryCompleted");
	});

	it("a DeliveryCanceled for an order still cancellable is the delivery's acceptance: the order cancels and tells it", () => {
		const d = order.onFact(placed(), "DeliveryCanceled", {}, T(1))!;
		expect(d.state.status).toBe("canceled");
		expect(types(d.events)).toEqual(["OrderCanceled"]);
	});

	it("a cancel and the product's refusal that cross end rejected, whichever came first", () => {
		const a = order.onFact(order.cancel(placed(), T(1))!.state, "OutOfStock", { reason: "short" }, T(2))!;
		const b = order.onFact(order.onFact(placed(), "OutOfStock", { reason: "short" }, T(2))!.state, "DeliveryCanceled", {}, T(1))!;
		expect(a.events).toEqual([]);
		expect(a.state).toEqual(b.state);
		expect(a.state.status).toBe("rejected");
	});
});

describe("pay", () => {
	const req = order.payRequest(placed());

	it("pays once per order (the same request again is the same pay), declines amounts ≤ 0 or above the limit (402)", () => {
		const p = pay.approve(null, req, { declineAbove: 0 }, T(0))!;
		expect(p.events).toEqual([]); // told only once the order is established
		expect(p.state).toMatchObject({ id: "o1", status: "approved", amount: 2000, itemcd: "2" });
		expect(pay.approve(p.state, req, { declineAbove: 0 }, T(1))).toBeNull();
		expectDomainError(() => pay.approve(p.state, { ...req, amount: 1 }, { declineAbove: 0 }, T(1)), "Conflict");
		expectDomainError(() => pay.approve(null, { ...req, amount: 0 }, { declineAbove: 0 }, T(0)), "Declined");
		expectDomainError(() => pay.approve(null, req, { declineAbove: 1000 }, T(0)), "Declined");
	});

	it("tells PayApproved on Ordered; cancels on OrderCanceled or OutOfStock, once (PayCanceled)", () => {
		const p = pay.approve(null, req, { declineAbove: 0 }, T(0))!.state;
		const told = pay.onOrdered(p, T(1))!;
		expect(told.events).toEqual([{ type: "PayApproved", data: req }]);
		const c = pay.onOutOfStock(told.state, T(2))!;
		expect(c.state).toMatchObject({ status: "canceled", cancelReason: "outOfStock" });
		expect(types(c.events)).toEqual(["PayCanceled"]);
		expect(pay.onOrderCanceled(c.state, T(3))?.events ?? []).toEqual([]);
		expect(pay.onOrdered(c.state, T(1))?.events ?? []).toEqual([]); // a cancelled pay tells nothing
	});

	it("a failed placement voids a pay not yet made (a late one is refused) and cancels one made", () => {
		const voided = pay.onOrderPlacementFailed(null, { orderId: "o1", customer: "mallbuyer" }, T(1))!.state;
		expect(voided.status).toBe("voided");
		expectDomainError(() => pay.approve(voided, req, { declineAbove: 0 }, T(2)), "Conflict", "voided");
		const made = pay.approve(null, req, { declineAbove: 0 }, T(0))!.state;
		expect(pay.onOrderPlacementFailed(made, { orderId: "o1", customer: "mallbuyer" }, T(1))!.state).toMatchObject({ status: "canceled", cancelReason: "placementFailed" });
	});
});

describe("product stock", () => {
	const fresh = (qty: number) => product.addProduct("2", { totalQuantity: qty }, T(0)).state;

	it("the seed's product: 100 units; an order of 1 leaves 99, reserved for it, and prepares its delivery", () => {
		const p = fresh(100);
		expect(p).toMatchObject({ kind: "product", itemcd: "2", totalQuantity: 100, reservedQuantity: 0, stockedQuantity: 100, reservations: {} });
		const r = product.onPayApproved(p, paid("o1", 1), T(1))!;
		expect(r.state).toMatchObject({ totalQuantity: 99, reservedQuantity: 1, reservations: { o1: { qty: 1, status: "reserved" } } });
		expect(r.events).toEqual([{ type: "DeliveryPrepared", data: { orderId: "o1", customer: "mallbuyer", itemcd: "2", item: "milk", orderQty: 1, address: "seoul" } }]);
	});

	it("short: refused with OutOfStock (the units left), nothing reserved; a later restock does not revive the refusal", () => {
		const p = fresh(2);
		const r = product.onPayApproved(p, paid("o1", 3), T(1))!;
		expect(r.state).toMatchObject({ totalQuantity: 2, reservedQuantity: 0, reservations: { o1: { qty: 3, status: "refused" } } });
		expect(r.events).toEqual([{ type: "OutOfStock", data: { orderId: "o1", customer: "mallbuyer", itemcd: "2", orderQty: 3, available: 2, reason: "short" } }]);
		const restocked = product.restock(r.state, 10, T(2)).state;
		expect(product.onPayApproved(restocked, paid("o1", 3), T(3))?.events ?? []).toEqual([]);
	});

	it("a cancel gives back exactly what was reserved, once; one that came before the pay makes the pay reserve nothing", () => {
		const reserved = product.onPayApproved(fresh(5), paid("o1", 2), T(1))!.state;
		const back = product.onOrderCanceled(reserved, canceled("o1", 2), T(2))!.state;
		expect(back).toMatchObject({ totalQuantity: 5, reservedQuantity: 0, reservations: { o1: { qty: 2, status: "canceled" } } });
		expect(product.onOrderCanceled(back, canceled("o1", 2), T(3))?.state.totalQuantity ?? 5).toBe(5);

		const early = product.onOrderCanceled(fresh(5), canceled("o2", 2), T(1))!.state;
		expect(early).toMatchObject({ totalQuantity: 5, reservations: { o2: { qty: 2, status: "canceled" } } });
		expect(product.onPayApproved(early, paid("o2", 2), T(2))?.events ?? []).toEqual([]);
		expect(product.onPayApproved(early, paid("o2", 2), T(2))?.state.totalQuantity ?? 5).toBe(5);
	});

	it("an unknown itemcd is refused from a record of the order's own (no product is made)", () => {
		const answer = product.refuseUnknownItem({ ...paid("o9", 1), itemcd: "404" }, T(1));
		expect(answer.state).toMatchObject({ kind: "unknownItem", id: "unknown-item:o9", orderId: "o9", itemcd: "404" });
		expect(answer.events).toEqual([{ type: "OutOfStock", data: { orderId: "o9", customer: "mallbuyer", itemcd: "404", orderQty: 1, available: 0, reason: "unknownItem" } }]);
		expect(product.isProduct(answer.state)).toBe(false);
	});

	it("refuses a restock that is not a whole positive number, and an initial stock below 0", () => {
		expectDomainError(() => product.restock(fresh(1), 0, T(1)), "Invalid");
		expectDomainError(() => product.addProduct("2", { totalQuantity: -1 }, T(0)), "Invalid");
	});

	it("an entry keyed by an orderId like __proto__ is an own entry, never the prototype", () => {
		const p = product.onPayApproved(fresh(3), paid("__proto__", 1), T(1))!.state;
		expect(Object.hasOwn(p.reservations, "__proto__")).toBe(true);
		expect(Object.getPrototypeOf(p.reservations)).toBe(Object.prototype);
		expect(product.onPayApproved(p, paid("__proto__", 1), T(2))?.events ?? []).toEqual([]);
		expect(product.stockProblems(p)).toEqual([]);
	});

	type Op = { kind: "pay"; order: number; qty: number } | { kind: "cancel"; order: number } | { kind: "restock"; qty: number };
	const ORDERS = 8;
	const op: fc.Arbitrary<Op> = fc.oneof(
		fc.record({ kind: fc.constant("pay" as const), order: fc.nat(ORDERS - 1), qty: fc.integer({ min: 1, max: 4 }) }),
		fc.record({ kind: fc.constant("cancel" as const), order: fc.nat(ORDERS - 1) }),
		fc.record({ kind: fc.constant("restock" as const), qty: fc.integer({ min: 1, max: 5 }) })
	);

	it("random interleavings of reserve, cancel and restock, with repetitions: never negative, units conserved, each order reserved and given back at most once", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 10 }), fc.array(op, { maxLength: 60 }), (initial, ops) => {
				let p = fresh(initial);
				let restocked = 0;
				// One order has one quantity (its PayApproved and its OrderCanceled carry the same).
				const qtyOf = new Map<number, number>();
				const prepared = new Map<string, number>();
				const refused = new Set<string>();
				for (const [i, o] of ops.entries()) {
					const at = T(i + 1);
					let decided;
					if (o.kind === "restock") {
						decided = product.restock(p, o.qty, at);
						restocked += o.qty;
					} else {
						const id = `o${o.order}`;
						if (!qtyOf.has(o.order)) qtyOf.set(o.order, o.kind === "pay" ? o.qty : 1);
						const qty = qtyOf.get(o.order)!;
						decided = o.kind === "pay" ? product.onPayApproved(p, paid(id, qty), at) : product.onOrderCanceled(p, canceled(id, qty), at);
					}
					if (!decided) continue;
					for (const e of decided.events) {
						const orderId = String(e.data.orderId);
						if (e.type === "DeliveryPrepared") prepared.set(orderId, (prepared.get(orderId) ?? 0) + 1);
						if (e.type === "OutOfStock") refused.add(orderId);
					}
					p = decided.state;
					expect(product.stockProblems(p)).toEqual([]);
					expect(p.totalQuantity).toBeGreaterThanOrEqual(0);
					expect(p.stockedQuantity).toBe(initial + restocked);
				}
				// Each order answered once: prepared at most once, never both prepared and refused.
				for (const [id, n] of prepared) {
					expect(n).toBe(1);
					expect(refused.has(id)).toBe(false);
				}
				// What is reserved is what the orders still holding their units were prepared with.
				const holding = Object.entries(p.reservations).filter(([, r]) => r.status === "reserved");
				for (const [id] of holding) expect(prepared.get(id)).toBe(1);
				expect(p.totalQuantity + holding.reduce((n, [, r]) => n + r.qty, 0)).toBe(initial + restocked);
			}),
			{ numRuns: 500 }
		);
	});

	it("many orders for the last units: exactly as many are reserved as there are units", () => {
		let p = fresh(5);
		const told: EventDraft[] = [];
		for (let i = 0; i < 20; i++) {
			const d = product.onPayApproved(p, paid(`o${i}`, 1), T(i + 1))!;
			p = d.state;
			told.push(...d.events);
		}
		expect(told.filter(e => e.type === "DeliveryPrepared")).toHaveLength(5);
		expect(told.filter(e => e.type === "OutOfStock")).toHaveLength(15);
		expect(p).toMatchObject({ totalQuantity: 0, reservedQuantity: 5, stockedQuantity: 5 });
	});
});

describe("delivery (the pivot's owner)", () => {
	const prepared: ProductOrderEvents["DeliveryPrepared"] = { orderId: "o1", customer: "mallbuyer", itemcd: "2", item: "milk", orderQty: 1 };
	const ask = order.cancelRequest(placed());

	it("is prepared once; the courier starts and completes it; illegal moves are 409 with the status", () => {
		const d = delivery.onDeliveryPrepared(null, prepared, T(1))!.state;
		expect(d).toMatchObject({ id: "o1", status: "prepared", item: "milk" });
		expect(delivery.onDeliveryPrepared(d, prepared, T(1))).toBeNull();
		const s = delivery.start(d, T(2));
		expect(types(s.events)).toEqual(["DeliveryStarted"]);
		expectDomainError(() => delivery.start(s.state, T(3)), "IllegalTransition", "started");
		const c = delivery.complete(s.state, T(3));
		expect(c.state.status).toBe("completed");
		expectDomainError(() => delivery.complete(c.state, T(4)), "IllegalTransition", "completed");
	});

	it("accepts a cancel until the start (telling DeliveryCanceled), also before anything was prepared; refuses it after", () => {
		const before = delivery.acceptCancel(null, ask, T(1))!;
		expect(before.state).toMatchObject({ status: "canceled", item: "" });
		expect(before.events).toEqual([{ type: "DeliveryCanceled", data: { orderId: "o1", customer: "mallbuyer", wasPrepared: false } }]);
		expect(delivery.acceptCancel(before.state, ask, T(2))).toBeNull(); // accepted again
		// the late DeliveryPrepared never prepares it: the record learns the details only
		const late = delivery.onDeliveryPrepared(before.state, prepared, T(3))!.state;
		expect(late).toMatchObject({ status: "canceled", item: "milk" });
		expectDomainError(() => delivery.start(late, T(4)), "IllegalTransition", "canceled");

		const d = delivery.onDeliveryPrepared(null, prepared, T(1))!.state;
		expect(delivery.acceptCancel(d, ask, T(2))!.events[0].data).toMatchObject({ wasPrepared: true });
		expectDomainError(() => delivery.acceptCancel(delivery.start(d, T(2)).state, ask, T(3)), "IllegalTransition", "started");
	});
});

describe("notices", () => {
	it("one Korean notice per status change of the order or its delivery, to its customer; nothing for a delivery never prepared", () => {
		const ordered = noticeFor("Ordered", { orderId: "o1", customer: "mallbuyer", item: "milk", itemcd: "2", orderQty: 1, price: 2000, amount: 2000 })!;
		expect(ordered).toMatchObject({ orderId: "o1", customer: "mallbuyer", recipient: "mallbuyer", channel: "kakaotalk", subject: "order", announces: "ordered" });
		expect(ordered.message).toContain("주문이 접수되었습니다");
		expect(ordered.message).toContain("2,000원");
		expect(ordered.text).toBe(ordered.message);
		expect(noticeFor("OutOfStock", { orderId: "o1", customer: "c", itemcd: "2", orderQty: 1, available: 0, reason: "short" })!.message).toContain("재고가 부족");
		expect(noticeFor("DeliveryStarted", { orderId: "o1", customer: "c" })!).toMatchObject({ subject: "delivery", announces: "started" });
		expect(noticeFor("DeliveryCanceled", { orderId: "o1", customer: "c", wasPrepared: false })).toBeNull();
		expect(noticeFor("DeliveryCanceled", { orderId: "o1", customer: "c", wasPrepared: true })!.announces).toBe("canceled");
		expect(noticeFor("PayApproved", { orderId: "o1", customer: "mallbuyer", item: "milk", itemcd: "2", orderQty: 1, price: 2000, amount: 2000 })).toBeNull();
		expect([...NOTICE_EVENTS].sort()).toEqual(["DeliveryCanceled", "DeliveryCompleted", "DeliveryPrepared", "DeliveryStarted", "OrderCanceled", "Ordered", "OutOfStock"]);
		for (const text of [ordered.message]) expect(text).toMatch(/[가-힣]/);
		const sent = noticeSent({ id: "e1", orderId: "o1", customer: "c", channel: "kakaotalk", message: "m", sentAt: T(1), updatedAt: T(1) });
		expect(sent).toEqual({ type: "NoticeSent", data: { orderId: "o1", customer: "c", noticeId: "e1", channel: "kakaotalk", message: "m", sentAt: T(1) } });
	});
});
