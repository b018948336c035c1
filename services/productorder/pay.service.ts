/**
 * productorder.pay — pays for an order while it is placed (the saga's `pay` step, idempotent per orderId;
 * no public POST /pays), tells the product once the order is established (PayApproved), and cancels the pay
 * when the order is cancelled, refused for want of stock, or never established (PayCanceled). Declines and
 * latency are simulated from configuration (PAYMENT_DECLINE_ABOVE, PAYMENT_LATENCY_MS).
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import type { AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { simulatedLatency, syncStep } from "../../mixins/sync-step";
import type { ProductOrderEvents } from "./events";
import { PAY_REQUEST_PARAMS } from "./params";
import { approve, onOrderCanceled, onOrdered, onOrderPlacementFailed, onOutOfStock, type Pay, type PayRequest } from "./pay.domain";

const LIST: ListSpec = { filters: { orderId: "string", customer: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads the pays of their own orders. */
const OWN_PAYS: AccessRule = { roles: ["customer", "admin"], owner: "customer" };

type PayService = Service & AggregateMethods<Pay>;

const service: ContextSchema<AggregateMethods<Pay>> = {
	name: "productorder.pay",
	mixins: [aggregateStore<Pay>({ system: "productorder", entity: "Pay", list: LIST, read: OWN_PAYS })],

	actions: {
		pay: syncStep<PayService, PayRequest>(PAY_REQUEST_PARAMS, async function (this: PayService, ctx: Context<PayRequest>) {
			const paid = await this.commit(ctx.params.orderId, cur => approve(cur, ctx.params, { declineAbove: config.payment.declineAbove }, new Date().toISOString()), { ctx });
			await simulatedLatency(config.payment.latencyMs);
			return paid;
		})
	},

	channels: {
		"productorder.Ordered": policy<Pay>((cur, e) => onOrdered(cur, e.occurredAt), { key: "orderId" }),
		"productorder.OrderCanceled": policy<Pay>((cur, e) => onOrderCanceled(cur, e.occurredAt), { key: "orderId" }),
		"productorder.OutOfStock": policy<Pay>((cur, e) => onOutOfStock(cur, e.occurredAt), { key: "orderId" }),
		"productorder.OrderPlacementFailed": policy<Pay, Pick<ProductOrderEvents["OrderPlacementFailed"], "orderId" | "customer">>((cur, e) => onOrderPlacementFailed(cur, e.data, e.occurredAt), {
			key: "orderId",
			contract: { customer: "string|empty:false" }
		})
	}
};

export default service;
