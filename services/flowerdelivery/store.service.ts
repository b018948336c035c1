/**
 * flowerdelivery.store (the seed's "ordermanagement") — the shop owner accepts, rejects and decorates.
 */
import type { Context, Service } from "moleculer";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume } from "../../mixins/channels";
import { notFound } from "../../mixins/errors";
import { idParam, listParams, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { Decision } from "../shared/domain";
import { accept, decorate, onOrderCancelled, onOrderPlaced, reject, type OrderPlacedData, type StoreOrder } from "./store.domain";

const LIST: ListSpec = { filters: { storeName: "string", status: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

interface StoreMethods extends AggregateMethods<StoreOrder> {
	command(id: string, ctx: Context, decide: (o: StoreOrder, now: string) => Decision<StoreOrder>): Promise<StoreOrder | null>;
}
type StoreService = Service & StoreMethods;

const service: ContextSchema<StoreMethods> = {
	name: "flowerdelivery.store",
	mixins: [aggregateStore<StoreOrder>({ system: "flowerdelivery" })],

	actions: {
		list: {
			params: listParams(LIST),
			async handler(this: StoreService, ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, LIST));
			}
		},
		get: {
			params: idParam,
			async handler(this: StoreService, ctx: Context<{ id: string }>) {
				const o = await this.loadState(ctx.params.id);
				if (!o) throw notFound("Store order", ctx.params.id);
				return o;
			}
		},
		accept: {
			params: idParam,
			handler(this: StoreService, ctx: Context<{ id: string }>) {
				return this.command(ctx.params.id, ctx, accept);
			}
		},
		reject: {
			params: { ...idParam, reason: { type: "string", min: 1, max: 500, trim: true } },
			handler(this: StoreService, ctx: Context<{ id: string; reason: string }>) {
				return this.command(ctx.params.id, ctx, (o, now) => reject(o, ctx.params.reason, now));
			}
		},
		decorate: {
			params: idParam,
			handler(this: StoreService, ctx: Context<{ id: string }>) {
				return this.command(ctx.params.id, ctx, decorate);
			}
		}
	},

	channels: {
		"flowerdelivery.OrderPlaced": consume<StoreService, OrderPlacedData>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderPlaced(cur, e.data, e.occurredAt), { ctx, causationId: e.id });
		}),
		"flowerdelivery.OrderCancelled": consume<StoreService, { storeName: string; userName: string }>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderCancelled(cur, e.data, e.occurredAt), { ctx, causationId: e.id });
		})
	},

	methods: {
		command(this: StoreService, id: string, ctx: Context, decide: (o: StoreOrder, now: string) => Decision<StoreOrder>) {
			return this.commit(
				id,
				cur => {
					if (!cur) throw notFound("Store order", id);
					return decide(cur, new Date().toISOString());
				},
				{ ctx }
			);
		}
	}
};

export default service;
