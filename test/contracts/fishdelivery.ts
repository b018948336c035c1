/** Fish delivery: each producer's commands and policies, fed with what the other producers told. */
import * as fishDelivery from "../../services/fishdelivery/delivery.domain";
import type { FishEvents } from "../../services/fishdelivery/events";
import * as fishStore from "../../services/fishdelivery/fishstore.domain";
import * as fishOrder from "../../services/fishdelivery/order.domain";
import * as fishPayment from "../../services/fishdelivery/payment.domain";
import { recorder, type Produced } from "./recorder";

const T = "2026-01-01T00:00:00.000Z";

export function produces(): Produced[] {
	const { produced, tell, dataOf } = recorder("fishdelivery");
	const details = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" };

	const pending = fishOrder.startPlacement("o1", details, T).state;
	const placed = tell("order", "paid", fishOrder.paid(pending, T));
	tell("order", "paymentFailed", fishOrder.paymentFailed(pending, "REQUEST_TIMEOUT", T));
	tell("order", "cancel", fishOrder.cancel(placed, T));
	const customerCancel = dataOf<FishEvents["OrderCanceled"]>("OrderCanceled", d => d.reason === "customer");

	const approved = tell("payment", "approve", fishPayment.approve(null, { orderId: "o1", ...details }, T));
	tell("payment", "onOrderPlaced", fishPayment.onOrderPlaced(approved, dataOf<FishEvents["OrderPlaced"]>("OrderPlaced"), T));
	tell("payment", "onOrderCanceled", fishPayment.onOrderCanceled(approved, customerCancel, T));

	const received = tell("fishstore", "onPayApproved", fishStore.onPayApproved(null, dataOf<FishEvents["PayApproved"]>("PayApproved"), T));
	tell("fishstore", "take", fishStore.take(received, T));

	const started = tell("delivery", "onOrderTaken", fishDelivery.onOrderTaken(null, dataOf<FishEvents["OrderTaken"]>("OrderTaken"), T));
	tell("delivery", "complete", fishDelivery.complete(started, T));
	tell("delivery", "acceptCancel", fishDelivery.acceptCancel(null, fishOrder.cancelRequest(placed), T));
	return produced;
}
