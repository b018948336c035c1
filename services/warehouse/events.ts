/**
 * The warehouse's published language (shared/specs/warehouse.md, seed 004 "창고 관리"): the events, what each
 * one carries and a typed constructor. Channels are `warehouse.<EventType>`.
 *
 * Correlation keys: `deliveryId` (one inbound delivery) and `stockId` (one customer's stock of one product,
 * derived from both: every event about a delivery already names the stock it goes to). The stock's facts
 * carry the quantity it holds after them, so a reader never has to add up to know it.
 */
import { eventsOf } from "../../domain";

/** What a delivery is about: whose goods, which product, how many, and the stock they go to. */
export type DeliveryFacts = { deliveryId: string; stockId: string; customer: string; product: string; qty: number };

/** What a change of a stock carries: whose stock, of what, how many moved, and how many it holds afterwards. */
export type StockFacts = { stockId: string; customer: string; product: string; qty: number; quantity: number };

export type WarehouseEvents = {
	/** A customer asked the warehouse to take in goods (status `requested`). */
	DeliveryRequested: DeliveryFacts;
	/** The delivery is received: the warehouse booked it into the stock (told once, by the delivery). */
	DeliveryReceived: DeliveryFacts;
	/** The customer cancelled the request before it was received: it will never be booked. */
	DeliveryCancelled: DeliveryFacts;
	/** The warehouse booked a delivery into the stock (the pivot: a receipt only goes forward). */
	InStock: DeliveryFacts & { quantity: number };
	/** Stock went out on the customer's (or staff's) request. */
	Shipped: StockFacts;
	/** Staff disposed of stock, for a reason. */
	Disposed: StockFacts & { reason: string };
	/** A message to the customer about one change went out (one per change, never two). */
	MessageSent: { messageId: string; customer: string; kind: string; refId: string; stockId: string; deliveryId?: string; sentAt: string };
};

export type WarehouseEvent = keyof WarehouseEvents;

export const warehouseEvent = eventsOf<WarehouseEvents>();
