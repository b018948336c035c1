/**
 * What fish delivery's answers look like, once per context (the routes, params, security and errors of the
 * OpenAPI document are generated: lib/openapi.ts). Each schema is checked against the domain's type.
 */
import { s, type Props, type Schema } from "../../lib/openapi";
import type { ApiDocs } from "../../lib/openapi";
import type { Delivery, DeliveryStatus } from "./delivery.domain";
import type { FishOrderDetails } from "./events";
import type { FishOrder, FishOrderStatus } from "./fishstore.domain";
import type { MyPageRow } from "./mypage.view";
import type { Order, OrderStatus } from "./order.domain";
import type { Payment, PaymentStatus } from "./payment.domain";

const details: Props<FishOrderDetails> = {
	customerName: s.string({ minLength: 1, description: "The customer." }),
	fishName: s.string({ minLength: 1 }),
	qty: s.integer({ minimum: 1 }),
	telephone: s.string({ description: 'Kept exactly as sent ("01012341234").' }),
	address: s.string({ minLength: 1 })
};

const tracked = <S extends string>(status: Schema<S>) => ({ id: s.string({ description: "The order id." }), status, createdAt: s.dateTime(), updatedAt: s.dateTime() });

const ORDER_STATUS = s.oneOf<OrderStatus>({ PaymentPending: true, PaymentFailed: true, Placed: true, Taken: true, Delivering: true, Delivered: true, Canceled: true });
const PAYMENT_STATUS = s.oneOf<NonNullable<Order["paymentStatus"]>>({ Approved: true, Canceled: true });
const DELIVERY_STATUS = s.oneOf<DeliveryStatus>({ Started: true, Completed: true, Canceled: true });

const order = s.object<Order>({
	...tracked(ORDER_STATUS),
	...details,
	paymentStatus: s.optional(PAYMENT_STATUS),
	deliveryStatus: s.optional(DELIVERY_STATUS),
	failureReason: s.optional(s.string({ description: "Why the placement failed (PaymentFailed)." }))
});

const payment = s.object<Payment>({ ...tracked(s.oneOf<PaymentStatus>({ Approved: true, Canceled: true, Voided: true })), ...details, orderId: s.string() });
const fishOrder = s.object<FishOrder>({ ...tracked(s.oneOf<FishOrderStatus>({ Received: true, Taken: true, Canceled: true })), ...details, orderId: s.string() });
const delivery = s.object<Delivery>({ ...tracked(DELIVERY_STATUS), ...details, orderId: s.string() });

const myPage = s.object<MyPageRow>(
	{
		orderId: s.string(),
		customerName: s.optional(details.customerName),
		fishName: s.optional(details.fishName),
		qty: s.optional(details.qty),
		telephone: s.optional(details.telephone),
		address: s.optional(details.address),
		status: s.optional(ORDER_STATUS),
		paymentStatus: s.optional(PAYMENT_STATUS),
		deliveryStatus: s.optional(DELIVERY_STATUS),
		placed: s.boolean(),
		updatedAt: s.dateTime()
	},
	{ description: "The customer's view of one order, folded only from events (it may lag a command by a moment)." }
);

export const fishDeliveryDocs: ApiDocs = {
	resources: {
		"fishdelivery.order": { name: "Order", title: "order", schema: order },
		"fishdelivery.payment": { name: "Payment", title: "payment", schema: payment },
		"fishdelivery.fishstore": { name: "FishOrder", title: "fish shop order", schema: fishOrder },
		"fishdelivery.delivery": { name: "Delivery", title: "delivery", schema: delivery },
		"fishdelivery.mypage": { name: "MyPageEntry", title: "MyPage entry", schema: myPage }
	},
	actions: {
		"fishdelivery.order.place": { summary: "Place an order (paid at once)", description: "Payment is taken synchronously: a declined payment answers 402, an overloaded or unavailable one 503 + `Retry-After`; in both cases the order is not placed.", errors: [402] },
		"fishdelivery.fishstore.update": { summary: "Update a fish shop order's status (the seed's `status=prepared`: take it)" }
	}
};
