/**
 * flowerdelivery.delivery — delivery requests for decorated orders; the rider starts and completes them.
 * It owns the saga's pivot: an order's cancel is asked of it (`cancel`, the saga's `cancelDelivery` step)
 * and accepted only until the rider starts.
 */
import type { Context, Service } from "moleculer";
import type { AccessRule } from "../../lib/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { syncStep } from "../../mixins/sync-step";
import { acceptCancel, complete, onDecorationCompleted, onOrderCancelled, start, type CancelRequest, type DecorationCompletedData, type Delivery } from "./delivery.domain";
import type { FlowerEvents } from "./events";

const LIST: ListSpec = { filters: { status: "string", storeName: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

/** Riders see the delivery requests and start and complete deliveries. */
const RIDERS: AccessRule = { roles: ["rider", "admin"] };

type DeliveryService = Service & AggregateMethods<Delivery>;

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "flowerdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "flowerdelivery", entity: "Delivery", list: LIST, read: RIDERS })],

	actions: {
		start: commandAction<Delivery>(start, {}, RIDERS),
		complete: commandAction<Delivery>(complete, {}, RIDERS),
		/** The order's cancel, asked of the pivot's owner: accepted (cancelled, told) or refused with the status (409). */
		cancel: syncStep<DeliveryService, CancelRequest>(
			{
				orderId: { type: "string", min: 1, max: 100 },
				userName: { type: "string", min: 1, max: 100 },
				storeName: { type: "string", min: 1, max: 100 },
				itemName: { type: "string", min: 1, max: 200 },
				qty: { type: "number", integer: true, positive: true }
			},
			function (this: DeliveryService, ctx: Context<CancelRequest>) {
				return this.commit(ctx.params.orderId, cur => acceptCancel(cur, ctx.params, new Date().toISOString()), { ctx });
			}
		)
	},

	channels: {
		"flowerdelivery.DecorationCompleted": policy<Delivery, DecorationCompletedData>((cur, e) => onDecorationCompleted(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { storeName: "string|empty:false", itemName: "string", qty: "number|integer|positive", userName: "string|empty:false" }
		}),
		"flowerdelivery.OrderCancelled": policy<Delivery, FlowerEvents["OrderCancelled"]>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { storeName: "string|empty:false", userName: "string|empty:false" }
		})
	}
};

export default service;
