/**
 * flowerdelivery.store (the seed's "ordermanagement") — the shop owner accepts, rejects and decorates.
 */
import type { AccessRule } from "../../mixins/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { accept, decorate, onOrderCancelled, onOrderPlaced, reject, type OrderPlacedData, type StoreOrder } from "./store.domain";

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
		"flowerdelivery.OrderPlaced": policy<StoreOrder, OrderPlacedData>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt), {
			contract: { storeName: "string|empty:false", itemName: "string", qty: "number|integer|positive", userName: "string|empty:false" }
		}),
		"flowerdelivery.OrderCancelled": policy<StoreOrder, { storeName: string; userName: string }>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt), {
			contract: { storeName: "string|empty:false", userName: "string|empty:false" }
		})
	}
};

export default service;
