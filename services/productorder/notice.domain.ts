/**
 * Notices (the seed's KakaoTalk): every status change of an order or of its delivery tells the customer,
 * in Korean, once. What each event says is decided here; the notice context sends it through the outbound
 * adapter and keeps the record (`{ orderId, customer, channel, message, sentAt }`, readable by the customer).
 */
import { productOrderEvent, type ProductOrderEvent, type ProductOrderEvents } from "./events";

/** What a notice is about: the order's status or its delivery's. */
export type NoticeSubject = "order" | "delivery";

/** The mall's fields of a notice record. */
export interface NoticeFields {
	orderId: string;
	customer: string;
	channel: "kakaotalk";
	/** The Korean text sent. */
	message: string;
	subject: NoticeSubject;
	/** The status it announces ("canceled", "started", …). */
	announces: string;
}

/** A notice to send: the mall's fields and the outbound message (who, what). */
export type NoticeDraft = NoticeFields & { recipient: string; text: string };

export const CHANNEL = "kakaotalk" as const;

type Data<T extends ProductOrderEvent> = ProductOrderEvents[T];

const won = (n: number) => `${n.toLocaleString("ko-KR")}원`;

interface Said {
	subject: NoticeSubject;
	announces: string;
	message: string;
}

/** By event: the subject, the status announced and the message, or null when the change tells the customer nothing. */
const SAYS: { [T in ProductOrderEvent]?: (d: Data<T>) => Said | null } = {
	Ordered: d => ({ subject: "order", announces: "ordered", message: `[주문접수] ${d.item} ${d.orderQty}개 주문이 접수되었습니다. 결제금액 ${won(d.amount)}이 결제되었습니다.` }),
	DeliveryPrepared: d => ({ subject: "order", announces: "deliveryPrepared", message: `[상품준비] ${d.item} ${d.orderQty}개 상품이 준비되어 배송을 준비하고 있습니다.` }),
	OutOfStock: d => ({
		subject: "order",
		announces: "rejected",
		message: d.reason === "unknownItem" ? `[주문거절] 판매하지 않는 상품(상품코드 ${d.itemcd})이라 주문이 거절되었습니다. 결제는 취소됩니다.` : `[주문거절] 재고가 부족하여 주문이 거절되었습니다. 결제는 취소됩니다.`
	}),
	OrderCanceled: () => ({ subject: "order", announces: "canceled", message: "[주문취소] 주문이 취소되었습니다. 결제는 취소됩니다." }),
	DeliveryStarted: () => ({ subject: "delivery", announces: "started", message: "[배송시작] 상품 배송이 시작되었습니다." }),
	DeliveryCompleted: () => ({ subject: "delivery", announces: "completed", message: "[배송완료] 상품 배송이 완료되었습니다." }),
	// A delivery that was never prepared was never told: its cancel is the order's, already told.
	DeliveryCanceled: d => (d.wasPrepared ? { subject: "delivery", announces: "canceled", message: "[배송취소] 준비 중이던 배송이 취소되었습니다." } : null)
};

/** The events that tell the customer something. */
export const NOTICE_EVENTS = Object.keys(SAYS) as ProductOrderEvent[];

/** The notice an event makes (null: nothing to tell). */
export function noticeFor<T extends ProductOrderEvent>(type: T, data: Data<T>): NoticeDraft | null {
	const says: ((d: Data<T>) => Said | null) | undefined = SAYS[type];
	const said = says?.(data);
	if (!said) return null;
	const { orderId, customer }: { orderId: string; customer: string } = data;
	return { orderId, customer, channel: CHANNEL, ...said, recipient: customer, text: said.message };
}

/** A notice that was sent, as NoticeSent tells it. */
export function noticeSent(n: { id: string; orderId: string; customer: string; channel: string; message: string; sentAt?: string; updatedAt: string }) {
	return productOrderEvent("NoticeSent", { orderId: n.orderId, customer: n.customer, noticeId: n.id, channel: n.channel, message: n.message, sentAt: n.sentAt ?? n.updatedAt });
}
