/**
 * flowerdelivery.delivery — delivery requests for decorated orders; the rider starts and completes them.
 */
import type { Context, Service } from "moleculer";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { idParam, readActions, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { complete, onDecorationCompleted, onOrderCancelled, start, type DecorationCompletedData, type Delivery } from "./delivery.domain";

const LIST: ListSpec = { filters: { status: "string", storeName: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

type DeliveryService = Service & AggregateMethods<Delivery>;

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "flowerdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "flowerdelivery", entity: "Delivery" })],

	actions: {
		...readActions<Delivery>(LIST),
		start: {
			params: idParam,
			handler(this: DeliveryService, ctx: Context<{ id: string }>) {
				return this.command(ctx.params.id, ctx, start);
			}
		},
		complete: {
			params: idParam,
			handler(this: DeliveryService, ctx: Context<{ id: string }>) {
				return this.command(ctx.params.id, ctx, complete);
			}
		}
	},

	channels: {
		"flowerdelivery.DecorationCompleted": policy<Delivery, DecorationCompletedData>((cur, e) => onDecorationCompleted(cur, e.data, e.occurredAt)),
		"flowerdelivery.OrderCancelled": policy<Delivery, { storeName: string; userName: string }>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt))
	}
};

export default service;
