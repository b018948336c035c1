/**
 * The customer center (the seed's CQRS view): one row per order, keyed by orderId, with the order's and its
 * delivery's status, folded only from events (no context's data is read). Events arrive on separate channels,
 * in any order and sometimes twice: every field only moves forward, so any permutation folds to the same row.
 */
import { advance, later, type DomainEvent } from "../../domain";
import type { OrderDetails, ProductOrderEvent } from "./events";
import { DELIVERY_PROGRESS, ORDER_PROGRESS, PAY_PROGRESS, type OrderDeliveryStatus, type OrderPayStatus, type OrderStatus } from "./order.domain";

/** The statuses an established order shows (never payPending or payFailed: those are not listed). */
export type CustomerCenterOrderStatus = Exclude<OrderStatus, "payPending" | "payFailed">;

export interface CustomerCenterRow extends Partial<Omit<OrderDetails, "orderId">> {
	orderId: string;
	orderStatus?: CustomerCenterOrderStatus;
	payStatus?: OrderPayStatus;
	deliveryStatus?: OrderDeliveryStatus;
	/** Why the product refused the order (rejected). */
	rejectReason?: string;
	/** Listed once the order is established (Ordered folded). */
	ordered: boolean;
	updatedAt: string;
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The order's rank, for the statuses the view shows. */
const VIEW_PROGRESS: Readonly<Record<CustomerCenterOrderStatus, number>> = ORDER_PROGRESS;

const orderStatus = (r: CustomerCenterRow, next: CustomerCenterOrderStatus): CustomerCenterOrderStatus => advance(VIEW_PROGRESS, r.orderStatus, next);
const deliveryStatus = (r: CustomerCenterRow, next: OrderDeliveryStatus): OrderDeliveryStatus => advance(DELIVERY_PROGRESS, r.deliveryStatus, next);

/** What the order's details are, from an event that carries them (absent fields stay as they are). */
function details(d: Readonly<Record<string, unknown>>): Partial<CustomerCenterRow> {
	const found = { item: text(d.item), itemcd: text(d.itemcd), orderQty: num(d.orderQty), price: num(d.price), amount: num(d.amount), address: text(d.address) };
	return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

/** What each event changes on the row. */
const CHANGES: Readonly<Partial<Record<ProductOrderEvent, (row: CustomerCenterRow, data: Readonly<Record<string, unknown>>) => Partial<CustomerCenterRow>>>> = {
	Ordered: (r, d) => ({ ...details(d), ordered: true, orderStatus: orderStatus(r, "ordered"), payStatus: advance(PAY_PROGRESS, r.payStatus, "approved") }),
	PayApproved: r => ({ payStatus: advance(PAY_PROGRESS, r.payStatus, "approved") }),
	PayCanceled: r => ({ payStatus: advance(PAY_PROGRESS, r.payStatus, "canceled") }),
	DeliveryPrepared: r => ({ orderStatus: orderStatus(r, "deliveryPrepared"), deliveryStatus: deliveryStatus(r, "prepared") }),
	OutOfStock: (r, d) => ({ orderStatus: orderStatus(r, "rejected"), rejectReason: r.rejectReason ?? text(d.reason) }),
	DeliveryStarted: r => ({ orderStatus: orderStatus(r, "deliveryStarted"), deliveryStatus: deliveryStatus(r, "started") }),
	DeliveryCompleted: r => ({ orderStatus: orderStatus(r, "deliveryCompleted"), deliveryStatus: deliveryStatus(r, "completed") }),
	DeliveryCanceled: r => ({ deliveryStatus: deliveryStatus(r, "canceled") }),
	OrderCanceled: r => ({ orderStatus: orderStatus(r, "canceled"), deliveryStatus: deliveryStatus(r, "canceled") })
};

/** The channels the customer center subscribes to: every status change of an order, its pay and its delivery. */
export const CUSTOMER_CENTER_EVENTS = Object.keys(CHANGES) as ProductOrderEvent[];

export function foldCustomerCenter(row: CustomerCenterRow | null, e: Pick<DomainEvent, "type" | "occurredAt" | "data">): CustomerCenterRow {
	const current: CustomerCenterRow = row ?? { orderId: String(e.data.orderId), ordered: false, updatedAt: e.occurredAt };
	const change = CHANGES[e.type as ProductOrderEvent];
	const next: CustomerCenterRow = change ? { ...current, ...change(current, e.data) } : { ...current };
	next.customer = current.customer ?? text(e.data.customer);
	next.updatedAt = later(current.updatedAt, e.occurredAt);
	return next;
}
