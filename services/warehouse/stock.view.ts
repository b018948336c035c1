/**
 * The per-customer stock view (CQRS read side): one row per stock (`stockId`), folded only from events — the
 * deliveries on their way (requested, not yet received or cancelled) and what the stock holds.
 *
 * Events arrive on separate channels, in any order, some twice (the view store skips an id it folded):
 * - totals are sums of the quantities each fact moved (order does not matter);
 * - the quantity is the one the stock's latest fact says (the highest aggregate version wins), so the view
 *   never shows a negative quantity even while a Shipped overtakes the InStock before it;
 * - `updatedAt` only moves forward.
 * Once everything has arrived: quantity = received − shipped − disposed, incoming = requested − received − cancelled.
 */
import { later } from "../../domain";
import type { WarehouseEvent } from "./events";
import type { StockStatus } from "./stock.domain";

export interface StockRow {
	stockId: string;
	customer?: string;
	product?: string;
	/** What the stock holds, as its latest fact says. */
	quantity: number;
	status: StockStatus;
	/** Goods requested and on their way: neither received nor cancelled yet. */
	incoming: number;
	requested: number;
	received: number;
	cancelled: number;
	shipped: number;
	disposed: number;
	/** The stock's version its latest folded fact came from (0: no stock fact yet, only requests). */
	version: number;
	updatedAt: string;
}

/** What the fold reads of an event: its type, when, the stock's version that told it, and its data. */
export interface StockViewEvent {
	type: string;
	occurredAt: string;
	version?: number;
	data: Readonly<Record<string, unknown>>;
}

/** The facts the view folds. */
export const STOCK_VIEW_EVENTS: readonly WarehouseEvent[] = ["DeliveryRequested", "DeliveryCancelled", "InStock", "Shipped", "Disposed"];

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Which total each fact adds its quantity to; and whether it is a fact of the stock itself (it says the quantity). */
const ADDS: Readonly<Record<string, { total: "requested" | "cancelled" | "received" | "shipped" | "disposed"; ofStock: boolean }>> = {
	DeliveryRequested: { total: "requested", ofStock: false },
	DeliveryCancelled: { total: "cancelled", ofStock: false },
	InStock: { total: "received", ofStock: true },
	Shipped: { total: "shipped", ofStock: true },
	Disposed: { total: "disposed", ofStock: true }
};

export function foldStock(row: StockRow | null, e: StockViewEvent): StockRow | null {
	const adds = ADDS[e.type];
	if (!adds) return null;
	const r: StockRow = row
		? { ...row }
		: { stockId: String(e.data.stockId), quantity: 0, status: "empty", incoming: 0, requested: 0, received: 0, cancelled: 0, shipped: 0, disposed: 0, version: 0, updatedAt: e.occurredAt };
	r.customer = r.customer ?? str(e.data.customer);
	r.product = r.product ?? str(e.data.product);
	r[adds.total] += num(e.data.qty);
	const version = num(e.version);
	if (adds.ofStock && version > r.version) {
		r.version = version;
		r.quantity = num(e.data.quantity);
	}
	r.status = r.quantity > 0 ? "inStock" : "empty";
	r.incoming = Math.max(0, r.requested - r.received - r.cancelled);
	r.updatedAt = later(r.updatedAt, e.occurredAt);
	return r;
}
