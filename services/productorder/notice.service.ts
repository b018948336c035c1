/**
 * productorder.notice — tells the customer every status change of their order and its delivery (the seed's
 * KakaoTalk), once per event, through the outbound adapter chosen by OUTBOUND_PROVIDER (`record` by default:
 * kept in this context's log; `webhook`: POSTed with the notice id as Idempotency-Key). A provider that fails
 * is tried again (the event is redelivered); the customer reads their notices with `GET /notices?orderId=`.
 */
import type { DomainEvent } from "../../domain";
import type { EventContract } from "../../lib/contracts";
import type { ListSpec } from "../../mixins/listing";
import { notifications, type MessageRule } from "../../mixins/notifications.mixin";
import type { ContextSchema } from "../../mixins/schema";
import type { ProductOrderEvent, ProductOrderEvents } from "./events";
import { CHANNEL, NOTICE_EVENTS, noticeFor, noticeSent, type NoticeFields } from "./notice.domain";
import { ORDER_DETAILS_CONTRACT } from "./params";

const LIST: ListSpec = { filters: { orderId: "string", customer: "string", subject: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

/** What each notice reads from its event beyond `orderId` (the customer always). */
const NEEDS: Partial<Record<ProductOrderEvent, EventContract>> = {
	Ordered: ORDER_DETAILS_CONTRACT,
	DeliveryPrepared: { customer: "string|empty:false", item: "string|empty:false", orderQty: "number|integer|positive" },
	OutOfStock: { customer: "string|empty:false", itemcd: "string|empty:false", reason: { type: "enum", values: ["short", "unknownItem"] } },
	DeliveryCanceled: { customer: "string|empty:false", wasPrepared: "boolean" }
};

function rule(type: ProductOrderEvent): MessageRule<NoticeFields> {
	return {
		key: "orderId",
		contract: NEEDS[type] ?? { customer: "string|empty:false" },
		message: (event: DomainEvent) => noticeFor(type, event.data as ProductOrderEvents[typeof type])
	};
}

const service: ContextSchema = {
	name: "productorder.notice",
	mixins: [
		notifications<NoticeFields>({
			system: "productorder",
			channel: `productorder.${CHANNEL}`,
			rules: Object.fromEntries(NOTICE_EVENTS.map(type => [type, rule(type)])),
			sentEvent: "NoticeSent",
			sentData: record => noticeSent(record).data,
			entity: "Notice",
			list: LIST,
			// A customer reads the notices of their own orders.
			read: { roles: ["customer", "admin"], owner: "customer" }
		})
	]
};

export default service;
