/**
 * thedraw.notification — one SMS per change of an entry's status (EntryStatusChanged), through the outbound
 * adapter (OUTBOUND_PROVIDER: `record` keeps it in this log, `webhook` POSTs it to an SMS gateway with its id
 * as Idempotency-Key), never two for one change, retried by redelivery when the provider fails; SmsSent once
 * sent. The log: `GET /notifications?userId=&entryId=`.
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { notifications, type MessageRecord } from "../../mixins/notifications.mixin";
import type { DrawEvents } from "./events";
import { smsFor, smsSent, type SmsFields } from "./notification.domain";

const LIST: ListSpec = { filters: { userId: "string", entryId: "string", drawId: "string", entryStatus: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "sentAt"], defaultSort: "createdAt" };

const service: ContextSchema = {
	name: "thedraw.notification",
	mixins: [
		notifications<SmsFields>({
			system: "thedraw",
			channel: "thedraw.sms",
			rules: {
				EntryStatusChanged: {
					key: "entryId",
					// What the SMS says and to whom: the entry as it now is.
					contract: { status: { type: "enum", values: ["applied", "cancelled", "won", "lost", "purchased", "winCancelled"] }, drawId: "string|empty:false", userId: "string|empty:false", phone: "string|optional", drawName: "string", size: "number", orderId: "string|optional" },
					message: event => smsFor(event.data as DrawEvents["EntryStatusChanged"])
				}
			},
			sentEvent: "SmsSent",
			sentData: (record: MessageRecord<SmsFields>) => smsSent(record),
			entity: "SMS",
			list: LIST,
			// A customer reads the SMS sent to them.
			read: { roles: ["customer", "admin"], owner: "userId" }
		})
	]
};

export default service;
