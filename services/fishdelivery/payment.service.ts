/**
 * fishdelivery.payment — pays for an order while it is placed (idempotent per orderId), tells the shop once
 * the order is established (PayApproved), and cancels the payment with its order (PayCanceled). Stored in
 * the deployment's durable document store (MongoDB when MONGO_URI is set), as the seed wanted for payments.
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import type { AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { simulatedLatency, syncStep } from "../../mixins/sync-step";
import type { FishEvents, OrderDetailsData } from "./events";
import { ORDER_DETAILS_CONTRACT, ORDER_DETAILS_PARAMS } from "./params";
import { approve, onOrderCanceled, onOrderPlaced, type Payment } from "./payment.domain";

const LIST: ListSpec = { filters: { orderId: "string", customerName: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads the payments of their own orders. */
const OWN_PAYMENTS: AccessRule = { roles: ["customer", "admin"], owner: "customerName" };

type PaymentService = Service & AggregateMethods<Payment>;

const service: ContextSchema<AggregateMethods<Payment>> = {
	name: "fishdelivery.payment",
	mixins: [aggregateStore<Payment>({ system: "fishdelivery", entity: "Payment", list: LIST, read: OWN_PAYMENTS })],

	actions: {
		pay: syncStep<PaymentService, OrderDetailsData>({ orderId: { type: "string", min: 1, max: 100 }, ...ORDER_DETAILS_PARAMS }, async function (this: PaymentService, ctx: Context<OrderDetailsData>) {
			const payment = await this.commit(ctx.params.orderId, cur => approve(cur, ctx.params, new Date().toISOString()), { ctx });
			await simulatedLatency(config.payment.latencyMs);
			return payment;
		})
	},

	channels: {
		"fishdelivery.OrderPlaced": policy<Payment, FishEvents["OrderPlaced"]>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt), { key: "orderId", contract: ORDER_DETAILS_CONTRACT }),
		// The payment is canceled whatever the reason: it reads the order, not why.
		"fishdelivery.OrderCanceled": policy<Payment, OrderDetailsData>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), { key: "orderId", contract: ORDER_DETAILS_CONTRACT })
	}
};

export default service;
