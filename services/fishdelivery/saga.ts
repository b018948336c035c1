/**
 * Fish delivery's saga (domain/saga.ts), with the seed's event names: every fact with its producer, its
 * consumers and what it undoes; the synchronous steps as typed participants; the pivot and its owner.
 */
import { defineSaga, participant } from "../../domain";
import type { CancelRequest, Delivery } from "./delivery.domain";
import type { FishEvents, OrderDetailsData } from "./events";
import type { Payment } from "./payment.domain";

export type FishContext = "order" | "payment" | "fishstore" | "delivery" | "mypage";

/** order → payment, inside placing the order (the seed's Feign call): unpaid orders are never established. */
export const pay = participant<OrderDetailsData, Payment>("fishdelivery.payment.pay");
/** order → delivery, inside canceling the order: the delivery, which owns the pivot, accepts or refuses. */
export const cancelDelivery = participant<CancelRequest, Delivery>("fishdelivery.delivery.cancel");

export const fishSaga = defineSaga<FishContext, FishEvents>()({
	keys: ["orderId"],
	// The customer a saga belongs to (the timeline shows it to them): the field every event of the order carries.
	owner: "customerName",
	// The seed's stream for one order: OrderPlaced → PayApproved → OrderTaken → DeliveryStarted, each caused by the previous.
	events: {
		OrderPlaced: { producer: "order", consumers: ["payment", "mypage"] },
		PayApproved: { producer: "payment", consumers: ["fishstore", "mypage"] },
		PayCanceled: { producer: "payment", consumers: ["order", "mypage"], compensates: "PayApproved" },
		OrderTaken: { producer: "fishstore", consumers: ["delivery", "order", "mypage"] },
		DeliveryStarted: { producer: "delivery", consumers: ["order", "mypage"] },
		DeliveryCompleted: { producer: "delivery", consumers: ["order", "mypage"] },
		DeliveryCanceled: { producer: "delivery", consumers: ["order", "mypage"] },
		OrderCanceled: { producer: "order", consumers: ["payment", "fishstore", "delivery", "mypage"], compensates: "OrderPlaced" }
	},
	steps: {
		// A placement that failed is told as OrderCanceled (reason "payment-failed"): a late payment is canceled.
		pay: { caller: "order", owner: "payment", participant: pay, compensation: "OrderCanceled" },
		cancelDelivery: { caller: "order", owner: "delivery", participant: cancelDelivery }
	},
	pivots: [{ description: "the delivery starts (the shop's rider sets off once the order is taken)", owner: "delivery", event: "DeliveryStarted", cancel: "cancelDelivery" }]
});
