/**
 * MyPage read model (the seed's CQRS view): one row per order, keyed by orderId, folded only from events,
 * filterable by `status`. Events arrive on separate channels, so in any order: statuses only move forward.
 */
import { advance, later, type DomainEvent } from "../../domain";
import type { FishEvent, FishOrderDetails } from "./events";
import { ORDER_PROGRESS, type Order, type OrderStatus } from "./order.domain";

export interface MyPageRow extends Partial<FishOrderDetails> {
	orderId: string;
	/** The order's status as the customer sees it: Placed, Taken, Delivering, Delivered or Canceled. */
	status?: OrderStatus;
	paymentStatus?: NonNullable<Order["paymentStatus"]>;
	deliveryStatus?: NonNullable<Order["deliveryStatus"]>;
	/** Shown only once the order is established (OrderPlaced folded); a failed placement never shows. */
	placed: boolean;
	updatedAt: string;
}

const PAYMENT_PROGRESS = { Approved: 1, Canceled: 2 } as const;
const DELIVERY_PROGRESS = { Started: 1, Completed: 2, Canceled: 2 } as const;

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function details(d: Record<string, unknown>): Partial<FishOrderDetails> {
	return { customerName: text(d.customerName), fishName: text(d.fishName), qty: typeof d.qty === "number" ? d.qty : undefined, telephone: text(d.telephone), address: text(d.address) };
}

/** What each event changes on the row. */
const CHANGES: Readonly<Record<FishEvent, (row: MyPageRow, data: Record<string, unknown>) => Partial<MyPageRow>>> = {
	OrderPlaced: (r, d) => ({ ...details(d), placed: true, status: advance(ORDER_PROGRESS, r.status, "Placed") }),
	PayApproved: r => ({ paymentStatus: advance(PAYMENT_PROGRESS, r.paymentStatus, "Approved") }),
	PayCanceled: r => ({ paymentStatus: advance(PAYMENT_PROGRESS, r.paymentStatus, "Canceled") }),
	OrderTaken: r => ({ status: advance(ORDER_PROGRESS, r.status, "Taken") }),
	DeliveryStarted: r => ({ status: advance(ORDER_PROGRESS, r.status, "Delivering"), deliveryStatus: advance(DELIVERY_PROGRESS, r.deliveryStatus, "Started") }),
	DeliveryCompleted: r => ({ status: advance(ORDER_PROGRESS, r.status, "Delivered"), deliveryStatus: advance(DELIVERY_PROGRESS, r.deliveryStatus, "Completed") }),
	DeliveryCanceled: r => ({ deliveryStatus: advance(DELIVERY_PROGRESS, r.deliveryStatus, "Canceled") }),
	OrderCanceled: r => ({ status: advance(ORDER_PROGRESS, r.status, "Canceled") })
};

/** The channels MyPage subscribes to: every fact of the system. */
export const MYPAGE_EVENTS = Object.keys(CHANGES) as FishEvent[];

export function foldMyPage(row: MyPageRow | null, e: Pick<DomainEvent, "type" | "occurredAt" | "data">): MyPageRow {
	const current: MyPageRow = row ?? { orderId: String(e.data.orderId), placed: false, updatedAt: e.occurredAt };
	const change = CHANGES[e.type as FishEvent];
	const next: MyPageRow = change ? { ...current, ...change(current, e.data) } : { ...current };
	next.updatedAt = later(next.updatedAt, e.occurredAt);
	return next;
}
