/**
 * Stock aggregate (the warehouse's core): one customer's stock of one product, the books of what is physically
 * there. One per customer + product (its id is derived from both); a second receipt adds to it.
 *
 * Invariants, whatever the interleaving of commands:
 * - the quantity never goes negative: shipping or disposing more than there is refuses (409 with the current
 *   quantity) and changes nothing;
 * - it is conserved: quantity = received − shipped − disposed;
 * - a delivery is booked at most once: the stock keeps the bookings it made, so a retried receive, a call
 *   that timed out after it booked, and a second receive all find the first booking;
 * - a delivery whose cancel the stock accepted is never booked (it keeps those too), and one it booked is
 *   never cancelled: both are decided here, on this one aggregate, so they cannot cross.
 * Status: `inStock` while something is there, `empty` at zero (the stock stays readable at zero).
 */
import { DomainError, illegalTransition, touch, type Decision, type Tracked } from "../../domain";
import type { Booking, BookRequest, CancelDeliveryRequest } from "./delivery.domain";
import { warehouseEvent } from "./events";

export type StockStatus = "inStock" | "empty";

export interface Stock extends Tracked<StockStatus> {
	stockId: string;
	customer: string;
	product: string;
	/** What is there now. */
	quantity: number;
	/** Totals since the stock was opened. */
	received: number;
	shipped: number;
	disposed: number;
	/** Every delivery booked into this stock, once each, in the order they were booked. */
	bookings: Booking[];
	/** Deliveries whose cancel this stock accepted before booking them: never booked. */
	cancelledDeliveries: string[];
}

/** The largest quantity one command moves (a stock may hold more: the sum of its receipts). */
export const MAX_QTY = 1_000_000;

const statusOf = (quantity: number): StockStatus => (quantity > 0 ? "inStock" : "empty");

function opened(stockId: string, customer: string, product: string, now: string): Stock {
	return { id: stockId, stockId, customer, product, quantity: 0, received: 0, shipped: 0, disposed: 0, bookings: [], cancelledDeliveries: [], status: "empty", createdAt: now, updatedAt: now };
}

export function bookingOf(stock: Stock | null, deliveryId: string): Booking | undefined {
	return stock?.bookings.find(b => b.deliveryId === deliveryId);
}

/** A request naming another stock than its own customer's product (the adapter checks the derivation). */
function assertSameStock(stock: Stock | null, req: { stockId: string; customer: string; product: string }): void {
	if (stock && (stock.customer !== req.customer || stock.product !== req.product)) {
		throw new DomainError("Invalid", `Stock '${stock.id}' holds ${stock.customer}'s ${stock.product}, not ${req.customer}'s ${req.product}`, { stockId: stock.id });
	}
}

/**
 * Book a delivery into the stock (the receipt, the saga's pivot): the quantity grows by the delivery's and
 * InStock is told, in one write. Booked already: nothing changes (null: the caller answers the first
 * booking). A delivery whose cancel was accepted is refused (409 `cancelled`).
 */
export function book(current: Stock | null, req: BookRequest, now: string): Decision<Stock> | null {
	assertSameStock(current, req);
	if (bookingOf(current, req.deliveryId)) return null;
	if (current?.cancelledDeliveries.includes(req.deliveryId)) throw illegalTransition("Delivery", "cancelled", "receive", { deliveryId: req.deliveryId });
	const stock = current ?? opened(req.stockId, req.customer, req.product, now);
	const quantity = stock.quantity + req.qty;
	const booking: Booking = { deliveryId: req.deliveryId, stockId: stock.id, qty: req.qty, quantity, bookedAt: now };
	return {
		state: touch(stock, now, { quantity, received: stock.received + req.qty, status: statusOf(quantity), bookings: [...stock.bookings, booking] }),
		events: [warehouseEvent("InStock", { deliveryId: req.deliveryId, stockId: stock.id, customer: stock.customer, product: stock.product, qty: req.qty, quantity })]
	};
}

/**
 * A customer cancels a delivery the warehouse may have been asked to book: accepted unless it is booked
 * (then refused, 409 `received`). Accepted, the stock remembers it and will never book it; asked again, it
 * accepts again (null: nothing to write). A stock that did not exist yet is opened, empty, to remember it.
 */
export function acceptCancel(current: Stock | null, req: CancelDeliveryRequest, now: string): Decision<Stock> | null {
	assertSameStock(current, req);
	if (bookingOf(current, req.deliveryId)) throw illegalTransition("Delivery", "received", "cancel", { stockId: req.stockId });
	if (current?.cancelledDeliveries.includes(req.deliveryId)) return null;
	const stock = current ?? opened(req.stockId, req.customer, req.product, now);
	return { state: touch(stock, now, { cancelledDeliveries: [...stock.cancelledDeliveries, req.deliveryId] }), events: [] };
}

/** Ship or dispose of more than there is: 409 with what is there, nothing changed. */
function assertAvailable(stock: Stock, qty: number, command: string): void {
	if (qty > stock.quantity) {
		throw new DomainError("Conflict", `Only ${stock.quantity} of ${stock.product} in stock: cannot ${command} ${qty}`, { status: stock.status, quantity: stock.quantity, requested: qty });
	}
}

/** Stock goes out (the customer's request, or staff's). */
export function ship(stock: Stock, qty: number, now: string): Decision<Stock> {
	assertAvailable(stock, qty, "ship");
	const quantity = stock.quantity - qty;
	return {
		state: touch(stock, now, { quantity, shipped: stock.shipped + qty, status: statusOf(quantity) }),
		events: [warehouseEvent("Shipped", { stockId: stock.id, customer: stock.customer, product: stock.product, qty, quantity })]
	};
}

/** Staff dispose of stock, saying why. */
export function dispose(stock: Stock, qty: number, reason: string, now: string): Decision<Stock> {
	assertAvailable(stock, qty, "dispose of");
	const quantity = stock.quantity - qty;
	return {
		state: touch(stock, now, { quantity, disposed: stock.disposed + qty, status: statusOf(quantity) }),
		events: [warehouseEvent("Disposed", { stockId: stock.id, customer: stock.customer, product: stock.product, qty, reason, quantity })]
	};
}
