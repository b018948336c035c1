/** The product-order mall: each producer's commands and policies, fed with what the other producers told. */
import * as delivery from "../../services/productorder/delivery.domain";
import type { ProductOrderEvents } from "../../services/productorder/events";
import { noticeFor, noticeSent } from "../../services/productorder/notice.domain";
import * as order from "../../services/productorder/order.domain";
import * as pay from "../../services/productorder/pay.domain";
import * as product from "../../services/productorder/product.domain";
import { recorder, type Produced } from "./recorder";

const T = "2026-01-01T00:00:00.000Z";

export function produces(): Produced[] {
	const { produced, tell, dataOf } = recorder("productorder");
	const input = { item: "milk", itemcd: "2", orderQty: 1, price: 2000, customer: "mallbuyer", address: "seoul" };
	// The orderIds are UUIDs, as the order context makes them.
	const id = "0b6f8a52-6b1e-4c64-9a55-1d2b0c3e4f51";

	const pending = order.startPlacement(id, input, T).state;
	const ordered = tell("order", "paySucceeded", order.paySucceeded(pending, T));
	tell("order", "payFailed", order.payFailed(pending, "REQUEST_TIMEOUT", T));
	tell("order", "cancel", order.cancel(ordered, T));

	const approved = pay.approve(null, order.payRequest(ordered), { declineAbove: 0 }, T)!.state;
	const told = tell("pay", "onOrdered", pay.onOrdered(approved, T));
	tell("pay", "onOrderCanceled", pay.onOrderCanceled(told, T));
	tell("pay", "onOutOfStock", pay.onOutOfStock(told, T));

	const payApproved = dataOf<ProductOrderEvents["PayApproved"]>("PayApproved");
	const stocked = product.addProduct("2", { totalQuantity: 1 }, T).state;
	tell("product", "onPayApproved (reserved)", product.onPayApproved(stocked, payApproved, T));
	tell("product", "onPayApproved (short)", product.onPayApproved(stocked, { ...payApproved, orderQty: 2 }, T));
	tell("product", "refuseUnknownItem", product.refuseUnknownItem({ ...payApproved, itemcd: "404" }, T));

	const prepared = tell("delivery", "onDeliveryPrepared", delivery.onDeliveryPrepared(null, dataOf<ProductOrderEvents["DeliveryPrepared"]>("DeliveryPrepared"), T));
	const started = tell("delivery", "start", delivery.start(prepared, T));
	tell("delivery", "complete", delivery.complete(started, T));
	tell("delivery", "acceptCancel (prepared)", delivery.acceptCancel(prepared, order.cancelRequest(ordered), T));
	tell("delivery", "acceptCancel (nothing prepared)", delivery.acceptCancel(null, order.cancelRequest(ordered), T));
	tell("delivery", "onOrderCanceled", delivery.onOrderCanceled(prepared, dataOf<ProductOrderEvents["OrderCanceled"]>("OrderCanceled"), T));

	const notice = noticeFor("Ordered", dataOf<ProductOrderEvents["Ordered"]>("Ordered"))!;
	const record = { ...notice, id: "e1", eventType: "Ordered", status: "sent" as const, attempts: 1, sentAt: T, createdAt: T, updatedAt: T };
	tell("notice", "sent", { state: record, events: [noticeSent(record)] });
	return produced;
}
