/**
 * fishdelivery.fishstore — the fish shop: paid orders reach it (PayApproved), the owner takes them and
 * prepares the dish (OrderTaken), canceled orders are dropped.
 */
import type { AccessRule } from "../../lib/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { FishEvents } from "./events";
import { onOrderCanceled, onPayApproved, take, type FishOrder } from "./fishstore.domain";
import { CANCELED_ORDER_CONTRACT, ORDER_DETAILS_CONTRACT } from "./params";

const LIST: ListSpec = { filters: { status: "string", customerName: "string", fishName: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** The statuses `PATCH /fishstores/:id` may ask for, and the command that gets there (the seed: status="prepared"). */
const ON_STATUS = { prepared: take } as const;

/** The shop owner (the seed's one fish shop: its orders carry no store name to scope by). */
const SHOP: AccessRule = { roles: ["store", "admin"] };

const service: ContextSchema<AggregateMethods<FishOrder>> = {
	name: "fishdelivery.fishstore",
	mixins: [aggregateStore<FishOrder>({ system: "fishdelivery", entity: "Fish order", list: LIST, read: SHOP })],

	actions: {
		take: commandAction<FishOrder>(take, {}, SHOP),
		update: commandAction<FishOrder, { status: keyof typeof ON_STATUS }>((o, now, p) => ON_STATUS[p.status](o, now), { status: { type: "enum", values: Object.keys(ON_STATUS) } }, SHOP)
	},

	channels: {
		"fishdelivery.PayApproved": policy<FishOrder, FishEvents["PayApproved"]>((cur, e) => onPayApproved(cur, e.data, e.occurredAt), { key: "orderId", contract: ORDER_DETAILS_CONTRACT }),
		"fishdelivery.OrderCanceled": policy<FishOrder, FishEvents["OrderCanceled"]>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), { key: "orderId", contract: CANCELED_ORDER_CONTRACT })
	}
};

export default service;
