/**
 * flowerdelivery.payment — charges an order once (idempotent per orderId: the saga's `pay` step) and refunds
 * it when the order is cancelled, rejected or never established. Declines and latency are simulated from
 * configuration.
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import type { AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { simulatedLatency, syncStep } from "../../mixins/sync-step";
import type { FlowerEvents } from "./events";
import { onOrderCancelled, onOrderPlacementFailed, onOrderRejected, pay, type PayRequest, type Payment } from "./payment.domain";

const LIST: ListSpec = { filters: { orderId: "string", userName: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads the payments of their own orders. */
const OWN_PAYMENTS: AccessRule = { roles: ["customer", "admin"], owner: "userName" };

type PaymentService = Service & AggregateMethods<Payment>;

const service: ContextSchema<AggregateMethods<Payment>> = {
	name: "flowerdelivery.payment",
	mixins: [aggregateStore<Payment>({ system: "flowerdelivery", entity: "Payment", list: LIST, read: OWN_PAYMENTS })],

	actions: {
		pay: syncStep<PaymentService, PayRequest>(
			{ orderId: { type: "string", min: 1, max: 100 }, userName: { type: "string", min: 1, max: 100 }, amount: { type: "number", convert: true } },
			async function (this: PaymentService, ctx: Context<PayRequest>) {
				const payment = await this.commit(ctx.params.orderId, cur => pay(cur, ctx.params, { declineAbove: config.payment.declineAbove }, new Date().toISOString()), { ctx });
				await simulatedLatency(config.payment.latencyMs);
				return payment;
			}
		)
	},

	channels: {
		"flowerdelivery.OrderCancelled": policy<Payment>((cur, e) => onOrderCancelled(cur, e.occurredAt), { key: "orderId" }),
		"flowerdelivery.OrderRejected": policy<Payment>((cur, e) => onOrderRejected(cur, e.occurredAt), { key: "orderId" }),
		"flowerdelivery.OrderPlacementFailed": policy<Payment, FlowerEvents["OrderPlacementFailed"]>((cur, e) => onOrderPlacementFailed(cur, e.data.orderId, e.data.userName, e.occurredAt), {
			key: "orderId",
			contract: { userName: "string|empty:false", reason: "string" }
		})
	}
};

export default service;
