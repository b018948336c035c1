/**
 * The order context: a winner's purchase (Order aggregate, keyed by `orderId` — the seed's orderRequestId)
 * and the wins it may be placed for (Win, keyed by `entryId`, known from events only: the entry's status
 * changes told by the draw context, which is where a cancel and a win are decided).
 *
 *   Order: requested → placed → cancelled;  requested → removed (not certified, certification unavailable,
 *          or abandoned: the request is gone, GET answers 404)
 *   Win:   won → cancelled
 *
 * One purchase per win: an order request holds the win (`Win.orderId`) while it is being certified; another
 * request for the same win is refused (409) unless the one holding it was removed or abandoned. Which
 * order holds it, and what that order came to, is the truth: a placed holder means purchased.
 */
import { advance, DomainError, earlier, illegalTransition, later, StateMachine, touch, type Decision, type PlacementOutcome, type Tracked } from "../../domain";
import { notCertified, type CertifyRequest } from "./auth.domain";
import { drawEvent, type DrawEvents, type EntryStatus } from "./events";

export type OrderStatus = "requested" | "placed" | "cancelled" | "removed";

/** Why an order request was removed: not certified (answered 403 again on a repeat), or the step did not answer (a new attempt may be made). */
export type RemovalReason = "NOT_CERTIFIED" | "ALREADY_ORDERED" | "ABANDONED" | string;

/** What is bought: the winning entry's item, size and price. */
export interface WinDetails {
	entryId: string;
	drawId: string;
	userId: string;
	phone?: string;
	itemNo: string;
	drawName: string;
	drawDate: string;
	size: number;
	price: number;
}

export interface Order extends Tracked<OrderStatus>, WinDetails {
	orderId: string;
	removedReason?: RemovalReason;
}

export type WinStatus = "won" | "cancelled";

export interface Win extends Tracked<WinStatus>, WinDetails {
	/** The order request holding the win (the latest one made for it). */
	orderId?: string;
	reservedAt?: string;
}

export const orderMachine = new StateMachine<OrderStatus>("Order", {
	requested: ["placed", "removed"],
	placed: ["cancelled"],
	cancelled: [],
	removed: []
});

const WIN_PROGRESS: Readonly<Record<WinStatus, number>> = { won: 1, cancelled: 2 };

/** What an entry's status says about its win (null: nothing). */
const WIN_OF: Partial<Record<EntryStatus, WinStatus>> = { won: "won", purchased: "won", winCancelled: "cancelled" };

export function detailsOfWin(d: WinDetails): WinDetails {
	return { entryId: d.entryId, drawId: d.drawId, userId: d.userId, ...(d.phone !== undefined ? { phone: d.phone } : {}), itemNo: d.itemNo, drawName: d.drawName, drawDate: d.drawDate, size: d.size, price: d.price };
}

/** What the order context reads of an entry's status change. */
export type WinFact = Pick<DrawEvents["EntryStatusChanged"], "entryId" | "status"> & WinDetails;

/**
 * An entry's status changed (EntryStatusChanged): a win is known from `won` (or `purchased`, should that
 * arrive first), cancelled by `winCancelled`. Folded forward only, in any order.
 */
export function onEntryStatusChanged(current: Win | null, d: WinFact, now: string): Decision<Win> | null {
	const next = WIN_OF[d.status];
	if (!next) return null;
	if (!current) return { state: { id: d.entryId, ...detailsOfWin(d), status: next, createdAt: now, updatedAt: now }, events: [] };
	const status = advance(WIN_PROGRESS, current.status, next);
	const createdAt = earlier(current.createdAt, now);
	const updatedAt = later(current.updatedAt, now);
	if (status === current.status && createdAt === current.createdAt && updatedAt === current.updatedAt) return null;
	return { state: { ...current, status, createdAt, updatedAt }, events: [] };
}

/** What the holder of a win came to, as the refusal of another order needs it. */
export type Holder = Pick<Order, "id" | "status" | "createdAt"> | null;

/**
 * Why no order may be placed for this win now (null: one may): not a win (409), its win cancelled (409),
 * bought already (409), or another request of it being certified (409). A holder removed, or requested
 * before `staleBefore` (abandoned: its process died), holds nothing any more.
 */
export function winRefusal(entryId: string, win: Win | null, holder: Holder, staleBefore: string): DomainError | null {
	if (!win) return new DomainError("Conflict", `Entry '${entryId}' has not won (or its result is not known here yet): there is nothing to order`, { status: "notWon", entryId });
	if (win.status === "cancelled") return new DomainError("Conflict", `The win of entry '${entryId}' was cancelled: it cannot be ordered`, { status: "winCancelled", entryId });
	if (!win.orderId || !holder || holder.id !== win.orderId) return null;
	if (holder.status === "placed") return new DomainError("Conflict", `The win of entry '${entryId}' has been ordered already (order '${holder.id}')`, { status: "purchased", entryId, orderId: holder.id });
	if (holder.status === "cancelled") return new DomainError("Conflict", `The order of entry '${entryId}' was cancelled: its win is cancelled`, { status: "winCancelled", entryId, orderId: holder.id });
	if (holder.status === "requested" && holder.createdAt >= staleBefore) return new DomainError("Conflict", `An order for the win of entry '${entryId}' is being certified (order '${holder.id}')`, { status: "ordering", entryId, orderId: holder.id });
	return null;
}

/** The order request `orderId` takes the win (atomically, on the Win: two requests cannot both hold it). */
export function reserveWin(win: Win | null, entryId: string, orderId: string, holder: Holder, now: string, staleBefore: string): Decision<Win> | null {
	if (win?.orderId === orderId) return null;
	const refusal = winRefusal(entryId, win, holder, staleBefore);
	if (refusal) throw refusal;
	if (!win) return null; // unreachable: no win is a refusal
	return { state: { ...touch(win, now), orderId, reservedAt: now }, events: [] };
}

/** A winner's order request, waiting for its certification (told: OrderRequested). */
export function requestOrder(orderId: string, win: WinDetails, now: string): Decision<Order> {
	const order: Order = { id: orderId, orderId, ...detailsOfWin(win), status: "requested", createdAt: now, updatedAt: now };
	return { state: order, events: [drawEvent("OrderRequested", { orderId, entryId: win.entryId, drawId: win.drawId, userId: win.userId })] };
}

export function certifyRequest(order: Order, password: string): CertifyRequest {
	return { orderId: order.id, entryId: order.entryId, drawId: order.drawId, userId: order.userId, password };
}

/** Certified: the order is placed (null when the request is no longer waiting: removed or placed meanwhile). */
export function placeCertified(order: Order, now: string): Decision<Order> | null {
	if (order.status !== "requested") return null;
	const placed = touch(order, now, { status: "placed" });
	return {
		state: placed,
		events: [drawEvent("OrderPlaced", { orderId: order.id, entryId: order.entryId, drawId: order.drawId, userId: order.userId, itemNo: order.itemNo, size: order.size, price: order.price })]
	};
}

/** Not certified, certification unavailable or of unknown outcome, or abandoned: the request is removed (nothing was bought). */
export function removeRequest(order: Order, reason: RemovalReason, now: string): Decision<Order> | null {
	if (order.status !== "requested") return null;
	return { state: touch(order, now, { status: "removed", removedReason: reason }), events: [] };
}

/** What an order request came to, for a repeat with its Idempotency-Key. */
export function orderOutcome(order: Order): PlacementOutcome<DomainError> {
	if (order.status === "requested") return "pending";
	if (order.status === "removed") return order.removedReason === "NOT_CERTIFIED" ? notCertified(order.id) : "retry";
	return "established";
}

/** A removed request is gone for its readers: 404. */
export const isVisible = (order: Order): boolean => order.status !== "removed";

/** The customer cancels the order: the win is cancelled with it (OrderCancelled); 409 with the status otherwise. */
export function cancelOrder(order: Order, now: string): Decision<Order> {
	if (order.status !== "placed") throw illegalTransition("Order", order.status, "cancel");
	return {
		state: touch(order, now, { status: orderMachine.move(order.status, "cancelled", "cancel") }),
		events: [drawEvent("OrderCancelled", { orderId: order.id, entryId: order.entryId, drawId: order.drawId, userId: order.userId })]
	};
}

/** Auth's fact, for a request whose synchronous answer was lost (its process died): certified → placed. */
export function onAuthCertified(current: Order | null, now: string): Decision<Order> | null {
	return current ? placeCertified(current, now) : null;
}

/** …not certified → removed. */
export function onAuthCancelled(current: Order | null, now: string): Decision<Order> | null {
	return current ? removeRequest(current, "NOT_CERTIFIED", now) : null;
}
