/**
 * What the warehouse's answers look like, once per context (routes, params, security and errors are
 * generated: lib/openapi.ts). Each schema is checked against the domain's type: a field added to `Stock` and
 * not here does not compile, and the HTTP tests validate real answers against the document.
 */
import { s, type ApiDocs } from "../../lib/openapi";
import type { MessageRecord } from "../../mixins/notifications.mixin";
import type { Booking, DeliveryStatus, InboundDelivery } from "./delivery.domain";
import { MESSAGE_EVENTS, type MessageEvent, type MessageFields } from "./notification.domain";
import type { Stock, StockStatus } from "./stock.domain";
import type { StockRow } from "./stock.view";

const name = (description: string) => s.string({ minLength: 1, description });
const count = (description?: string) => s.integer({ minimum: 1, ...(description ? { description } : {}) });
const total = (description?: string) => s.integer({ minimum: 0, ...(description ? { description } : {}) });
const stockId = () => s.string({ description: "The stock: one per customer and product (derived from both)." });

const DELIVERY_STATUS = s.oneOf<DeliveryStatus>({ requested: true, received: true, cancelled: true });
const STOCK_STATUS = s.oneOf<StockStatus>({ inStock: true, empty: true }, { description: "`empty` at zero: a stock stays readable." });

const delivery = s.object<InboundDelivery>({
	id: s.string({ description: "The delivery id (`deliveryId`)." }),
	deliveryId: s.string(),
	stockId: stockId(),
	customer: name("Whose goods (the token's subject for a customer)."),
	product: name("The product."),
	qty: count(),
	status: DELIVERY_STATUS,
	bookingRequestedAt: s.optional(s.dateTime()),
	receivedAt: s.optional(s.dateTime()),
	cancelledAt: s.optional(s.dateTime()),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const booking = s.object<Booking>({
	deliveryId: s.string(),
	stockId: s.string(),
	qty: count(),
	quantity: total("The stock's quantity right after this booking."),
	bookedAt: s.dateTime()
});

const stock = s.object<Stock>({
	id: s.string({ description: "The stock id (`stockId`)." }),
	stockId: stockId(),
	customer: name("Whose stock."),
	product: name("The product."),
	quantity: total("What is there now: received − shipped − disposed, never negative."),
	received: total(),
	shipped: total(),
	disposed: total(),
	status: STOCK_STATUS,
	bookings: s.array(booking, { description: "Every delivery booked into this stock, once each." }),
	cancelledDeliveries: s.array(s.string(), { description: "Deliveries whose cancel the warehouse accepted before booking them: never booked." }),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const KINDS = Object.fromEntries(MESSAGE_EVENTS.map(k => [k, true])) as Record<MessageEvent, true>;

const message = s.object<MessageRecord<MessageFields>>(
	{
		id: s.string({ description: "The message id: the id of the event it tells (one message per change)." }),
		customer: name("Who is told."),
		kind: s.oneOf<MessageFields["kind"]>(KINDS, { description: "The change it tells (the event's type)." }),
		refId: s.string({ description: "What it is about: the delivery, or the stock for a shipment or disposal." }),
		message: s.string({ description: "The text, in Korean." }),
		stockId: stockId(),
		deliveryId: s.optional(s.string()),
		recipient: s.string(),
		address: s.optional(s.string()),
		text: s.string(),
		eventType: s.string(),
		status: s.oneOf<MessageRecord<MessageFields>["status"]>({ pending: true, sent: true }, { description: "`pending` while the provider has not taken it (it is retried)." }),
		attempts: s.integer({ minimum: 0 }),
		sentAt: s.optional(s.dateTime()),
		createdAt: s.dateTime(),
		updatedAt: s.dateTime()
	},
	{ description: "One message to a customer (KakaoTalk in the seed), as sent through the outbound provider." }
);

const stockRow = s.object<StockRow>(
	{
		stockId: s.string(),
		customer: s.optional(s.string()),
		product: s.optional(s.string()),
		quantity: total("What the stock holds, as its latest fact says."),
		status: STOCK_STATUS,
		incoming: total("Requested and on its way: neither received nor cancelled yet."),
		requested: total(),
		received: total(),
		cancelled: total(),
		shipped: total(),
		disposed: total(),
		version: total(),
		updatedAt: s.dateTime()
	},
	{ description: "A customer's stock of one product, folded only from events (it may lag a command by a moment)." }
);

export const warehouseDocs: ApiDocs = {
	resources: {
		"warehouse.delivery": { name: "InboundDelivery", title: "inbound delivery", schema: delivery },
		"warehouse.warehouse": { name: "Stock", title: "stock", schema: stock },
		"warehouse.notification": { name: "Message", title: "message", schema: message },
		"warehouse.stockview": { name: "StockViewRow", title: "stock view", schema: stockRow }
	},
	actions: {
		"warehouse.delivery.request": { summary: "Request an inbound delivery", description: "Accepted while the warehouse, notification or stock view contexts are down (status `requested`)." },
		"warehouse.delivery.receive": {
			summary: "Receive a delivery (books it into the stock, synchronously)",
			description:
				"The warehouse books the delivery into the customer's stock of the product; the delivery is `received` only if it did, and the answer names the `stockId`. Booking is idempotent per delivery. Received already: 409 (`data.status: received`, `data.stockId`); cancelled: 409. The warehouse down or overloaded: 503 + `Retry-After`, the delivery stays `requested`. The warehouse did not answer in time: 504 — if it did book, the delivery turns `received` by itself."
		},
		"warehouse.delivery.cancel": { summary: "Cancel a delivery request (before it is received)", description: "Received already: 409 (`data.status: received`). Once staff have asked the warehouse to book it, the warehouse decides: 503 + `Retry-After` when it cannot be asked." },
		"warehouse.warehouse.ship": { summary: "Ship stock out", description: "More than there is: 409 with the current quantity (`data.quantity`), nothing changed." },
		"warehouse.warehouse.dispose": { summary: "Dispose of stock (staff)", description: "More than there is: 409 with the current quantity (`data.quantity`), nothing changed." }
	}
};
