/**
 * Monotonic folds, property-based: for every aggregate that folds other contexts' facts and every view, of
 * every system, any permutation of a saga's events, with duplicates, folds to the same state as the events in
 * the order they happened. (Events travel on separate channels and come back after a crash in any order; a
 * duplicate is skipped by its id, as the store and the view store do.) Fields and timestamps never go back.
 */
import fc from "fast-check";
import type { Decision } from "../../domain";
import * as fishDelivery from "../../services/fishdelivery/delivery.domain";
import type { FishEvents } from "../../services/fishdelivery/events";
import * as fishStore from "../../services/fishdelivery/fishstore.domain";
import { foldMyPage as foldFishMyPage, type MyPageRow as FishMyPageRow } from "../../services/fishdelivery/mypage.view";
import * as fishOrder from "../../services/fishdelivery/order.domain";
import * as fishPayment from "../../services/fishdelivery/payment.domain";
import * as delivery from "../../services/flowerdelivery/delivery.domain";
import type { FlowerEvents } from "../../services/flowerdelivery/events";
import { foldMyPage, type MyPageRow } from "../../services/flowerdelivery/mypage.view";
import * as order from "../../services/flowerdelivery/order.domain";
import * as payment from "../../services/flowerdelivery/payment.domain";
import * as store from "../../services/flowerdelivery/store.domain";

interface Ev {
	id: string;
	type: string;
	occurredAt: string;
	data: Record<string, unknown>;
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/** A saga's events, in the order they happened (one second apart). */
function saga(...events: [string, Record<string, unknown>][]): Ev[] {
	return events.map(([type, data], i) => ({ id: `e${i}`, type, occurredAt: at(i + 1), data: { orderId: "o1", ...data } }));
}

type Apply<S> = (current: S | null, e: Ev) => S | null;

/** Folds events as a consumer does: an event id seen before is skipped. */
function foldAll<S>(initial: S | null, events: Ev[], apply: Apply<S>): S | null {
	const seen = new Set<string>();
	return events.reduce<S | null>((state, e) => {
		if (seen.has(e.id)) return state;
		seen.add(e.id);
		return apply(state, e);
	}, initial);
}

/** An aggregate's policy as a fold: its decision's state, or the state unchanged when it decided nothing. */
const policy =
	<S,>(decide: (current: S | null, e: Ev) => Decision<S> | null): Apply<S> =>
	(current, e) =>
		decide(current, e)?.state ?? current;

/** Any permutation of `events`, with any of them delivered again, folds to the state of `events` in order. */
function orderInsensitive<S>(name: string, initial: S | null, events: Ev[], apply: Apply<S>): void {
	it(`${name}: any permutation with duplicates folds to the same state`, () => {
		const expected = foldAll(initial, events, apply);
		expect(expected).not.toBeNull();
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

describe("flower delivery folds", () => {
	const input = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };
	const placed = order.paymentSucceeded(order.startPlacement("o1", input, at(0)).state, at(0))!.state;
	const orderFact: Apply<order.Order> = policy((cur, e) => cur && order.onFact(cur, e.type as order.OrderFact, e.data, e.occurredAt));
	const placedData: FlowerEvents["OrderPlaced"] = { orderId: "o1", ...input };
	const decorated: FlowerEvents["DecorationCompleted"] = { orderId: "o1", storeName: "KJSHOP", itemName: input.itemName, qty: 1, userName: "LKJ" };
	const cancelled: FlowerEvents["OrderCancelled"] = { orderId: "o1", storeName: "KJSHOP", userName: "LKJ" };

	orderInsensitive("order, delivered", placed, saga(["OrderAccepted", {}], ["DecorationCompleted", {}], ["DeliveryStarted", {}], ["DeliveryCompleted", {}]), orderFact);
	orderInsensitive("order, rejected and refunded", placed, saga(["OrderAccepted", {}], ["OrderRejected", { reason: "장미 품절" }], ["PaymentCancelled", { reason: "forced" }]), orderFact);
	orderInsensitive("order, its cancel accepted by the delivery while the order was down", { ...placed, status: "Decorated" as const }, saga(["DeliveryCancelled", {}], ["PaymentCancelled", { reason: "customer" }]), orderFact);
	orderInsensitive("order, cancelled", { ...placed, status: "Cancelled" as const }, saga(["DeliveryCancelled", {}], ["PaymentCancelled", { reason: "customer" }], ["OrderAccepted", {}]), orderFact);

	orderInsensitive(
		"store order, placed then cancelled",
		null,
		saga(["OrderPlaced", placedData], ["OrderAccepted", {}], ["OrderCancelled", cancelled]),
		policy<store.StoreOrder>((cur, e) =>
			e.type === "OrderPlaced" ? store.onOrderPlaced(cur, placedData, e.occurredAt) : e.type === "OrderCancelled" ? store.onOrderCancelled(cur, cancelled, e.occurredAt) : null
		)
	);

	const acceptedCancel = delivery.acceptCancel(null, order.cancelRequest(placed), at(0))!.state;
	const deliveryPolicy = policy<delivery.Delivery>((cur, e) =>
		e.type === "DecorationCompleted" ? delivery.onDecorationCompleted(cur, decorated, e.occurredAt) : e.type === "OrderCancelled" ? delivery.onOrderCancelled(cur, cancelled, e.occurredAt) : null
	);
	orderInsensitive("delivery, its cancel accepted before the decoration arrived", acceptedCancel, saga(["DecorationCompleted", decorated], ["OrderCancelled", cancelled]), deliveryPolicy);

	const approved = payment.pay(null, { orderId: "o1", userName: "LKJ", amount: 50000 }, { declineAbove: 0 }, at(0))!.state;
	const paymentPolicy = policy<payment.Payment>((cur, e) =>
		e.type === "OrderCancelled" ? payment.onOrderCancelled(cur, e.occurredAt) : e.type === "OrderRejected" ? payment.onOrderRejected(cur, e.occurredAt) : payment.onOrderPlacementFailed(cur, "o1", "LKJ", e.occurredAt)
	);
	orderInsensitive("payment, refunded (customer)", approved, saga(["OrderCancelled", cancelled]), paymentPolicy);
	orderInsensitive("payment, refunded (store rejected)", approved, saga(["OrderRejected", { reason: "x" }]), paymentPolicy);
	orderInsensitive("payment, never established: a late charge refunded", null, saga(["OrderPlacementFailed", { userName: "LKJ", reason: "REQUEST_TIMEOUT" }]), paymentPolicy);

	it("payment: a cancel and a rejection that cross (two deciders) refund once; the reason is the first heard, as its PaymentCancelled says", () => {
		const first = payment.onOrderCancelled(approved, at(1))!;
		expect(payment.onOrderRejected(first.state, at(2))).toBeNull();
		expect(first.events.map(e => e.data.reason)).toEqual(["customer"]);
	});

	const myPage: Apply<MyPageRow> = (row, e) => foldMyPage(row, e);
	const placedEvent: [string, Record<string, unknown>] = ["OrderPlaced", placedData];
	orderInsensitive("MyPage, delivered", null, saga(placedEvent, ["PaymentApproved", { amount: 50000 }], ["OrderAccepted", {}], ["DecorationCompleted", decorated], ["DeliveryRequested", {}], ["DeliveryStarted", {}], ["DeliveryCompleted", {}]), myPage);
	orderInsensitive("MyPage, cancelled", null, saga(placedEvent, ["PaymentApproved", {}], ["DeliveryCancelled", {}], ["OrderCancelled", cancelled], ["PaymentCancelled", { reason: "customer" }]), myPage);
	orderInsensitive("MyPage, rejected", null, saga(placedEvent, ["PaymentApproved", {}], ["OrderRejected", { reason: "장미 품절" }], ["PaymentCancelled", { reason: "forced" }]), myPage);
});

describe("fish delivery folds", () => {
	const details = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" };
	const orderData = { orderId: "o1", ...details };
	const customerCancel: FishEvents["OrderCanceled"] = { ...orderData, reason: "customer" };
	const placed = fishOrder.paid(fishOrder.startPlacement("o1", details, at(0)).state, at(0)).state;
	const orderFact: Apply<fishOrder.Order> = policy((cur, e) => cur && fishOrder.onFact(cur, e.type as fishOrder.OrderFact, e.occurredAt));

	orderInsensitive("order, delivered", placed, saga(["OrderTaken", orderData], ["DeliveryStarted", {}], ["DeliveryCompleted", {}]), orderFact);
	orderInsensitive("order, its cancel accepted by the delivery while the order was down", placed, saga(["DeliveryCanceled", {}], ["PayCanceled", {}], ["OrderTaken", orderData]), orderFact);

	orderInsensitive(
		"fish shop order, paid then canceled",
		null,
		saga(["PayApproved", orderData], ["OrderCanceled", customerCancel]),
		policy<fishStore.FishOrder>((cur, e) => (e.type === "PayApproved" ? fishStore.onPayApproved(cur, orderData, e.occurredAt) : fishStore.onOrderCanceled(cur, customerCancel, e.occurredAt)))
	);

	orderInsensitive(
		"delivery, its cancel accepted before the shop took the order",
		fishDelivery.acceptCancel(null, fishOrder.cancelRequest(placed), at(0))!.state,
		saga(["OrderTaken", orderData], ["OrderCanceled", customerCancel]),
		policy<fishDelivery.Delivery>((cur, e) => (e.type === "OrderTaken" ? fishDelivery.onOrderTaken(cur, orderData, e.occurredAt) : fishDelivery.onOrderCanceled(cur, customerCancel, e.occurredAt)))
	);

	orderInsensitive(
		"payment, told then canceled",
		fishPayment.approve(null, orderData, at(0))!.state,
		saga(["OrderPlaced", orderData], ["OrderCanceled", customerCancel]),
		policy<fishPayment.Payment>((cur, e) => (e.type === "OrderPlaced" ? fishPayment.onOrderPlaced(cur, orderData, e.occurredAt) : fishPayment.onOrderCanceled(cur, customerCancel, e.occurredAt)))
	);

	const myPage: Apply<FishMyPageRow> = (row, e) => foldFishMyPage(row, e);
	orderInsensitive("MyPage, the seed's stream then delivered", null, saga(["OrderPlaced", orderData], ["PayApproved", orderData], ["OrderTaken", orderData], ["DeliveryStarted", { address: details.address }], ["DeliveryCompleted", {}]), myPage);
	orderInsensitive("MyPage, canceled", null, saga(["OrderPlaced", orderData], ["PayApproved", orderData], ["DeliveryCanceled", {}], ["OrderCanceled", customerCancel], ["PayCanceled", {}]), myPage);
});
