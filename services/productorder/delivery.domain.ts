/**
 * Delivery aggregate (one per order, its id is the orderId): the courier's parcel once the product reserved
 * the units (DeliveryPrepared). It owns the saga's pivot: once the courier has started, the order can no
 * longer be cancelled. A cancel is asked of it (`acceptCancel`) and decided here, on this one aggregate, so
 * a cancel and a start that cross are serialized: one of them is refused.
 *
 *   prepared → started → completed;  prepared → canceled (the order's cancel, accepted)
 *
 * A cancel accepted before anything was prepared leaves a cancelled record, so a DeliveryPrepared that comes
 * later (the product reserved meanwhile; the order's OrderCanceled gives the units back) never creates one.
 */
import { earlier, illegalTransition, StateMachine, touch, type Decision, type Tracked } from "../../domain";
import { productOrderEvent, type ProductOrderEvents } from "./events";

export type DeliveryStatus = "prepared" | "started" | "completed" | "canceled";

export interface Delivery extends Tracked<DeliveryStatus> {
	orderId: string;
	customer: string;
	itemcd: string;
	/** "" until the delivery was prepared (a record left by a cancel that came first). */
	item: string;
	orderQty: number;
	address?: string;
}

/** What the order asks when its customer cancels. */
export interface CancelRequest {
	orderId: string;
	customer: string;
	itemcd: string;
}

export type DeliveryPreparedData = ProductOrderEvents["DeliveryPrepared"];
export type OrderCanceledData = Pick<ProductOrderEvents["OrderCanceled"], "orderId" | "customer" | "itemcd" | "orderQty">;

export const deliveryMachine = new StateMachine<DeliveryStatus>("Delivery", {
	prepared: ["started", "canceled"],
	started: ["completed"],
	completed: [],
	canceled: []
});

/** A fact that changes nothing but the time of the last change: moved forward (never back), or null. */
function noted(dl: Delivery, now: string, patch: Partial<Delivery> = {}): Decision<Delivery> | null {
	const next = touch(dl, now, patch);
	return JSON.stringify(next) === JSON.stringify(dl) ? null : { state: next, events: [] };
}

function detailsOf(d: DeliveryPreparedData): Pick<Delivery, "customer" | "itemcd" | "item" | "orderQty" | "address"> {
	return { customer: d.customer, itemcd: d.itemcd, item: d.item, orderQty: d.orderQty, ...(d.address !== undefined ? { address: d.address } : {}) };
}

/**
 * The units are reserved: the delivery is prepared. Once; for an order whose cancel was accepted first, the
 * cancelled record only learns the parcel's details (it is never prepared).
 */
export function onDeliveryPrepared(current: Delivery | null, d: DeliveryPreparedData, now: string): Decision<Delivery> | null {
	if (!current) return { state: { id: d.orderId, orderId: d.orderId, ...detailsOf(d), status: "prepared", createdAt: now, updatedAt: now }, events: [] };
	if (current.item !== "") return noted(current, now); // prepared already
	return noted(current, now, { ...detailsOf(d), createdAt: earlier(current.createdAt, now) });
}

function move(dl: Delivery, to: DeliveryStatus, command: string, now: string): Delivery {
	return touch(dl, now, { status: deliveryMachine.move(dl.status, to, command) });
}

/** The courier starts (the seed's `deliverystarted`): the pivot. Refused (409) once the order's cancel was accepted. */
export function start(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "started", "start", now), events: [productOrderEvent("DeliveryStarted", { orderId: dl.orderId, customer: dl.customer })] };
}

/** The courier delivers (the seed's `deliverycompleted`). */
export function complete(dl: Delivery, now: string): Decision<Delivery> {
	return { state: move(dl, "completed", "complete", now), events: [productOrderEvent("DeliveryCompleted", { orderId: dl.orderId, customer: dl.customer })] };
}

function cancelledRecord(req: { orderId: string; customer: string; itemcd: string; orderQty?: number }, now: string): Delivery {
	return { id: req.orderId, orderId: req.orderId, customer: req.customer, itemcd: req.itemcd, item: "", orderQty: req.orderQty ?? 0, status: "canceled", createdAt: now, updatedAt: now };
}

/**
 * The order asks to be cancelled (the synchronous step of its cancel). Accepted until the courier starts —
 * also before anything was prepared (a cancelled record then stops it from ever being prepared) — and told
 * (DeliveryCanceled), so the order cancels even if it crashes before writing the answer. Asked again, an
 * accepted cancel is accepted again; after the start it is refused with the status (409).
 */
export function acceptCancel(current: Delivery | null, req: CancelRequest, now: string): Decision<Delivery> | null {
	if (current?.status === "canceled") return null;
	if (current && !deliveryMachine.can(current.status, "canceled")) throw illegalTransition("Delivery", current.status, "cancel");
	const cancelled = current ? touch(current, now, { status: "canceled" }) : cancelledRecord(req, now);
	return { state: cancelled, events: [productOrderEvent("DeliveryCanceled", { orderId: req.orderId, customer: req.customer, wasPrepared: current !== null })] };
}

/** The order was cancelled (after this context accepted it): nothing is left to do but make sure. */
export function onOrderCanceled(current: Delivery | null, d: OrderCanceledData, now: string): Decision<Delivery> | null {
	if (!current) return { state: cancelledRecord(d, now), events: [] };
	// A record left by the cancel learns the quantity it was for.
	if (current.status === "canceled") return noted(current, now, current.item === "" ? { orderQty: d.orderQty } : {});
	if (!deliveryMachine.can(current.status, "canceled")) return noted(current, now);
	return { state: touch(current, now, { status: "canceled" }), events: [productOrderEvent("DeliveryCanceled", { orderId: d.orderId, customer: current.customer, wasPrepared: true })] };
}
