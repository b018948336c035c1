import type { Decision, EventDraft } from "../../domain";
import { expectDomainError } from "../support/expect";
import * as order from "../../services/fishdelivery/order.domain";
import * as payment from "../../services/fishdelivery/payment.domain";
import * as fishstore from "../../services/fishdelivery/fishstore.domain";
import * as delivery from "../../services/fishdelivery/delivery.domain";
import { foldMyPage, MYPAGE_EVENTS, type MyPageRow } from "../../services/fishdelivery/mypage.view";
import type { FishEvents } from "../../services/fishdelivery/events";

const T = "2026-01-01T00:00:00.000Z";
const T2 = "2026-01-01T00:00:01.000Z";
// The seed's order: telephone with its leading zero, which the seed lost by storing an integer.
const details = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" };
const placedData = { orderId: "o1", ...details };
const customerCancel: FishEvents["OrderCanceled"] = { ...placedData, reason: "customer" };
const paymentFailedCancel: FishEvents["OrderCanceled"] = { ...placedData, reason: "payment-failed" };

const types = (events: EventDraft[]) => events.map(e => e.type);
const stateOf = <S>(d: Decision<S> | null): S => {
	if (!d) throw new Error("expected a decision");
	return d.state;
};

const pending = () => order.startPlacement("o1", details, T).state;
const placed = () => order.paid(pending(), T).state;

describe("Order aggregate", () => {
	it("waits for its payment without telling anything, keeping the telephone exactly as sent", () => {
		const d = order.startPlacement("o1", details, T);
		expect(d.state).toMatchObject({ id: "o1", status: "PaymentPending", telephone: "01012341234" });
		expect(d.events).toEqual([]);
	});

	it("is established only when paid, and then says OrderPlaced with the whole order and the correlation key", () => {
		const d = order.paid(pending(), T);
		expect(d.state).toMatchObject({ status: "Placed", paymentStatus: "Approved" });
		expect(d.events).toEqual([{ type: "OrderPlaced", data: { orderId: "o1", ...details } }]);
		expect(typeof d.events[0].data.telephone).toBe("string");
	});

	it("a failed payment ends it as PaymentFailed, told as canceled so a late charge is canceled too", () => {
		const d = order.paymentFailed(pending(), "REQUEST_TIMEOUT", T);
		expect(d?.state).toMatchObject({ status: "PaymentFailed", failureReason: "REQUEST_TIMEOUT" });
		expect(d?.events).toEqual([{ type: "OrderCanceled", data: paymentFailedCancel }]);
		expect(order.paymentFailed(placed(), "late", T)).toBeNull();
		expectDomainError(() => order.paid({ ...pending(), status: "PaymentFailed" }, T), "IllegalTransition", "PaymentFailed");
	});

	it("can be canceled by the customer until the delivery has started, then answers IllegalTransition with the status", () => {
		for (const status of ["Placed", "Taken"] as const) {
			expect(() => order.checkCancel({ ...placed(), status })).not.toThrow();
			const d = stateOf(order.cancel({ ...placed(), status }, T));
			expect(d.status).toBe("Canceled");
			expect(order.cancel({ ...placed(), status }, T)?.events).toEqual([{ type: "OrderCanceled", data: customerCancel }]);
		}
		for (const status of ["Delivering", "Delivered", "Canceled", "PaymentPending", "PaymentFailed"] as const) {
			expectDomainError(() => order.checkCancel({ ...placed(), status }), "IllegalTransition", status);
		}
		expect(order.cancel({ ...placed(), status: "Canceled" }, T)).toBeNull();
	});

	it("a cancel is the delivery's to refuse; its acceptance, arriving as DeliveryCanceled, cancels the order", () => {
		expect(order.cancelRequest(placed())).toEqual(placedData); // the order itself: a cancelled delivery is a full record
		expect(order.cancelRefused({ ...placed(), status: "Taken" }, { status: "Started" }).details).toMatchObject({ status: "Delivering", deliveryStatus: "Started" });
		const d = order.onFact({ ...placed(), status: "Taken" }, "DeliveryCanceled", T);
		expect(d?.state).toMatchObject({ status: "Canceled", deliveryStatus: "Canceled" });
		expect(types(d?.events ?? [])).toEqual(["OrderCanceled"]);
	});

	it("follows the other contexts' facts forward only: late, duplicate or out-of-order facts never move it back", () => {
		let o = placed();
		o = stateOf(order.onFact(o, "OrderTaken", T));
		expect(o.status).toBe("Taken");
		o = stateOf(order.onFact(o, "DeliveryStarted", T));
		expect(o).toMatchObject({ status: "Delivering", deliveryStatus: "Started" });
		expect(order.onFact(o, "OrderTaken", T)).toBeNull();
		o = stateOf(order.onFact(o, "DeliveryCompleted", T));
		expect(o).toMatchObject({ status: "Delivered", deliveryStatus: "Completed" });
		expect(order.onFact(o, "DeliveryStarted", T)).toBeNull(); // a late start moves nothing back: status and delivery stay Delivered/Completed

		const skipped = stateOf(order.onFact(placed(), "DeliveryCompleted", T));
		expect(skipped.status).toBe("Delivered");
		const canceled = { ...placed(), status: "Canceled" as const };
		expect(order.onFact(canceled, "OrderTaken", T)).toBeNull();
		expect(stateOf(order.onFact(canceled, "PayCanceled", T))).toMatchObject({ status: "Canceled", paymentStatus: "Canceled" });
		expect(stateOf(order.onFact(canceled, "DeliveryCanceled", T))).toMatchObject({ status: "Canceled", deliveryStatus: "Canceled" });
		expect(order.onFact(pending(), "OrderTaken", T)).toBeNull();
		expect(order.ORDER_FACTS.sort()).toEqual(["DeliveryCanceled", "DeliveryCompleted", "DeliveryStarted", "OrderTaken", "PayCanceled"]);
	});
});

describe("Payment aggregate", () => {
	const approved = () => stateOf(payment.approve(null, placedData, T));

	it("pays once per order, silently; paying again is answered with the same payment", () => {
		const d = payment.approve(null, placedData, T);
		expect(d?.state).toMatchObject({ id: "o1", orderId: "o1", status: "Approved", telephone: "01012341234" });
		expect(d?.events).toEqual([]);
		expect(payment.approve(approved(), placedData, T)).toBeNull();
	});

	it("tells PayApproved, with the whole order for the shop, once the order is established", () => {
		const d = payment.onOrderPlaced(approved(), placedData, T2);
		expect(d?.events).toEqual([{ type: "PayApproved", data: placedData }]);
		expect(d?.state).toMatchObject({ status: "Approved", updatedAt: T2 });
		expect(payment.onOrderPlaced(null, placedData, T)).toBeNull();
		const canceled = stateOf(payment.onOrderCanceled(approved(), customerCancel, T));
		expect(payment.onOrderPlaced(canceled, placedData, T)).toBeNull();
	});

	it("is canceled with its order, once", () => {
		const d = payment.onOrderCanceled(approved(), customerCancel, T);
		expect(d?.state.status).toBe("Canceled");
		expect(d?.events).toEqual([{ type: "PayCanceled", data: { orderId: "o1", customerName: "HanYongsun" } }]);
		expect(payment.onOrderCanceled(stateOf(d), customerCancel, T)).toBeNull();
	});

	it("leaves no payment without an order: a cancel that finds none voids the order, so a late pay is refused", () => {
		const voided = payment.onOrderCanceled(null, paymentFailedCancel, T);
		expect(voided?.state.status).toBe("Voided");
		expect(voided?.events).toEqual([]);
		expectDomainError(() => payment.approve(stateOf(voided), placedData, T), "Conflict", "Voided");
	});
});

describe("FishOrder aggregate (the shop)", () => {
	const received = () => stateOf(fishstore.onPayApproved(null, placedData, T));

	it("receives a paid order once", () => {
		expect(received()).toMatchObject({ id: "o1", status: "Received", fishName: "flatfish", telephone: "01012341234" });
		expect(fishstore.onPayApproved(received(), placedData, T)).toBeNull();
	});

	it("is taken by the owner (the seed's status=prepared): OrderTaken carries the order for the rider", () => {
		const d = fishstore.take(received(), T);
		expect(d.state.status).toBe("Taken");
		expect(d.events).toEqual([{ type: "OrderTaken", data: placedData }]);
		expectDomainError(() => fishstore.take(d.state, T), "IllegalTransition", "Taken");
	});

	it("stops work on a canceled order; a cancel overtaking the order leaves a marker so it is never worked on", () => {
		expect(stateOf(fishstore.onOrderCanceled(received(), customerCancel, T)).status).toBe("Canceled");
		expect(stateOf(fishstore.onOrderCanceled(fishstore.take(received(), T).state, customerCancel, T)).status).toBe("Canceled");
		const marker = stateOf(fishstore.onOrderCanceled(null, customerCancel, T));
		expect(marker).toMatchObject({ status: "Canceled", fishName: "flatfish" });
		expect(fishstore.onPayApproved(marker, placedData, T)).toBeNull();
		expectDomainError(() => fishstore.take(marker, T), "IllegalTransition", "Canceled");
		expect(fishstore.onOrderCanceled(marker, customerCancel, T)).toBeNull();
	});

	it("never hears of an order whose payment failed", () => {
		expect(fishstore.onOrderCanceled(null, paymentFailedCancel, T)).toBeNull();
	});
});

describe("Delivery aggregate", () => {
	const started = () => delivery.onOrderTaken(null, placedData, T);

	it("starts by itself when the shop took the order, once", () => {
		const d = started();
		expect(d?.state).toMatchObject({ id: "o1", status: "Started", address: "kyungkido sungnamsi", telephone: "01012341234" });
		expect(d?.events).toEqual([{ type: "DeliveryStarted", data: { orderId: "o1", customerName: "HanYongsun", address: "kyungkido sungnamsi" } }]);
		expect(delivery.onOrderTaken(stateOf(d), placedData, T)).toBeNull();
	});

	it("is completed by the rider, once", () => {
		const c = delivery.complete(stateOf(started()), T);
		expect(c.state.status).toBe("Completed");
		expect(c.events).toEqual([{ type: "DeliveryCompleted", data: { orderId: "o1", customerName: "HanYongsun" } }]);
		expectDomainError(() => delivery.complete(c.state, T), "IllegalTransition", "Completed");
		expect(delivery.onOrderCanceled(c.state, customerCancel, T)).toBeNull();
	});

	it("owns the pivot: a cancel is accepted until it starts (told, and then it never starts), refused once started", () => {
		const req = placedData;
		const accepted = delivery.acceptCancel(null, req, T);
		expect(accepted?.state.status).toBe("Canceled");
		expect(accepted?.events).toEqual([{ type: "DeliveryCanceled", data: { orderId: "o1", customerName: "HanYongsun" } }]);
		expect(delivery.acceptCancel(stateOf(accepted), req, T)).toBeNull();
		expect(accepted?.state).toMatchObject({ status: "Canceled", fishName: "flatfish", telephone: "01012341234" });
		expect(delivery.onOrderTaken(stateOf(accepted), placedData, T)).toBeNull(); // taken later: it never starts
		expectDomainError(() => delivery.acceptCancel(stateOf(started()), req, T), "IllegalTransition", "Started");
		expectDomainError(() => delivery.complete(stateOf(accepted), T), "IllegalTransition", "Canceled");
		const marker = stateOf(delivery.onOrderCanceled(null, customerCancel, T));
		expect(delivery.onOrderTaken(marker, placedData, T)).toBeNull();
		expect(delivery.onOrderCanceled(null, paymentFailedCancel, T)).toBeNull();
		expect(delivery.onOrderCanceled(stateOf(started()), customerCancel, T)).toBeNull(); // never recalls a started rider
	});
});

describe("The seed's event stream, through the pure domain", () => {
	it("one order tells OrderPlaced, PayApproved, OrderTaken, DeliveryStarted, each fact causing the next", () => {
		const told: EventDraft[] = [];
		const pay = stateOf(payment.approve(null, placedData, T));
		const orderPlaced = order.paid(pending(), T);
		told.push(...orderPlaced.events);
		const payApproved = payment.onOrderPlaced(pay, orderPlaced.events[0].data as typeof placedData, T);
		told.push(...(payApproved?.events ?? []));
		const received = stateOf(fishstore.onPayApproved(null, payApproved?.events[0].data as typeof placedData, T));
		const taken = fishstore.take(received, T);
		told.push(...taken.events);
		told.push(...(delivery.onOrderTaken(null, taken.events[0].data as typeof placedData, T)?.events ?? []));
		expect(types(told)).toEqual(["OrderPlaced", "PayApproved", "OrderTaken", "DeliveryStarted"]);
		for (const e of told) expect(e.data.orderId).toBe("o1");
	});
});

describe("MyPage view", () => {
	const ev = (type: keyof FishEvents, data: Record<string, unknown> = {}, at = T) => ({ type, occurredAt: at, data: { orderId: "o1", customerName: "HanYongsun", ...data } });
	const seedStream = [ev("OrderPlaced", details), ev("PayApproved", details), ev("OrderTaken", details), ev("DeliveryStarted", { address: details.address })];
	const fold = (events: ReturnType<typeof ev>[]) => events.reduce<MyPageRow | null>((row, e) => foldMyPage(row, e), null);

	it("shows the seed's stream for one order, whatever the order of arrival", () => {
		for (const events of [seedStream, [...seedStream].reverse()]) {
			expect(fold(events)).toMatchObject({ orderId: "o1", placed: true, ...details, status: "Delivering", paymentStatus: "Approved", deliveryStatus: "Started" });
		}
		expect(fold([...seedStream, ev("DeliveryCompleted")])).toMatchObject({ status: "Delivered", deliveryStatus: "Completed" });
	});

	it("a cancellation is final", () => {
		const row = fold([ev("OrderPlaced", details), ev("OrderCanceled", { reason: "customer" }), ev("OrderTaken"), ev("PayCanceled")]);
		expect(row).toMatchObject({ status: "Canceled", paymentStatus: "Canceled" });
	});

	it("an order never established does not show", () => {
		expect(fold([ev("OrderCanceled", { reason: "payment-failed" })])?.placed).toBe(false);
	});

	it("keeps the latest time it heard of, and subscribes to every fact of the system", () => {
		expect(fold([ev("OrderTaken", {}, T2), ev("OrderPlaced", details, T)])?.updatedAt).toBe(T2);
		expect([...MYPAGE_EVENTS].sort()).toEqual(["DeliveryCanceled", "DeliveryCompleted", "DeliveryStarted", "OrderCanceled", "OrderPlaced", "OrderTaken", "PayApproved", "PayCanceled"]);
	});
});
