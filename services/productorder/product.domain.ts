/**
 * Product aggregate (keyed by `itemcd`): one product's stock, a hot aggregate that every order for it
 * writes to. It keeps, beside the counts, the answer it gave each order (`reservations`, by `orderId`):
 *
 * - `PayApproved` is answered once per order: the units are reserved (`DeliveryPrepared`) or refused
 *   (`OutOfStock`); an order already answered — or already cancelled — is never answered again, however
 *   often the event comes back;
 * - `OrderCanceled` restores exactly what was reserved for that order, once; a cancel that overtook its
 *   `PayApproved` (separate channels) leaves a cancelled entry, so the late `PayApproved` reserves nothing.
 *
 * Invariants, whatever the order and the repetitions of events and restocks:
 *   totalQuantity ≥ 0 (never oversold), reservedQuantity = Σ reserved entries,
 *   stockedQuantity (initial + restocks) = totalQuantity + reservedQuantity (units are conserved).
 *
 * An order for an `itemcd` that is no product creates nothing here: it is refused from a record keyed by
 * the order (`UnknownItemAnswer`), which holds the `OutOfStock` until it is published.
 */
import { DomainError, touch, type Decision } from "../../domain";
import { productOrderEvent, type ProductOrderEvents } from "./events";

/** What the product answered one order: units held for it, refused, or given back / never held because it was cancelled. */
export type ReservationStatus = "reserved" | "refused" | "canceled";

export interface Reservation {
	qty: number;
	status: ReservationStatus;
}

export interface Product {
	kind: "product";
	/** The itemcd. */
	id: string;
	itemcd: string;
	name?: string;
	/** Units left to sell (the seed's field; it never goes below 0). */
	totalQuantity: number;
	/** Units reserved for orders that are not cancelled. */
	reservedQuantity: number;
	/** Every unit ever put in stock: the initial quantity and the restocks (= totalQuantity + reservedQuantity). */
	stockedQuantity: number;
	/** The answer given to each order, by orderId. */
	reservations: Record<string, Reservation>;
	createdAt: string;
	updatedAt: string;
}

/** The refusal of an order for an itemcd that is no product: kept by order, so no product is created for it. */
export interface UnknownItemAnswer {
	kind: "unknownItem";
	/** `unknown-item:<orderId>` (never a valid itemcd). */
	id: string;
	orderId: string;
	itemcd: string;
	customer: string;
	orderQty: number;
	createdAt: string;
	updatedAt: string;
}

/** What the product context stores: products, and its answers to orders for unknown items. */
export type StockRecord = Product | UnknownItemAnswer;

export const isProduct = (r: StockRecord | null): r is Product => r !== null && r.kind === "product";

/** Where the answer to an order for an unknown item is kept (":" never occurs in an itemcd). */
export const unknownItemId = (orderId: string) => `unknown-item:${orderId}`;

export interface NewProduct {
	totalQuantity: number;
	name?: string;
}

/** What the product reads from `PayApproved`. */
export type PayApprovedData = Pick<ProductOrderEvents["PayApproved"], "orderId" | "customer" | "itemcd" | "item" | "orderQty" | "address">;
/** What the product reads from `OrderCanceled`. */
export type OrderCanceledData = Pick<ProductOrderEvents["OrderCanceled"], "orderId" | "customer" | "itemcd" | "orderQty">;

const entryOf = (p: Product, orderId: string): Reservation | undefined => (Object.hasOwn(p.reservations, orderId) ? p.reservations[orderId] : undefined);

/** A fact that changes nothing but the time of the last change: moved forward (never back), or null when it would not move. */
function noted(p: Product, now: string): Decision<Product> | null {
	const next = touch(p, now);
	return next.updatedAt === p.updatedAt ? null : { state: next, events: [] };
}

function withEntry(p: Product, orderId: string, entry: Reservation, now: string, counts: Partial<Pick<Product, "totalQuantity" | "reservedQuantity">> = {}): Product {
	return touch(p, now, { ...counts, reservations: { ...p.reservations, [orderId]: entry } });
}

/** The product manager adds a product with its stock (nothing to tell: no one waits for it). */
export function addProduct(itemcd: string, input: NewProduct, now: string): Decision<Product> {
	if (!Number.isInteger(input.totalQuantity) || input.totalQuantity < 0) throw new DomainError("Invalid", "totalQuantity must be a whole number ≥ 0", { totalQuantity: input.totalQuantity });
	const product: Product = {
		kind: "product",
		id: itemcd,
		itemcd,
		...(input.name !== undefined ? { name: input.name } : {}),
		totalQuantity: input.totalQuantity,
		reservedQuantity: 0,
		stockedQuantity: input.totalQuantity,
		reservations: {},
		createdAt: now,
		updatedAt: now
	};
	return { state: product, events: [] };
}

/** More units arrive. */
export function restock(p: Product, qty: number, now: string): Decision<Product> {
	if (!Number.isInteger(qty) || qty < 1) throw new DomainError("Invalid", "qty must be a whole number ≥ 1", { qty });
	return { state: touch(p, now, { totalQuantity: p.totalQuantity + qty, stockedQuantity: p.stockedQuantity + qty }), events: [] };
}

/**
 * A paid, established order asks for its units. Answered once: reserved (DeliveryPrepared) when enough are
 * left, refused (OutOfStock, "short") otherwise; nothing for an order already answered or cancelled.
 */
export function onPayApproved(p: Product, d: PayApprovedData, now: string): Decision<Product> | null {
	if (entryOf(p, d.orderId)) return noted(p, now);
	if (d.orderQty <= p.totalQuantity) {
		const reserved = withEntry(p, d.orderId, { qty: d.orderQty, status: "reserved" }, now, { totalQuantity: p.totalQuantity - d.orderQty, reservedQuantity: p.reservedQuantity + d.orderQty });
		return {
			state: reserved,
			events: [
				productOrderEvent("DeliveryPrepared", {
					orderId: d.orderId,
					customer: d.customer,
					itemcd: p.itemcd,
					item: d.item,
					orderQty: d.orderQty,
					...(d.address !== undefined ? { address: d.address } : {})
				})
			]
		};
	}
	return {
		state: withEntry(p, d.orderId, { qty: d.orderQty, status: "refused" }, now),
		events: [productOrderEvent("OutOfStock", { orderId: d.orderId, customer: d.customer, itemcd: p.itemcd, orderQty: d.orderQty, available: p.totalQuantity, reason: "short" })]
	};
}

/**
 * The order was cancelled: what was reserved for it comes back, exactly and once. A refused order had
 * nothing reserved (its entry only says it is cancelled now); a cancel that arrives before the order's
 * PayApproved leaves a cancelled entry, so nothing is ever reserved for it.
 */
export function onOrderCanceled(p: Product, d: OrderCanceledData, now: string): Decision<Product> | null {
	const entry = entryOf(p, d.orderId);
	if (entry?.status === "canceled") return noted(p, now);
	if (entry?.status === "reserved") {
		return { state: withEntry(p, d.orderId, { qty: entry.qty, status: "canceled" }, now, { totalQuantity: p.totalQuantity + entry.qty, reservedQuantity: p.reservedQuantity - entry.qty }), events: [] };
	}
	return { state: withEntry(p, d.orderId, { qty: entry?.qty ?? d.orderQty, status: "canceled" }, now), events: [] };
}

/** An order for an itemcd that is no product: refused (OutOfStock, "unknownItem") from a record of its own, keyed by the order. */
export function refuseUnknownItem(d: PayApprovedData, now: string): Decision<UnknownItemAnswer> {
	const answer: UnknownItemAnswer = { kind: "unknownItem", id: unknownItemId(d.orderId), orderId: d.orderId, itemcd: d.itemcd, customer: d.customer, orderQty: d.orderQty, createdAt: now, updatedAt: now };
	return { state: answer, events: [productOrderEvent("OutOfStock", { orderId: d.orderId, customer: d.customer, itemcd: d.itemcd, orderQty: d.orderQty, available: 0, reason: "unknownItem" })] };
}

/** The units held by the reserved entries (equal to `reservedQuantity`). */
export function reservedOf(p: Product): number {
	return Object.values(p.reservations).reduce((sum, r) => sum + (r.status === "reserved" ? r.qty : 0), 0);
}

/** The invariants of a product's stock: the problems found (none: it holds). */
export function stockProblems(p: Product): string[] {
	const problems: string[] = [];
	if (p.totalQuantity < 0) problems.push(`totalQuantity ${p.totalQuantity} < 0`);
	if (p.reservedQuantity !== reservedOf(p)) problems.push(`reservedQuantity ${p.reservedQuantity} ≠ Σ reserved ${reservedOf(p)}`);
	if (p.totalQuantity + p.reservedQuantity !== p.stockedQuantity) problems.push(`total ${p.totalQuantity} + reserved ${p.reservedQuantity} ≠ stocked ${p.stockedQuantity}`);
	return problems;
}
