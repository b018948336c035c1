/**
 * fishdelivery.delivery — the shop's own rider: a delivery starts by itself when the shop took the order
 * (OrderTaken), the rider completes it, a canceled order calls it back.
 */
import type { AccessRule } from "../../mixins/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { complete, onOrderCanceled, onOrderTaken, type Delivery } from "./delivery.domain";
import type { FishEvents } from "./events";
import { CANCELED_ORDER_CONTRACT, ORDER_DETAILS_CONTRACT } from "./params";

const LIST: ListSpec = { filters: { orderId: "string", status: "string", customerName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** The shop's riders complete deliveries. */
const RIDERS: AccessRule = { roles: ["rider", "admin"] };

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "fishdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "fishdelivery", entity: "Delivery", list: LIST, read: RIDERS })],

	actions: {
		complete: commandAction<Delivery>(complete, {}, RIDERS)
	},

	channels: {
		"fishdelivery.OrderTaken": policy<Delivery, FishEvents["OrderTaken"]>((cur, e) => onOrderTaken(cur, e.data, e.occurredAt), { contract: ORDER_DETAILS_CONTRACT }),
		"fishdelivery.OrderCanceled": policy<Delivery, FishEvents["OrderCanceled"]>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), { contract: CANCELED_ORDER_CONTRACT })
	}
};

export default service;
