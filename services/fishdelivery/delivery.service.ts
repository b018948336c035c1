/**
 * fishdelivery.delivery — the shop's own rider: a delivery starts by itself when the shop took the order
 * (OrderTaken), the rider completes it. It owns the saga's pivot: an order's cancel is asked of it (`cancel`)
 * and accepted only until the delivery has started.
 */
import type { AccessRule } from "../../lib/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { Context, Service } from "moleculer";
import type { ContextSchema } from "../../mixins/schema";
import { syncStep } from "../../mixins/sync-step";
import { acceptCancel, complete, onOrderCanceled, onOrderTaken, type CancelRequest, type Delivery } from "./delivery.domain";
import type { FishEvents } from "./events";
import { CANCELED_ORDER_CONTRACT, ORDER_DETAILS_CONTRACT, ORDER_DETAILS_PARAMS } from "./params";

const LIST: ListSpec = { filters: { orderId: "string", status: "string", customerName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** The shop's riders complete deliveries. */
const RIDERS: AccessRule = { roles: ["rider", "admin"] };

type DeliveryService = Service & AggregateMethods<Delivery>;

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "fishdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "fishdelivery", entity: "Delivery", list: LIST, read: RIDERS })],

	actions: {
		complete: commandAction<Delivery>(complete, {}, RIDERS),
		/** The order's cancel, asked of the pivot's owner: accepted (canceled, told) or refused with the status (409). */
		cancel: syncStep<DeliveryService, CancelRequest>(
			{ orderId: { type: "string", min: 1, max: 100 }, ...ORDER_DETAILS_PARAMS },
			function (this: DeliveryService, ctx: Context<CancelRequest>) {
				return this.commit(ctx.params.orderId, cur => acceptCancel(cur, ctx.params, new Date().toISOString()), { ctx });
			}
		)
	},

	channels: {
		"fishdelivery.OrderTaken": policy<Delivery, FishEvents["OrderTaken"]>((cur, e) => onOrderTaken(cur, e.data, e.occurredAt), { key: "orderId", contract: ORDER_DETAILS_CONTRACT }),
		"fishdelivery.OrderCanceled": policy<Delivery, FishEvents["OrderCanceled"]>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), { key: "orderId", contract: CANCELED_ORDER_CONTRACT })
	}
};

export default service;
