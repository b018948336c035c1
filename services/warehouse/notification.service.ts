/**
 * warehouse.notification — tells the customer of every change (the seed's KakaoTalk): one message per change,
 * never two (its id is the event's id), through the outbound adapter (OUTBOUND_PROVIDER: `record` keeps it in
 * this context's log, `webhook` posts it with the id as Idempotency-Key), retried by redelivery when the
 * provider fails; MessageSent once it went out. `GET /notifications?customer=` reads the log.
 */
import type { DomainEvent } from "../../domain";
import type { AccessRule } from "../../lib/access";
import type { DataContract } from "../../lib/contracts";
import type { ListSpec } from "../../mixins/listing";
import { notifications, type MessageRule } from "../../mixins/notifications.mixin";
import type { ContextSchema } from "../../mixins/schema";
import type { WarehouseEvents } from "./events";
import { messageFor, messageSent, type MessageEvent, type MessageFields } from "./notification.domain";

const LIST: ListSpec = { filters: { customer: "string", kind: "string", refId: "string", stockId: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads their own messages; staff all of them. */
const READ: AccessRule = { roles: ["customer", "warehouse", "admin"], owner: "customer" };

const DELIVERY = { stockId: "string|empty:false", customer: "string|empty:false", product: "string|empty:false", qty: "number|integer|positive" } as const;
const STOCK = { customer: "string|empty:false", product: "string|empty:false", qty: "number|integer|positive", quantity: "number|integer|min:0" } as const;

/** One message rule: the key of the event, what its text reads (checked before the message is made), the message. */
function rule<T extends MessageEvent, K extends keyof WarehouseEvents[T] & string>(type: T, key: K, contract: DataContract<WarehouseEvents[T], K>): MessageRule<MessageFields> {
	return {
		key,
		contract,
		// The consumer checked the event's data against `contract` before this runs: it is the event's payload.
		message: (event: DomainEvent) => messageFor(type, event.data as WarehouseEvents[T])
	};
}

const service: ContextSchema = {
	name: "warehouse.notification",
	mixins: [
		notifications<MessageFields>({
			system: "warehouse",
			channel: "warehouse.kakaotalk",
			rules: {
				DeliveryRequested: rule("DeliveryRequested", "deliveryId", DELIVERY),
				InStock: rule("InStock", "deliveryId", { ...DELIVERY, quantity: STOCK.quantity }),
				DeliveryCancelled: rule("DeliveryCancelled", "deliveryId", DELIVERY),
				Shipped: rule("Shipped", "stockId", STOCK),
				Disposed: rule("Disposed", "stockId", { ...STOCK, reason: "string" })
			} satisfies Record<MessageEvent, MessageRule<MessageFields>>,
			sentEvent: "MessageSent",
			sentData: record => messageSent(record),
			entity: "Message",
			list: LIST,
			read: READ
		})
	]
};

export default service;
