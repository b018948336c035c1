/**
 * flowerdelivery.payment — charges an order once (idempotent per orderId) and refunds it when the order is
 * cancelled, rejected or never established. Declines and latency are simulated from configuration.
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume } from "../../mixins/channels";
import { notFound } from "../../mixins/errors";
import { idParam, listParams, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { onOrderCancelled, onOrderPlacementFailed, onOrderRejected, pay, type PayRequest, type Payment } from "./payment.domain";

const LIST: ListSpec = { filters: { orderId: "string", userName: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

type PaymentService = Service & AggregateMethods<Payment>;

function simulatedLatency(): Promise<void> {
	const [min, max] = config.payment.latencyMs;
	if (max === 0) return Promise.resolve();
	return new Promise(resolve => setTimeout(resolve, min + Math.random() * (max - min)));
}

const service: ContextSchema<AggregateMethods<Payment>> = {
	name: "flowerdelivery.payment",
	mixins: [aggregateStore<Payment>({ system: "flowerdelivery" })],

	actions: {
		pay: {
			params: {
				$$strict: true,
				orderId: { type: "string", min: 1, max: 100 },
				userName: { type: "string", min: 1, max: 100 },
				amount: { type: "number", convert: true }
			},
			bulkhead: { enabled: true, ...config.resilience.paymentBulkhead },
			async handler(this: PaymentService, ctx: Context<PayRequest>) {
				await simulatedLatency();
				const req = ctx.params;
				return this.commit(req.orderId, cur => pay(cur, req, { declineAbove: config.payment.declineAbove }, new Date().toISOString()), { ctx });
			}
		},

		get: {
			params: idParam,
			async handler(this: PaymentService, ctx: Context<{ id: string }>) {
				const payment = await this.loadState(ctx.params.id);
				if (!payment || payment.status === "Voided") throw notFound("Payment", ctx.params.id);
				return payment;
			}
		},

		list: {
			params: listParams(LIST),
			async handler(this: PaymentService, ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, LIST));
			}
		}
	},

	channels: {
		"flowerdelivery.OrderCancelled": consume<PaymentService>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderCancelled(cur, e.occurredAt), { ctx, causationId: e.id });
		}),
		"flowerdelivery.OrderRejected": consume<PaymentService>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderRejected(cur, e.occurredAt), { ctx, causationId: e.id });
		}),
		"flowerdelivery.OrderPlacementFailed": consume<PaymentService>(async function (e, ctx) {
			await this.commit(e.data.orderId, cur => onOrderPlacementFailed(cur, e.data.orderId, String(e.data.userName ?? ""), e.occurredAt), { ctx, causationId: e.id });
		})
	}
};

export default service;
