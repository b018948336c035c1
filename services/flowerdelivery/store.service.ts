/**
 * flowerdelivery.store (the seed's "ordermanagement") — the shop owner accepts, rejects and decorates.
 */
import type { AccessRule } from "../../lib/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { FlowerEvents } from "./events";
import { accept, decorate, onOrderCancelled, onOrderPlaced, reject, type StoreOrder } from "./store.domain";

const LIST: ListSpec = { filters: { storeName: "string", status: "string", userName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A store owner sees and handles their own store's orders (the token's `store` is the order's `storeName`). */
const OWN_STORE: AccessRule = { roles: ["store", "admin"], store: "storeName" };

const service: ContextSchema<AggregateMethods<StoreOrder>> = {
	name: "flowerdelivery.store",
	mixins: [aggregateStore<StoreOrder>({ system: "flowerdelivery", entity: "Store order", list: LIST, read: OWN_STORE })],

	actions: {
		accept: commandAction<StoreOrder>(accept, {}, OWN_STORE),
		reject: commandAction<StoreOrder, { reason: string }>((o, now, p) => reject(o, p.reason, now), { reason: { type: "string", min: 1, max: 500, trim: true } }, OWN_STORE),
		decorate: commandAction<StoreOrder>(decorate, {}, OWN_STORE)
	},

	channels: {
		"flowerdelivery.OrderPlaced": policy<StoreOrder, FlowerEvents["OrderPlaced"]>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { storeName: "string|empty:false", itemName: "string", qty: "number|integer|positive", itemPrice: "number", userName: "string|empty:false" }
		}),
		"flowerdelivery.OrderCancelled": policy<StoreOrder, FlowerEvents["OrderCancelled"]>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { storeName: "string|empty:false", userName: "string|empty:false" }
		})
	}
};

export default service;
