/**
 * productorder.delivery — the courier's deliveries: one is prepared when the product reserved the order's
 * units (DeliveryPrepared); the courier starts it and completes it (the seed's `deliverystarted` and
 * `deliverycompleted`, with its `test=1` accepted and ignored). It owns the saga's pivot: an order's cancel is
 * asked of it (`cancel`, the saga's `cancelDelivery` step) and accepted only until the courier starts.
 */
import type { Context, Service } from "moleculer";
import type { AccessRule } from "../../lib/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { syncStep } from "../../mixins/sync-step";
import { acceptCancel, complete, onDeliveryPrepared, onOrderCanceled, start, type CancelRequest, type Delivery, type DeliveryPreparedData, type OrderCanceledData } from "./delivery.domain";
import { ITEMCD_PATH, SEED_TEST_PARAM } from "./params";

const LIST: ListSpec = { filters: { status: "string", orderId: "string", customer: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "createdAt" };

/** Couriers start and complete deliveries. */
const COURIERS: AccessRule = { roles: ["rider", "admin"] };
/** Couriers see every delivery; a customer sees their own. */
const READERS: AccessRule = { roles: ["rider", "customer", "admin"], owner: "customer" };

type DeliveryService = Service & AggregateMethods<Delivery>;

const service: ContextSchema<AggregateMethods<Delivery>> = {
	name: "productorder.delivery",
	mixins: [aggregateStore<Delivery>({ system: "productorder", entity: "Delivery", list: LIST, read: READERS })],

	actions: {
		start: commandAction<Delivery>(start, { test: SEED_TEST_PARAM }, COURIERS),
		complete: commandAction<Delivery>(complete, { test: SEED_TEST_PARAM }, COURIERS),
		/** The order's cancel, asked of the pivot's owner: accepted (cancelled, told) or refused with the status (409). */
		cancel: syncStep<DeliveryService, CancelRequest>(
			{ orderId: { type: "string", min: 1, max: 100 }, customer: { type: "string", min: 1, max: 100 }, itemcd: ITEMCD_PATH },
			function (this: DeliveryService, ctx: Context<CancelRequest>) {
				return this.commit(ctx.params.orderId, cur => acceptCancel(cur, ctx.params, new Date().toISOString()), { ctx });
			}
		)
	},

	channels: {
		"productorder.DeliveryPrepared": policy<Delivery, DeliveryPreparedData>((cur, e) => onDeliveryPrepared(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { customer: "string|empty:false", itemcd: "string|empty:false", item: "string|empty:false", orderQty: "number|integer|positive", address: "string|optional" }
		}),
		"productorder.OrderCanceled": policy<Delivery, OrderCanceledData>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { customer: "string|empty:false", itemcd: "string|empty:false", orderQty: "number|integer|positive" }
		})
	}
};

export default service;
