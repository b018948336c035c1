/**
 * flowerdelivery.delivery — delivery requests for decorated orders; the rider starts and completes them.
 */
import type { AccessRule } from "../../mixins/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { complete, onDecorationCompleted, onOrderCancelled, start, type DecorationCompletedData, type Delivery } from "./delivery.domain";

const LIST: ListSpec = { filters: { status: "string", storeName: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

/** Riders see the delivery requests and start and complete deliveries. */
const RIDERS: AccessRule = { roles: ["rider", "admin"] };

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "flowerdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "flowerdelivery", entity: "Delivery", list: LIST, read: RIDERS })],

	actions: {
		start: commandAction<Delivery>(start, {}, RIDERS),
		complete: commandAction<Delivery>(complete, {}, RIDERS)
	},

	channels: {
		"flowerdelivery.DecorationCompleted": policy<Delivery, DecorationCompletedData>((cur, e) => onDecorationCompleted(cur, e.data, e.occurredAt), {
			contract: { storeName: "string|empty:false", itemName: "string", qty: "number|integer|positive", userName: "string|empty:false" }
		}),
		"flowerdelivery.OrderCancelled": policy<Delivery, { storeName: string; userName: string }>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt), {
			contract: { storeName: "string|empty:false", userName: "string|empty:false" }
		})
	}
};

export default service;
