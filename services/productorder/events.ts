/**
 * The product-order mall's published language: the seed's event names and what each one carries — always
 * the correlation key `orderId`, and `itemcd` (a string) where the product is addressed. Channels are
 * `productorder.<EventType>`.
 */
import { eventsOf } from "../../domain";

/** What the customer ordered. `itemcd` is a string: the seed's `itemcd="2"` and a JSON `2` are both "2". */
export type OrderLine = {
	item: string;
	itemcd: string;
	orderQty: number;
	/** The unit price; the order's `amount` is `orderQty × price`. */
	price: number;
	address?: string;
};

/** An established order, as the events that carry all of it tell it. */
export type OrderDetails = OrderLine & { orderId: string; customer: string; amount: number };

/** Why a pay was cancelled: the customer cancelled, the product had no stock for it, or the order was never established. */
export type PayCancelReason = "customer" | "outOfStock" | "placementFailed";

/** Why the product refused an order: too few units left, or no product with that `itemcd`. */
export type OutOfStockReason = "short" | "unknownItem";

export type ProductOrderEvents = {
	/** The order is paid and established (the seed's `Ordered`): the pay tells the product. */
	Ordered: OrderDetails;
	/** A placement whose pay was declined, failed or timed out: a pay that landed late is cancelled, a pay still on its way is refused. */
	OrderPlacementFailed: { orderId: string; customer: string; reason: string };
	/** The customer cancelled (the delivery accepted): the pay is cancelled and the product restores what it reserved. */
	OrderCanceled: { orderId: string; customer: string; itemcd: string; orderQty: number };
	/** The pay of an established order: the product reserves the stock (the seed's policy `OrderInfoReceived`). */
	PayApproved: OrderDetails;
	PayCanceled: { orderId: string; customer: string; amount: number; reason: PayCancelReason };
	/** The product reserved the units for this order: the delivery is prepared. */
	DeliveryPrepared: { orderId: string; customer: string; itemcd: string; item: string; orderQty: number; address?: string };
	/** The product could not reserve: the pay is cancelled and the order rejected (compensation). */
	OutOfStock: { orderId: string; customer: string; itemcd: string; orderQty: number; available: number; reason: OutOfStockReason };
	DeliveryStarted: { orderId: string; customer: string };
	DeliveryCompleted: { orderId: string; customer: string };
	/** The delivery will not happen: the order's cancel was accepted before the courier started (`wasPrepared`: a delivery had been prepared). */
	DeliveryCanceled: { orderId: string; customer: string; wasPrepared: boolean };
	/** A notice reached the customer (the seed's KakaoTalk). */
	NoticeSent: { orderId: string; customer: string; noticeId: string; channel: string; message: string; sentAt: string };
};

export type ProductOrderEvent = keyof ProductOrderEvents;

/** A fact to publish, its payload checked against its name. */
export const productOrderEvent = eventsOf<ProductOrderEvents>();

export function lineOf(l: OrderLine): OrderLine {
	return { item: l.item, itemcd: l.itemcd, orderQty: l.orderQty, price: l.price, ...(l.address !== undefined ? { address: l.address } : {}) };
}
