/**
 * The mall's saga (domain/saga.ts), with the seed's event names: every fact with its producer, its consumers
 * and what it undoes; the synchronous steps as typed participants; the pivot and its owner. The contract
 * test, the docs, the cluster launcher and the chart read it.
 */
import { defineSaga, participant } from "../../domain";
import type { CancelRequest, Delivery } from "./delivery.domain";
import type { ProductOrderEvents } from "./events";
import type { Pay, PayRequest } from "./pay.domain";

export type ProductOrderContext = "order" | "pay" | "product" | "delivery" | "notice" | "customercenter";

/** order → pay, inside placing the order (the seed's `approvePayment` call): an unpaid order is never established. */
export const pay = participant<PayRequest, Pay>("productorder.pay.pay");
/** order → delivery, inside cancelling the order: the delivery, which owns the pivot, accepts or refuses. */
export const cancelDelivery = participant<CancelRequest, Delivery | null>("productorder.delivery.cancel");

const WITH_ITEM = ["orderId", "itemcd"] as const;

export const productOrderSaga = defineSaga<ProductOrderContext, ProductOrderEvents>()({
	keys: ["orderId"],
	// For one order: Ordered → PayApproved → DeliveryPrepared (or OutOfStock) → DeliveryStarted → DeliveryCompleted.
	events: {
		Ordered: { producer: "order", consumers: ["pay", "notice", "customercenter"], keys: WITH_ITEM },
		OrderPlacementFailed: {
			producer: "order",
			consumers: ["pay"],
			beyondSpec: "a placement whose pay was declined, failed or timed out: a pay that lands late is cancelled, and a pay still on its way is refused (as in flower delivery)"
		},
		OrderCanceled: { producer: "order", consumers: ["pay", "product", "delivery", "notice", "customercenter"], keys: WITH_ITEM, compensates: "Ordered" },
		PayApproved: { producer: "pay", consumers: ["product", "customercenter"], keys: WITH_ITEM },
		PayCanceled: { producer: "pay", consumers: ["order", "customercenter"], compensates: "PayApproved" },
		DeliveryPrepared: { producer: "product", consumers: ["delivery", "order", "notice", "customercenter"], keys: WITH_ITEM },
		OutOfStock: { producer: "product", consumers: ["pay", "order", "notice", "customercenter"], keys: WITH_ITEM, compensates: "PayApproved" },
		DeliveryStarted: { producer: "delivery", consumers: ["order", "notice", "customercenter"] },
		DeliveryCompleted: { producer: "delivery", consumers: ["order", "notice", "customercenter"] },
		DeliveryCanceled: { producer: "delivery", consumers: ["order", "notice", "customercenter"], compensates: "DeliveryPrepared" },
		NoticeSent: { producer: "notice", consumers: [] }
	},
	steps: {
		pay: { caller: "order", owner: "pay", participant: pay, compensation: "OrderPlacementFailed" },
		cancelDelivery: { caller: "order", owner: "delivery", participant: cancelDelivery }
	},
	pivots: [{ description: "the courier starts the delivery", owner: "delivery", event: "DeliveryStarted", cancel: "cancelDelivery" }]
});
