/**
 * InboundDelivery aggregate: a customer's request that the warehouse take in goods.
 *
 *   requested → received   (staff receive it and the warehouse booked it: the answer of the booking, or its InStock)
 *   requested → cancelled  (the customer, before it is received)
 *
 * "Received" means booked: the delivery moves to `received` only on the warehouse's word that it booked this
 * delivery (its synchronous answer, or the InStock fact it told in the same write as the booking), never on a
 * hope. Who decides a cancel depends on whether the warehouse was ever asked to book it:
 * - never asked (`bookingRequestedAt` unset): this aggregate decides alone; a receive that starts meanwhile
 *   first writes `bookingRequestedAt` on this same aggregate, so the optimistic version check serializes the
 *   two — one of them is refused (409);
 * - asked (a booking may be on its way, or its outcome unknown): only the warehouse knows, so the cancel is
 *   asked of it (it owns the booking, the pivot): it accepts (and will never book it) or refuses (booked).
 * Plain TypeScript: the delivery context (delivery.service.ts) is its adapter.
 */
import { illegalTransition, StateMachine, touch, type Decision, type Tracked } from "../../domain";
import { warehouseEvent, type DeliveryFacts, type WarehouseEvents } from "./events";

export type DeliveryStatus = "requested" | "received" | "cancelled";

export interface DeliveryInput {
	customer: string;
	product: string;
	qty: number;
}

export interface InboundDelivery extends Tracked<DeliveryStatus>, DeliveryInput {
	deliveryId: string;
	/** The stock the goods go to (one per customer and product). */
	stockId: string;
	/** When staff first asked the warehouse to book it: from then on, only the warehouse decides a cancel. */
	bookingRequestedAt?: string;
	receivedAt?: string;
	cancelledAt?: string;
}

/** What the warehouse is asked to book (the saga's `book` step). */
export type BookRequest = DeliveryFacts;

/** What the warehouse answers: the booking of this delivery (the same one however often it is asked). */
export interface Booking {
	deliveryId: string;
	stockId: string;
	qty: number;
	/** The stock's quantity right after this booking. */
	quantity: number;
	bookedAt: string;
}

/** What the warehouse is asked when a delivery it may have been asked to book is cancelled (`cancelDelivery`). */
export type CancelDeliveryRequest = Omit<DeliveryFacts, "qty">;

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	requested: ["received", "cancelled"],
	received: [],
	cancelled: []
});

const facts = (d: InboundDelivery): DeliveryFacts => ({ deliveryId: d.id, stockId: d.stockId, customer: d.customer, product: d.product, qty: d.qty });

/** A customer's request (stockId: the stock of this customer's product, as the adapter derives it). */
export function requestDelivery(id: string, input: DeliveryInput, stockId: string, now: string): Decision<InboundDelivery> {
	const delivery: InboundDelivery = { id, deliveryId: id, stockId, ...input, status: "requested", createdAt: now, updatedAt: now };
	return { state: delivery, events: [warehouseEvent("DeliveryRequested", facts(delivery))] };
}

function refuse(d: InboundDelivery, command: string): never {
	throw illegalTransition("Delivery", d.status, command, d.status === "received" ? { stockId: d.stockId } : {});
}

/**
 * Staff start receiving it: refused unless it is still requested (a second receive: 409 `received`, with its
 * stock). The first time, the fact that the warehouse is being asked is written (no event): from then on a
 * cancel is the warehouse's to decide. Null: nothing to write (asked before).
 */
export function startReceipt(d: InboundDelivery, now: string): Decision<InboundDelivery> | null {
	if (d.status !== "requested") refuse(d, "receive");
	if (d.bookingRequestedAt) return null;
	return { state: touch(d, now, { bookingRequestedAt: now }), events: [] };
}

export function bookRequest(d: InboundDelivery): BookRequest {
	return facts(d);
}

/**
 * The warehouse booked it (its answer to `book`, or its InStock): received, told once. Null when it is
 * received already (the other of the two got here first).
 */
export function received(d: InboundDelivery, booking: Pick<Booking, "stockId" | "deliveryId">, now: string): Decision<InboundDelivery> | null {
	if (d.status === "received") return null;
	if (booking.deliveryId !== d.id || booking.stockId !== d.stockId) throw illegalTransition("Delivery", d.status, "receive", { stockId: booking.stockId });
	const done = touch(d, now, { status: deliveryMachine.move(d.status, "received", "receive"), receivedAt: now });
	return { state: done, events: [warehouseEvent("DeliveryReceived", facts(done))] };
}

/**
 * InStock: the warehouse booked a delivery — told in the same write as the booking. A delivery still
 * requested (its receive timed out, or the delivery context died before it wrote the answer) is received now;
 * one received already is left as it is.
 */
export function onInStock(current: InboundDelivery | null, data: Pick<WarehouseEvents["InStock"], "deliveryId" | "stockId">, now: string): Decision<InboundDelivery> | null {
	if (!current || current.status !== "requested") return null;
	return received(current, data, now);
}

/** Refuses at once a cancel this aggregate itself rules out (409 with its status: received, or cancelled). */
export function checkCancel(d: InboundDelivery): void {
	if (d.status !== "requested") refuse(d, "cancel");
}

function cancelled(d: InboundDelivery, now: string): Decision<InboundDelivery> {
	const done = touch(d, now, { status: deliveryMachine.move(d.status, "cancelled", "cancel"), cancelledAt: now });
	return { state: done, events: [warehouseEvent("DeliveryCancelled", facts(done))] };
}

/**
 * A cancel this aggregate decides alone: the warehouse was never asked to book it. Null when it was (the
 * cancel must be asked of the warehouse); 409 when it is no longer requested.
 */
export function cancelUnbooked(d: InboundDelivery, now: string): Decision<InboundDelivery> | null {
	checkCancel(d);
	return d.bookingRequestedAt ? null : cancelled(d, now);
}

export function cancelRequest(d: InboundDelivery): CancelDeliveryRequest {
	return { deliveryId: d.id, stockId: d.stockId, customer: d.customer, product: d.product };
}

/** The warehouse refused the cancel: it booked the delivery (409 `received`, whatever this copy still says). */
export function cancelRefused(d: InboundDelivery, refusal: { status: string }): ReturnType<typeof illegalTransition> {
	const status = refusal.status === "received" || refusal.status === "cancelled" ? refusal.status : d.status;
	return illegalTransition("Delivery", status, "cancel", status === "received" ? { stockId: d.stockId } : {});
}

/**
 * The warehouse accepted the cancel (it will never book this delivery): cancelled, told. Null when it is
 * cancelled already. (It cannot be received: the warehouse refuses to cancel what it booked.)
 */
export function cancel(d: InboundDelivery, now: string): Decision<InboundDelivery> | null {
	if (d.status === "cancelled") return null;
	if (d.status !== "requested") refuse(d, "cancel");
	return cancelled(d, now);
}
