/**
 * What flower delivery's answers look like, once per context (the routes, params, security and errors of
 * the OpenAPI document are generated: lib/openapi.ts). Each schema is checked against the domain's type:
 * a field added to `Order` and not here does not compile, and the HTTP contract test validates real answers.
 */
import { s, type ApiDocs } from "../../lib/openapi";
import type { Delivery, DeliveryStatus } from "./delivery.domain";
import type { MyPageRow } from "./mypage.view";
import type { Order, OrderStatus } from "./order.domain";
import type { Payment, PaymentStatus } from "./payment.domain";
import type { StoreOrder, StoreOrderStatus } from "./store.domain";

const name = (description: string) => s.string({ minLength: 1, description });
const count = () => s.integer({ minimum: 1 });
const price = () => s.number({ minimum: 0 });

const ORDER_STATUS = s.oneOf<OrderStatus>({ PaymentPending: true, PaymentFailed: true, Placed: true, Accepted: true, Decorated: true, Delivering: true, Delivered: true, Cancelled: true, Rejected: true });
const DELIVERY_STATUS = s.oneOf<DeliveryStatus>({ Requested: true, Started: true, Completed: true, Cancelled: true });

const order = s.object<Order>({
	id: s.string({ description: "The order id (also the id of its payment, store order, delivery and MyPage entry)." }),
	storeName: name("The shop."),
	itemName: name("The arrangement."),
	qty: count(),
	itemPrice: price(),
	userName: name("The customer."),
	amount: s.number({ minimum: 0, description: "qty × itemPrice, charged when the order is placed." }),
	status: ORDER_STATUS,
	paymentStatus: s.optional(s.oneOf<NonNullable<Order["paymentStatus"]>>({ Approved: true, Refunded: true })),
	deliveryStatus: s.optional(DELIVERY_STATUS),
	failureReason: s.optional(s.string({ description: "Why the placement failed (PaymentFailed)." })),
	rejectReason: s.optional(s.string()),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const payment = s.object<Payment>({
	id: s.string(),
	orderId: s.string(),
	userName: s.string(),
	amount: s.number({ minimum: 0 }),
	status: s.oneOf<PaymentStatus>({ Approved: true, Cancelled: true, Voided: true }),
	cancelReason: s.optional(s.oneOf<NonNullable<Payment["cancelReason"]>>({ customer: true, forced: true })),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const storeOrder = s.object<StoreOrder>({
	id: s.string(),
	orderId: s.string(),
	storeName: s.string(),
	itemName: s.string(),
	qty: count(),
	userName: s.string(),
	status: s.oneOf<StoreOrderStatus>({ Received: true, Accepted: true, Decorated: true, Rejected: true, Cancelled: true }),
	rejectReason: s.optional(s.string()),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const delivery = s.object<Delivery>({
	id: s.string(),
	orderId: s.string(),
	storeName: s.string(),
	itemName: s.string(),
	qty: count(),
	userName: s.string(),
	status: DELIVERY_STATUS,
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const myPage = s.object<MyPageRow>(
	{
		orderId: s.string(),
		userName: s.optional(s.string()),
		storeName: s.optional(s.string()),
		itemName: s.optional(s.string()),
		orderQty: s.optional(count()),
		itemPrice: s.optional(price()),
		orderStatus: s.optional(ORDER_STATUS),
		paymentStatus: s.optional(s.oneOf<NonNullable<MyPageRow["paymentStatus"]>>({ Approved: true, Cancelled: true })),
		paymentCancelReason: s.optional(s.string()),
		deliveryStatus: s.optional(DELIVERY_STATUS),
		rejectReason: s.optional(s.string()),
		placed: s.boolean(),
		updatedAt: s.dateTime()
	},
	{ description: "The customer's view of one order, folded only from events (it may lag a command by a moment)." }
);

export const flowerDeliveryDocs: ApiDocs = {
	resources: {
		"flowerdelivery.order": { name: "Order", title: "order", schema: order },
		"flowerdelivery.payment": { name: "Payment", title: "payment", schema: payment },
		"flowerdelivery.store": { name: "StoreOrder", title: "store order", schema: storeOrder },
		"flowerdelivery.delivery": { name: "Delivery", title: "delivery", schema: delivery },
		"flowerdelivery.mypage": { name: "MyPageEntry", title: "MyPage entry", schema: myPage }
	},
	actions: {
		"flowerdelivery.order.place": { summary: "Place an order (paid at once)", description: "Payment is taken synchronously: a declined payment answers 402, an overloaded or unavailable one 503 + `Retry-After`; in both cases the order is not placed.", errors: [402] }
	}
};
