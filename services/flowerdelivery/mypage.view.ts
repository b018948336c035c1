/**
 * MyPage read model: one row per order, folded only from events (no context's data is read).
 * Events arrive on separate channels, so in any order: each fold only moves a status forward.
 */
import { advance, later } from "../../domain";
import type { FlowerEvent } from "./events";
import { DELIVERY_PROGRESS, ORDER_PROGRESS, type OrderStatus } from "./order.domain";

export interface MyPageRow {
	orderId: string;
	userName?: string;
	storeName?: string;
	itemName?: string;
	orderQty?: number;
	itemPrice?: number;
	orderStatus?: OrderStatus;
	paymentStatus?: "Approved" | "Cancelled";
	paymentCancelReason?: string;
	deliveryStatus?: "Requested" | "Started" | "Completed" | "Cancelled";
	rejectReason?: string;
	/** Listed only once the order is established (OrderPlaced folded). */
	placed: boolean;
	updatedAt: string;
}

export interface MyPageEvent {
	type: string;
	occurredAt: string;
	data: Readonly<Record<string, unknown>>;
}

const orderStatus = (current: OrderStatus | undefined, next: OrderStatus): OrderStatus => advance(ORDER_PROGRESS, current, next);

const deliveryStatus = (current: MyPageRow["deliveryStatus"], next: NonNullable<MyPageRow["deliveryStatus"]>): MyPageRow["deliveryStatus"] => advance(DELIVERY_PROGRESS, current, next);

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** The channels MyPage subscribes to: every status change of an order and its delivery. */
export const MYPAGE_EVENTS: readonly FlowerEvent[] = [
	"OrderPlaced",
	"OrderCancelled",
	"PaymentApproved",
	"PaymentCancelled",
	"OrderAccepted",
	"OrderRejected",
	"DecorationCompleted",
	"DeliveryRequested",
	"DeliveryStarted",
	"DeliveryCompleted",
	"DeliveryCancelled"
];

export function foldMyPage(row: MyPageRow | null, e: MyPageEvent): MyPageRow {
	const r: MyPageRow = row ? { ...row } : { orderId: String(e.data.orderId), placed: false, updatedAt: e.occurredAt };
	const d = e.data;
	r.userName = r.userName ?? str(d.userName);
	switch (e.type) {
		case "OrderPlaced":
			Object.assign(r, { placed: true, storeName: str(d.storeName), itemName: str(d.itemName), orderQty: num(d.qty), itemPrice: num(d.itemPrice) });
			r.orderStatus = orderStatus(r.orderStatus, "Placed");
			break;
		case "OrderCancelled":
			r.orderStatus = orderStatus(r.orderStatus, "Cancelled");
			break;
		case "PaymentApproved":
			r.paymentStatus = r.paymentStatus ?? "Approved";
			break;
		case "PaymentCancelled":
			r.paymentStatus = "Cancelled";
			r.paymentCancelReason = str(d.reason);
			break;
		case "OrderAccepted":
			r.orderStatus = orderStatus(r.orderStatus, "Accepted");
			break;
		case "OrderRejected":
			r.orderStatus = orderStatus(r.orderStatus, "Rejected");
			r.rejectReason = str(d.reason);
			break;
		case "DecorationCompleted":
			r.orderStatus = orderStatus(r.orderStatus, "Decorated");
			break;
		case "DeliveryRequested":
			r.deliveryStatus = deliveryStatus(r.deliveryStatus, "Requested");
			break;
		case "DeliveryStarted":
			r.deliveryStatus = deliveryStatus(r.deliveryStatus, "Started");
			r.orderStatus = orderStatus(r.orderStatus, "Delivering");
			break;
		case "DeliveryCompleted":
			r.deliveryStatus = deliveryStatus(r.deliveryStatus, "Completed");
			r.orderStatus = orderStatus(r.orderStatus, "Delivered");
			break;
		case "DeliveryCancelled":
			r.deliveryStatus = deliveryStatus(r.deliveryStatus, "Cancelled");
			break;
	}
	r.updatedAt = later(r.updatedAt, e.occurredAt);
	return r;
}
