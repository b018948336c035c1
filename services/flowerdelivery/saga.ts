/**
 * Flower delivery's saga, written down once (domain/saga.ts): every fact with its producer, its consumers
 * and what it undoes; the synchronous steps as typed participants; the pivot and who owns it. The contract
 * test, the docs, the cluster launcher and the reliability suite read it.
 */
import { defineSaga, participant } from "../../domain";
import type { CancelRequest, Delivery } from "./delivery.domain";
import type { FlowerEvents } from "./events";
import type { PayRequest, Payment } from "./payment.domain";

export type FlowerContext = "order" | "payment" | "store" | "delivery" | "mypage";

/** order → payment, inside placing the order: unpaid orders are never established. */
export const pay = participant<PayRequest, Payment>("flowerdelivery.payment.pay");
/** order → delivery, inside cancelling the order: the delivery, which owns the pivot, accepts or refuses. */
export const cancelDelivery = participant<CancelRequest, Delivery>("flowerdelivery.delivery.cancel");

export const flowerSaga = defineSaga<FlowerContext, FlowerEvents>()({
	keys: ["orderId"],
	// The customer a saga belongs to (the timeline shows it to them): the field every event of the order carries.
	owner: "userName",
	events: {
		OrderPlaced: { producer: "order", consumers: ["store", "mypage"] },
		OrderPlacementFailed: {
			producer: "order",
			consumers: ["payment"],
			compensates: "PaymentApproved",
			beyondSpec: "a placement whose payment was declined, failed or timed out: a charge that lands late is refunded, and a pay still on its way is refused"
		},
		OrderCancelled: { producer: "order", consumers: ["payment", "store", "delivery", "mypage"], compensates: "OrderPlaced" },
		PaymentApproved: { producer: "payment", consumers: ["mypage"] },
		PaymentCancelled: { producer: "payment", consumers: ["order", "mypage"], compensates: "PaymentApproved" },
		OrderAccepted: { producer: "store", consumers: ["order", "mypage"] },
		OrderRejected: { producer: "store", consumers: ["payment", "order", "mypage"], compensates: "OrderPlaced" },
		DecorationCompleted: { producer: "store", consumers: ["delivery", "order", "mypage"] },
		DeliveryRequested: { producer: "delivery", consumers: ["mypage"] },
		DeliveryStarted: { producer: "delivery", consumers: ["order", "mypage"] },
		DeliveryCompleted: { producer: "delivery", consumers: ["order", "mypage"] },
		DeliveryCancelled: { producer: "delivery", consumers: ["order", "mypage"], compensates: "DeliveryRequested" }
	},
	steps: {
		pay: { caller: "order", owner: "payment", participant: pay, compensation: "OrderPlacementFailed" },
		cancelDelivery: { caller: "order", owner: "delivery", participant: cancelDelivery }
	},
	pivots: [{ description: "the rider starts the delivery", owner: "delivery", event: "DeliveryStarted", cancel: "cancelDelivery" }]
});
