/**
 * flowerdelivery.store (the seed's "ordermanagement") — the shop owner accepts, rejects and decorates.
 */
import type { Context, Service } from "moleculer";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { idParam, readActions, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { accept, decorate, onOrderCancelled, onOrderPlaced, reject, type OrderPlacedData, type StoreOrder } from "./store.domain";

const LIST: ListSpec = { filters: { storeName: "string", status: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

type StoreService = Service & AggregateMethods<StoreOrder>;

const service: ContextSchema<AggregateMethods<StoreOrder>> = {
	name: "flowerdelivery.store",
	mixins: [aggregateStore<StoreOrder>({ system: "flowerdelivery", entity: "Store order" })],

	actions: {
		...readActions<StoreOrder>(LIST),
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
		"flowerdelivery.OrderPlaced": policy<StoreOrder, OrderPlacedData>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt)),
		"flowerdelivery.OrderCancelled": policy<StoreOrder, { storeName: string; userName: string }>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt))
	}
};

export default service;
