/**
 * flowerdelivery.delivery — delivery requests for decorated orders; the rider starts and completes them.
 */
import type { Context, Service } from "moleculer";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume } from "../../mixins/channels";
import { notFound } from "../../mixins/errors";
import { idParam, listParams, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { Decision } from "../shared/domain";
import { complete, onDecorationCompleted, onOrderCancelled, start, type DecorationCompletedData, type Delivery } from "./delivery.domain";

const LIST: ListSpec = { filters: { status: "string", storeName: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

interface DeliveryMethods extends AggregateMethods<Delivery> {
	command(id: string, ctx: Context, decide: (d: Delivery, now: string) => Decision<Delivery>): Promise<Delivery | null>;
}
type DeliveryService = Service & DeliveryMethods;

const service: ContextSchema<DeliveryMethods> = {
	name: "flowerdelivery.delivery",
	mixins: [aggregateStore<Delivery>({ system: "flowerdelivery" })],

	actions: {
		list: {
			params: listParams(LIST),
			async handler(this: DeliveryService, ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, LIST));
			}
		},
		get: {
			params: idParam,
			async handler(this: DeliveryService, ctx: Context<{ id: string }>) {
				const d = await this.loadState(ctx.params.id);
				if (!d) throw notFound("Delivery", ctx.params.id);
				return d;
			}
		},
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
		"flowerdelivery.DecorationCompleted": consume<DeliveryService, DecorationCompletedData>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onDecorationCompleted(cur, e.data, e.occurredAt), { ctx, causationId: e.id });
		}),
		"flowerdelivery.OrderCancelled": consume<DeliveryService, { storeName: string; userName: string }>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderCancelled(cur, e.data, e.occurredAt), { ctx, causationId: e.id });
		})
	},

	methods: {
		command(this: DeliveryService, id: string, ctx: Context, decide: (d: Delivery, now: string) => Decision<Delivery>) {
			return this.commit(
				id,
				cur => {
					if (!cur) throw notFound("Delivery", id);
					return decide(cur, new Date().toISOString());
				},
				{ ctx }
			);
		}
	}
};

export default service;
