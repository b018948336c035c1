/**
 * What the mall's answers look like, once per context (the routes, params, security and errors of the
 * OpenAPI document are generated: lib/openapi.ts). Each schema is checked against the domain's type: a field
 * added to `Order` and not here does not compile, and the HTTP contract test validates real answers.
 */
import { s, type ApiDocs, type Props } from "../../lib/openapi";
import type { MessageRecord } from "../../mixins/notifications.mixin";
import type { CustomerCenterOrderStatus, CustomerCenterRow } from "./customercenter.view";
import type { Delivery, DeliveryStatus } from "./delivery.domain";
import type { OrderLine } from "./events";
import type { NoticeFields, NoticeSubject } from "./notice.domain";
import type { Order, OrderDeliveryStatus, OrderPayStatus, OrderStatus } from "./order.domain";
import type { Pay, PayStatus } from "./pay.domain";
import type { Product, Reservation, ReservationStatus } from "./product.domain";

const line: Props<OrderLine> = {
	item: s.string({ minLength: 1, description: "What was ordered (the seed's `item`)." }),
	itemcd: s.string({ minLength: 1, description: 'The product\'s code, always a string ("2").' }),
	orderQty: s.integer({ minimum: 1 }),
	price: s.number({ minimum: 0, description: "The unit price." }),
	address: s.optional(s.string())
};

const ORDER_STATUS = s.oneOf<OrderStatus>({ payPending: true, payFailed: true, ordered: true, deliveryPrepared: true, deliveryStarted: true, deliveryCompleted: true, canceled: true, rejected: true });
const ORDER_DELIVERY_STATUS = s.oneOf<OrderDeliveryStatus>({ prepared: true, started: true, completed: true, canceled: true });
const ORDER_PAY_STATUS = s.oneOf<OrderPayStatus>({ approved: true, canceled: true });
const REJECT_REASON = s.oneOf<NonNullable<Order["rejectReason"]>>({ short: true, unknownItem: true });

const order = s.object<Order>({
	id: s.string({ description: "The order id (also the id of its pay, its delivery and its customer center entry)." }),
	customer: s.string({ minLength: 1, description: "The customer (the token's subject)." }),
	...line,
	amount: s.number({ minimum: 0, description: "orderQty × price, paid when the order is placed." }),
	status: ORDER_STATUS,
	payStatus: s.optional(ORDER_PAY_STATUS),
	deliveryStatus: s.optional(ORDER_DELIVERY_STATUS),
	failureReason: s.optional(s.string({ description: "Why the placement failed (payFailed)." })),
	rejectReason: s.optional(REJECT_REASON),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const pay = s.object<Pay>({
	id: s.string({ description: "The order id." }),
	orderId: s.string(),
	customer: s.string(),
	amount: s.number({ minimum: 0 }),
	item: s.string(),
	itemcd: s.string(),
	orderQty: s.integer({ minimum: 0 }),
	price: s.number({ minimum: 0 }),
	address: s.optional(s.string()),
	status: s.oneOf<PayStatus>({ approved: true, canceled: true, voided: true }),
	cancelReason: s.optional(s.oneOf<NonNullable<Pay["cancelReason"]>>({ customer: true, outOfStock: true, placementFailed: true })),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const reservation = s.object<Reservation>({
	qty: s.integer({ minimum: 1 }),
	status: s.oneOf<ReservationStatus>({ reserved: true, refused: true, canceled: true }, { description: "reserved: the units are held for the order; refused: too few were left; canceled: given back, or never held." })
});

const product = s.object<Product>({
	kind: s.constant("product"),
	id: s.string({ description: "The itemcd." }),
	itemcd: s.string({ minLength: 1 }),
	name: s.optional(s.string()),
	totalQuantity: s.integer({ minimum: 0, description: "Units left to sell (never below 0)." }),
	reservedQuantity: s.integer({ minimum: 0, description: "Units reserved for orders that are not cancelled." }),
	stockedQuantity: s.integer({ minimum: 0, description: "Every unit ever stocked (the initial quantity and the restocks) = totalQuantity + reservedQuantity." }),
	reservations: s.untyped<Record<string, Reservation>>({ type: "object", description: "The answer given to each order, by orderId.", additionalProperties: reservation }),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const delivery = s.object<Delivery>({
	id: s.string({ description: "The order id." }),
	orderId: s.string(),
	customer: s.string(),
	itemcd: s.string(),
	item: s.string({ description: '"" for a delivery cancelled before anything was prepared.' }),
	orderQty: s.integer({ minimum: 0 }),
	address: s.optional(s.string()),
	status: s.oneOf<DeliveryStatus>({ prepared: true, started: true, completed: true, canceled: true }),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const notice = s.object<MessageRecord<NoticeFields>>({
	id: s.string({ description: "The notice id: the id of the event that caused it (one notice per event)." }),
	orderId: s.string(),
	customer: s.string(),
	channel: s.constant("kakaotalk"),
	message: s.string({ description: "The Korean text sent to the customer." }),
	subject: s.oneOf<NoticeSubject>({ order: true, delivery: true }),
	announces: s.string({ description: "The status it announces." }),
	recipient: s.string(),
	address: s.optional(s.string()),
	text: s.string(),
	eventType: s.string(),
	status: s.oneOf<MessageRecord<NoticeFields>["status"]>({ pending: true, sent: true }),
	attempts: s.integer({ minimum: 0, description: "Sends tried (more than one: the provider failed and the event came again)." }),
	sentAt: s.optional(s.dateTime()),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const customerCenter = s.object<CustomerCenterRow>(
	{
		orderId: s.string(),
		customer: s.optional(s.string()),
		item: s.optional(s.string()),
		itemcd: s.optional(s.string()),
		orderQty: s.optional(s.integer({ minimum: 1 })),
		price: s.optional(s.number({ minimum: 0 })),
		amount: s.optional(s.number({ minimum: 0 })),
		address: s.optional(s.string()),
		orderStatus: s.optional(s.oneOf<CustomerCenterOrderStatus>({ ordered: true, deliveryPrepared: true, deliveryStarted: true, deliveryCompleted: true, canceled: true, rejected: true })),
		payStatus: s.optional(ORDER_PAY_STATUS),
		deliveryStatus: s.optional(ORDER_DELIVERY_STATUS),
		rejectReason: s.optional(s.string()),
		ordered: s.boolean(),
		updatedAt: s.dateTime()
	},
	{ description: "One order with its pay and delivery status, folded only from events (it may lag a command by a moment)." }
);

export const productOrderDocs: ApiDocs = {
	resources: {
		"productorder.order": { name: "Order", title: "order", schema: order },
		"productorder.pay": { name: "Pay", title: "pay", schema: pay },
		"productorder.product": { name: "Product", title: "product", schema: product },
		"productorder.delivery": { name: "Delivery", title: "delivery", schema: delivery },
		"productorder.notice": { name: "Notice", title: "notice", schema: notice },
		"productorder.customercenter": { name: "CustomerCenterEntry", title: "customer center entry", schema: customerCenter }
	},
	actions: {
		"productorder.order.place": {
			summary: "Place an order (paid at once)",
			description: 'The pay is taken synchronously: a declined pay answers 402, an overloaded or unavailable one 503 + `Retry-After`; in both cases the order is not placed. The seed\'s `status="ordered"` is accepted (any other status is a 422). Then the product reserves the units (the order becomes `deliveryPrepared`) or refuses them (`rejected`, the pay cancelled).',
			errors: [402]
		},
		"productorder.order.cancel": { summary: "Cancel an order (until its delivery has started; then 409 with the current status)" },
		"productorder.product.create": { summary: "Add a product with its stock (a second POST of the same itemcd is a 409)", errors: [409] },
		"productorder.product.restock": { summary: "Restock a product" },
		"productorder.delivery.start": { summary: "The courier starts the delivery (the seed's `deliverystarted`; its `test` field is ignored)" },
		"productorder.delivery.complete": { summary: "The courier completes the delivery (the seed's `deliverycompleted`; its `test` field is ignored)" }
	}
};
