/** Flower delivery: each producer's commands and policies, fed with what the other producers told. */
import * as delivery from "../../services/flowerdelivery/delivery.domain";
import type { FlowerEvents } from "../../services/flowerdelivery/events";
import * as order from "../../services/flowerdelivery/order.domain";
import * as payment from "../../services/flowerdelivery/payment.domain";
import * as store from "../../services/flowerdelivery/store.domain";
import { recorder, type Produced } from "./recorder";

const T = "2026-01-01T00:00:00.000Z";

export function produces(): Produced[] {
	const { produced, tell, dataOf } = recorder("flowerdelivery");
	const input = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };

	const pending = order.startPlacement("o1", input, T).state;
	const placed = tell("order", "paymentSucceeded", order.paymentSucceeded(pending, T));
	tell("order", "paymentFailed", order.paymentFailed(pending, "REQUEST_TIMEOUT", T));
	tell("order", "cancel", order.cancel(placed, T));

	const approved = tell("payment", "pay", payment.pay(null, { orderId: "o1", userName: "LKJ", amount: 50000 }, { declineAbove: 0 }, T));
	tell("payment", "onOrderCancelled", payment.onOrderCancelled(approved, T));
	tell("payment", "onOrderRejected", payment.onOrderRejected(approved, T));
	tell("payment", "onOrderPlacementFailed", payment.onOrderPlacementFailed(approved, "o1", "LKJ", T));

	const received = tell("store", "onOrderPlaced", store.onOrderPlaced(null, dataOf<FlowerEvents["OrderPlaced"]>("OrderPlaced"), T));
	const accepted = tell("store", "accept", store.accept(received, T));
	tell("store", "reject", store.reject(received, "no roses", T));
	tell("store", "decorate", store.decorate(accepted, T));

	const requested = tell("delivery", "onDecorationCompleted", delivery.onDecorationCompleted(null, dataOf<FlowerEvents["DecorationCompleted"]>("DecorationCompleted"), T));
	const started = tell("delivery", "start", delivery.start(requested, T));
	tell("delivery", "complete", delivery.complete(started, T));
	tell("delivery", "acceptCancel", delivery.acceptCancel(requested, order.cancelRequest(placed), T));
	tell("delivery", "onOrderCancelled", delivery.onOrderCancelled(requested, dataOf<FlowerEvents["OrderCancelled"]>("OrderCancelled"), T));
	return produced;
}
