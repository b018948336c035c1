import { expectDomainError } from "../support/expect";
import * as order from "../../services/flowerdelivery/order.domain";
import * as payment from "../../services/flowerdelivery/payment.domain";
import * as store from "../../services/flowerdelivery/store.domain";
import * as delivery from "../../services/flowerdelivery/delivery.domain";
import { foldMyPage, type MyPageEvent, type MyPageRow } from "../../services/flowerdelivery/mypage.view";
import { MemoryViewStore } from "../../mixins/view.mixin";

const T = "2026-01-01T00:00:00.000Z";
const input = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 2, itemPrice: 50000, userName: "LKJ" };

function placed(): order.Order {
	return order.paymentSucceeded(order.startPlacement("o1", input, T).state, T)!.state;
}

describe("Order aggregate", () => {
	it("starts a placement waiting for payment, with the amount and no event", () => {
		const d = order.startPlacement("o1", input, T);
		expect(d.state).toMatchObject({ id: "o1", status: "PaymentPending", amount: 100000, itemName: "장미 한바구니" });
		expect(d.events).toEqual([]);
	});

	it("is established only when paid, and then says OrderPlaced with the correlation key", () => {
		const d = order.paymentSucceeded(order.startPlacement("o1", input, T).state, T)!;
		expect(d.state.status).toBe("Placed");
		expect(order.paymentSucceeded(d.state, T)).toBeNull(); // no longer waiting: nothing more
		expect(d.events).toEqual([{ type: "OrderPlaced", data: { orderId: "o1", storeName: "KJSHOP", itemName: "장미 한바구니", qty: 2, itemPrice: 50000, userName: "LKJ" } }]);
	});

	it("a failed payment ends the placement as PaymentFailed and asks for compensation", () => {
		const d = order.paymentFailed(order.startPlacement("o1", input, T).state, "REQUEST_TIMEOUT", T);
		expect(d?.state.status).toBe("PaymentFailed");
		expect(d?.events[0]).toEqual({ type: "OrderPlacementFailed", data: { orderId: "o1", userName: "LKJ", reason: "REQUEST_TIMEOUT" } });
		expect(order.paymentFailed(placed(), "x", T)).toBeNull();
	});

	it("can be cancelled by the customer until the delivery starts, then answers IllegalTransition with the status", () => {
		for (const status of ["Placed", "Accepted", "Decorated"] as const) {
			expect(() => order.checkCancel({ ...placed(), status })).not.toThrow();
			const d = order.cancel({ ...placed(), status }, T)!;
			expect(d.state.status).toBe("Cancelled");
			expect(d.events[0].type).toBe("OrderCancelled");
		}
		for (const status of ["Delivering", "Delivered", "Cancelled", "Rejected", "PaymentPending", "PaymentFailed"] as const) {
			expectDomainError(() => order.checkCancel({ ...placed(), status }), "IllegalTransition", status);
		}
		for (const status of ["Delivering", "Delivered", "Rejected"] as const) expectDomainError(() => order.cancel({ ...placed(), status }, T), "IllegalTransition", status);
		expect(order.cancel({ ...placed(), status: "Cancelled" }, T)).toBeNull(); // cancelled already (the delivery's acceptance got here first)
	});

	it("a cancel is the delivery's to refuse: its refusal names the order's real status", () => {
		expect(order.cancelRequest(placed())).toEqual({ orderId: "o1", userName: "LKJ", storeName: "KJSHOP", itemName: "장미 한바구니", qty: 2 });
		expect(order.cancelRefused({ ...placed(), status: "Decorated" }, { status: "Started" })).toMatchObject({ kind: "IllegalTransition", details: { status: "Delivering", deliveryStatus: "Started" } });
		expect(order.cancelRefused({ ...placed(), status: "Decorated" }, { status: "Completed" }).details.status).toBe("Delivered");
		// The delivery accepted a cancel this context did not get to write: its DeliveryCancelled cancels the order.
		const d = order.onFact({ ...placed(), status: "Decorated" }, "DeliveryCancelled", {}, T)!;
		expect(d.state).toMatchObject({ status: "Cancelled", deliveryStatus: "Cancelled" });
		expect(d.events.map(e => e.type)).toEqual(["OrderCancelled"]);
		expect(order.onFact(d.state, "DeliveryCancelled", {}, T)).toBeNull();
	});

	it("folds facts forward only: late, duplicate or out-of-order facts never move it back", () => {
		let o = placed();
		o = order.onFact(o, "DecorationCompleted", {}, T)!.state;
		expect(o.status).toBe("Decorated");
		expect(order.onFact(o, "OrderAccepted", {}, T)).toBeNull();
		o = order.onFact(o, "DeliveryStarted", {}, T)!.state;
		expect(o).toMatchObject({ status: "Delivering", deliveryStatus: "Started" });
		expect(order.onFact(o, "OrderRejected", { reason: "no roses" }, T)?.state.status).toBe("Delivering");
		const cancelled = { ...placed(), status: "Cancelled" as const };
		expect(order.onFact(cancelled, "OrderAccepted", {}, T)).toBeNull();
		expect(order.onFact(cancelled, "PaymentCancelled", {}, T)?.state).toMatchObject({ status: "Cancelled", paymentStatus: "Refunded" });
		// A late DeliveryStarted after DeliveryCompleted moves nothing back (the chaos run saw "Delivered, delivery Started").
		const delivered = order.onFact(order.onFact(placed(), "DeliveryCompleted", {}, T)!.state, "DeliveryStarted", {}, T);
		expect(delivered).toBeNull();
		expect(order.onFact(placed(), "DeliveryCompleted", {}, T)!.state).toMatchObject({ status: "Delivered", deliveryStatus: "Completed" });
	});

	it("is rejected by the store only before decoration", () => {
		expect(order.onFact({ ...placed(), status: "Accepted" }, "OrderRejected", { reason: "no roses" }, T)?.state).toMatchObject({ status: "Rejected", rejectReason: "no roses" });
		expect(order.onFact({ ...placed(), status: "Decorated" }, "OrderRejected", { reason: "x" }, T)?.state.status).toBe("Decorated");
	});
});

describe("Payment aggregate", () => {
	const req = { orderId: "o1", userName: "LKJ", amount: 50000 };
	const policy = { declineAbove: 1000000 };

	it("approves once per order: paying again is answered with the same payment", () => {
		const d = payment.pay(null, req, policy, T)!;
		expect(d.state).toMatchObject({ id: "o1", status: "Approved", amount: 50000 });
		expect(d.events).toEqual([{ type: "PaymentApproved", data: { orderId: "o1", userName: "LKJ", amount: 50000 } }]);
		expect(payment.pay(d.state, req, policy, T)).toBeNull();
		expectDomainError(() => payment.pay(d.state, { ...req, amount: 1 }, policy, T), "Conflict");
	});

	it("declines non-positive amounts and amounts above the limit", () => {
		expectDomainError(() => payment.pay(null, { ...req, amount: 0 }, policy, T), "Declined");
		expectDomainError(() => payment.pay(null, { ...req, amount: 1000001 }, policy, T), "Declined");
		expect(payment.pay(null, { ...req, amount: 1000001 }, { declineAbove: 0 }, T)?.state.status).toBe("Approved");
	});

	it("refunds on cancellation (customer) and rejection (forced), once", () => {
		const p = payment.pay(null, req, policy, T)!.state;
		const c = payment.onOrderCancelled(p, T)!;
		expect(c.state).toMatchObject({ status: "Cancelled", cancelReason: "customer" });
		expect(c.events[0]).toEqual({ type: "PaymentCancelled", data: { orderId: "o1", userName: "LKJ", amount: 50000, reason: "customer" } });
		expect(payment.onOrderCancelled(c.state, T)).toBeNull();
		expect(payment.onOrderRejected(p, T)?.state.cancelReason).toBe("forced");
		expect(payment.onOrderCancelled(null, T)).toBeNull();
	});

	it("leaves no payment without an order: a late charge is refunded, an absent one is voided so a late pay fails", () => {
		const p = payment.pay(null, req, policy, T)!.state;
		expect(payment.onOrderPlacementFailed(p, "o1", "LKJ", T)?.state).toMatchObject({ status: "Cancelled", cancelReason: "forced" });
		const voided = payment.onOrderPlacementFailed(null, "o1", "LKJ", T)!;
		expect(voided.state.status).toBe("Voided");
		expect(voided.events).toEqual([]);
		expectDomainError(() => payment.pay(voided.state, req, policy, T), "Conflict", "Voided");
	});
});

describe("StoreOrder aggregate", () => {
	const placedData = { orderId: "o1", storeName: "KJSHOP", itemName: "장미", qty: 1, itemPrice: 50000, userName: "LKJ" };
	const received = () => store.onOrderPlaced(null, placedData, T)!.state;

	it("receives an order once, then accepts and decorates it", () => {
		expect(received().status).toBe("Received");
		expect(store.onOrderPlaced(received(), placedData, T)).toBeNull();
		const a = store.accept(received(), T);
		expect(a.events[0]).toEqual({ type: "OrderAccepted", data: { orderId: "o1", storeName: "KJSHOP" } });
		const d = store.decorate(a.state, T);
		expect(d.state.status).toBe("Decorated");
		expect(d.events[0].type).toBe("DecorationCompleted");
		expect(d.events[0].data).toMatchObject({ orderId: "o1", itemName: "장미" });
	});

	it("cannot decorate before accepting, nor reject after decorating", () => {
		expectDomainError(() => store.decorate(received(), T), "IllegalTransition", "Received");
		const decorated = store.decorate(store.accept(received(), T).state, T).state;
		expectDomainError(() => store.reject(decorated, "late", T), "IllegalTransition", "Decorated");
	});

	it("rejects with a reason", () => {
		const r = store.reject(received(), "장미 품절", T);
		expect(r.state).toMatchObject({ status: "Rejected", rejectReason: "장미 품절" });
		expect(r.events[0]).toEqual({ type: "OrderRejected", data: { orderId: "o1", storeName: "KJSHOP", reason: "장미 품절" } });
	});

	it("a cancellation arriving before the order leaves a marker so the order is never worked on (it only learns the order's details)", () => {
		const marker = store.onOrderCancelled(null, { orderId: "o1", storeName: "KJSHOP", userName: "LKJ" }, T)!.state;
		expect(marker.status).toBe("Cancelled");
		const late = store.onOrderPlaced(marker, placedData, T)!;
		expect(late.state).toMatchObject({ status: "Cancelled", itemName: "장미", qty: 1 });
		expect(late.events).toEqual([]);
		expect(store.onOrderPlaced(late.state, placedData, T)).toBeNull();
		expect(store.onOrderCancelled(store.reject(received(), "x", T).state, placedData, T)).toBeNull();
	});
});

describe("Delivery aggregate", () => {
	const data = { orderId: "o1", storeName: "KJSHOP", itemName: "장미", qty: 1, userName: "LKJ" };
	const requested = () => delivery.onDecorationCompleted(null, data, T)!;

	it("is requested once per decorated order, then started and completed by the rider", () => {
		expect(requested().events[0]).toEqual({ type: "DeliveryRequested", data: { orderId: "o1", storeName: "KJSHOP", userName: "LKJ" } });
		expect(delivery.onDecorationCompleted(requested().state, data, T)).toBeNull();
		const s = delivery.start(requested().state, T);
		expect(s.events[0].type).toBe("DeliveryStarted");
		expect(delivery.complete(s.state, T).state.status).toBe("Completed");
		expectDomainError(() => delivery.complete(requested().state, T), "IllegalTransition", "Requested");
	});

	it("owns the pivot: a cancel is accepted until the rider starts (told, so the order cancels), refused after it", () => {
		const req = { orderId: "o1", userName: "LKJ", storeName: "KJSHOP", itemName: "장미", qty: 1 };
		const c = delivery.acceptCancel(requested().state, req, T)!;
		expect(c.state.status).toBe("Cancelled");
		expect(c.events).toEqual([{ type: "DeliveryCancelled", data: { orderId: "o1", userName: "LKJ" } }]);
		expect(delivery.acceptCancel(c.state, req, T)).toBeNull(); // asked again: accepted again, nothing more
		expectDomainError(() => delivery.start(c.state, T), "IllegalTransition", "Cancelled"); // the rider cannot start a cancelled one
		const started = delivery.start(requested().state, T).state;
		expectDomainError(() => delivery.acceptCancel(started, req, T), "IllegalTransition", "Started");
		expectDomainError(() => delivery.acceptCancel(delivery.complete(started, T).state, req, T), "IllegalTransition", "Completed");
		// Accepted before it was even requested: a full record (the order's details), and it never will be requested.
		const early = delivery.acceptCancel(null, req, T)!;
		expect(early.events.map(e => e.type)).toEqual(["DeliveryCancelled"]);
		expect(early.state).toMatchObject({ status: "Cancelled", itemName: "장미", qty: 1 });
		expect(delivery.onDecorationCompleted(early.state, data, T)).toBeNull();
	});

	it("the order's OrderCancelled (after its cancel was accepted) changes nothing more; it never recalls a started rider", () => {
		const cancelled = delivery.acceptCancel(requested().state, { orderId: "o1", userName: "LKJ", storeName: "KJSHOP", itemName: "장미", qty: 1 }, T)!.state;
		expect(delivery.onOrderCancelled(cancelled, data, T)).toBeNull();
		expect(delivery.onOrderCancelled(delivery.start(requested().state, T).state, data, T)).toBeNull();
		expect(delivery.onOrderCancelled(delivery.complete(delivery.start(requested().state, T).state, T).state, data, T)).toBeNull();
	});
});

describe("MyPage view", () => {
	const ev = (type: string, data: Record<string, unknown> = {}, at = T): MyPageEvent => ({ type, occurredAt: at, data: { orderId: "o1", userName: "LKJ", ...data } });
	const placedEvent = ev("OrderPlaced", { storeName: "KJSHOP", itemName: "장미", qty: 1, itemPrice: 50000 });

	it("shows every status change whatever the order of arrival", () => {
		const events = [ev("PaymentApproved"), placedEvent, ev("OrderAccepted"), ev("DecorationCompleted"), ev("DeliveryRequested"), ev("DeliveryStarted"), ev("DeliveryCompleted")];
		const forward = events.reduce<MyPageRow | null>((r, e) => foldMyPage(r, e), null);
		const backward = [...events].reverse().reduce<MyPageRow | null>((r, e) => foldMyPage(r, e), null);
		for (const row of [forward, backward]) {
			expect(row).toMatchObject({ orderId: "o1", placed: true, itemName: "장미", orderQty: 1, orderStatus: "Delivered", deliveryStatus: "Completed", paymentStatus: "Approved" });
		}
	});

	it("a cancellation or rejection is final", () => {
		const r = [placedEvent, ev("OrderCancelled"), ev("OrderAccepted"), ev("PaymentCancelled", { reason: "customer" })].reduce<MyPageRow | null>((row, e) => foldMyPage(row, e), null);
		expect(r).toMatchObject({ orderStatus: "Cancelled", paymentStatus: "Cancelled", paymentCancelReason: "customer" });
	});

	it("folds an event delivered twice only once", async () => {
		const view = new MemoryViewStore<MyPageRow>();
		let folds = 0;
		const fold = (row: MyPageRow | null) => {
			folds++;
			return foldMyPage(row, placedEvent);
		};
		await view.apply("o1", "event-1", fold);
		await view.apply("o1", "event-1", fold);
		expect(folds).toBe(1);
		const page = await view.list({ filter: { userName: "LKJ" }, page: 1, pageSize: 10, sort: { updatedAt: -1 } });
		expect(page).toMatchObject({ total: 1, page: 1, pageSize: 10, totalPages: 1 });
	});
});
