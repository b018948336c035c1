/**
 * What the customer is told (the seed's KakaoTalk: "창고 제품의 상태 및 수량이 바뀔 때 마다 카톡으로 알림을
 * 보낸다"): one message per change, in Korean — a delivery requested, received, cancelled; stock shipped or
 * disposed of. A receipt is one change told by two contexts (the warehouse's InStock, the delivery's
 * DeliveryReceived): its message is the InStock's, which says the quantity the stock holds now; the other says
 * nothing more, so the customer never gets two messages for one receipt.
 * Plain TypeScript: the notification context (notification.service.ts) sends through the outbound adapter.
 */
import type { WarehouseEvent, WarehouseEvents } from "./events";

/** The message as the spec shapes it (`{ customer, kind, refId, message, sentAt }`), with the stock it is about. */
export interface MessageFields {
	customer: string;
	/** The change it tells: the event's type. */
	kind: MessageEvent;
	/** What it is about: the delivery (requests, receipts, cancellations) or the stock (shipments, disposals). */
	refId: string;
	message: string;
	stockId: string;
	deliveryId?: string;
}

/** A message to send: its fields and the outbound draft (to whom, the text). */
export type MessageToSend = MessageFields & { recipient: string; text: string };

/** The events that make a message, and what each one reads beyond its key. */
export const MESSAGE_EVENTS = ["DeliveryRequested", "InStock", "DeliveryCancelled", "Shipped", "Disposed"] as const satisfies readonly WarehouseEvent[];
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

type Texts = { [T in MessageEvent]: (d: WarehouseEvents[T]) => string };

const TEXTS: Texts = {
	DeliveryRequested: d => `[창고] ${d.product} ${d.qty}개 입고 요청이 접수되었습니다.`,
	InStock: d => `[창고] ${d.product} ${d.qty}개가 입고되었습니다. 현재 재고 ${d.quantity}개.`,
	DeliveryCancelled: d => `[창고] ${d.product} ${d.qty}개 입고 요청이 취소되었습니다.`,
	Shipped: d => `[창고] ${d.product} ${d.qty}개가 출고되었습니다. 남은 재고 ${d.quantity}개.`,
	Disposed: d => `[창고] ${d.product} ${d.qty}개가 폐기되었습니다 (사유: ${d.reason}). 남은 재고 ${d.quantity}개.`
};

/** The one message an event of type `T` makes. */
export function messageFor<T extends MessageEvent>(type: T, data: WarehouseEvents[T]): MessageToSend {
	const text = (TEXTS[type] as (d: WarehouseEvents[T]) => string)(data);
	const about = "deliveryId" in data && typeof data.deliveryId === "string" ? { refId: data.deliveryId, deliveryId: data.deliveryId } : { refId: data.stockId };
	return { customer: data.customer, kind: type, ...about, stockId: data.stockId, message: text, recipient: data.customer, text };
}

/** What MessageSent tells of a message that went out. */
export function messageSent(record: MessageFields & { id: string; sentAt?: string }): WarehouseEvents["MessageSent"] {
	return {
		messageId: record.id,
		customer: record.customer,
		kind: record.kind,
		refId: record.refId,
		stockId: record.stockId,
		...(record.deliveryId ? { deliveryId: record.deliveryId } : {}),
		sentAt: record.sentAt ?? ""
	};
}
