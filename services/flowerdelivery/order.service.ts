/**
 * flowerdelivery.order — the core context. Placing an order calls payment synchronously (timeout,
 * circuit breaker, bulkhead at payment); an order whose payment did not succeed is never established.
 */
import { randomUUID } from "node:crypto";
import { Errors, type Context, type Service } from "moleculer";
import { config } from "../../config";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume } from "../../mixins/channels";
import { notFound, serviceUnavailable } from "../../mixins/errors";
import { idParam, listParams, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { ContextResponseMeta } from "moleculer-web";
import { cancel, onFact, paymentFailed, paymentSucceeded, startPlacement, type Order, type OrderFact, type OrderInput } from "./order.domain";

const LIST: ListSpec = { filters: { userName: "string", storeName: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

interface OrderMethods extends AggregateMethods<Order> {
	failPlacement(id: string, reason: string, ctx?: Context): Promise<void>;
	closeStalePlacements(): Promise<void>;
}

interface OrderVars {
	staleTimer?: NodeJS.Timeout;
}

type OrderService = Service & OrderMethods & OrderVars;

/** Facts from other contexts the order folds, by event type. */
const FACTS: Record<string, (data: Record<string, unknown>) => OrderFact> = {
	OrderAccepted: () => ({ type: "OrderAccepted" }),
	DecorationCompleted: () => ({ type: "DecorationCompleted" }),
	OrderRejected: d => ({ type: "OrderRejected", reason: String(d.reason ?? "") }),
	DeliveryStarted: () => ({ type: "DeliveryStarted" }),
	DeliveryCompleted: () => ({ type: "DeliveryCompleted" }),
	DeliveryCancelled: () => ({ type: "DeliveryCancelled" }),
	PaymentCancelled: () => ({ type: "PaymentCancelled" })
};

const service: ContextSchema<OrderMethods, object, OrderVars> = {
	name: "flowerdelivery.order",
	mixins: [aggregateStore<Order>({ system: "flowerdelivery" })],

	actions: {
		place: {
			params: {
				$$strict: true,
				storeName: { type: "string", min: 1, max: 100, trim: true },
				itemName: { type: "string", min: 1, max: 200, trim: true },
				qty: { type: "number", integer: true, positive: true, max: 1000, convert: true },
				itemPrice: { type: "number", min: 0, max: 100000000, convert: true },
				userName: { type: "string", min: 1, max: 100, trim: true }
			},
			async handler(ctx: Context<OrderInput, ContextResponseMeta>) {
				const id = randomUUID();
				const input: OrderInput = { storeName: ctx.params.storeName, itemName: ctx.params.itemName, qty: ctx.params.qty, itemPrice: ctx.params.itemPrice, userName: ctx.params.userName };
				await this.commit(id, () => startPlacement(id, input, new Date().toISOString()), { ctx });
				try {
					await ctx.call("flowerdelivery.payment.pay", { orderId: id, userName: input.userName, amount: input.qty * input.itemPrice }, { timeout: config.resilience.paymentTimeoutMs, retries: 0 });
				} catch (err) {
					const declined = err instanceof Errors.MoleculerError && err.code === 402;
					const reason = err instanceof Errors.MoleculerError ? err.type : "UNKNOWN";
					await this.failPlacement(id, declined ? "PAYMENT_DECLINED" : reason, ctx);
					if (declined) throw err;
					this.logger.warn(`Payment for order ${id} failed (${reason}): answering 503`);
					throw serviceUnavailable("Payment is busy or unavailable: the order was not placed, please try again shortly", config.resilience.retryAfterSeconds, reason);
				}
				const placed = await this.commit(id, cur => (cur ? paymentSucceeded(cur, new Date().toISOString()) : null), { ctx });
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/flowerdelivery/orders/${id}`;
				return placed;
			}
		},

		get: {
			params: idParam,
			async handler(ctx: Context<{ id: string }>) {
				const order = await this.loadState(ctx.params.id);
				if (!order) throw notFound("Order", ctx.params.id);
				return order;
			}
		},

		list: {
			params: listParams(LIST),
			async handler(ctx: Context<Record<string, unknown>>) {
				return this.findPage(toPageQuery(ctx.params, LIST));
			}
		},

		cancel: {
			params: idParam,
			async handler(ctx: Context<{ id: string }>) {
				const id = ctx.params.id;
				const order = await this.commit(
					id,
					cur => {
						if (!cur) throw notFound("Order", id);
						return cancel(cur, new Date().toISOString());
					},
					{ ctx }
				);
				return order;
			}
		}
	},

	channels: Object.fromEntries(
		Object.entries(FACTS).map(([type, toFact]) => [
			`flowerdelivery.${type}`,
			consume<OrderService>(async function (e, ctx) {
				await this.commit(e.data.orderId, cur => cur && onFact(cur, toFact(e.data), e.occurredAt), { ctx, causationId: e.id });
			})
		])
	),

	methods: {
		async failPlacement(this: OrderService, id: string, reason: string, ctx?: Context) {
			await this.commit(id, cur => cur && paymentFailed(cur, reason, new Date().toISOString()), { ctx });
		},

		/** A placement whose process died while waiting for payment is closed as failed (and refunded if charged). */
		async closeStalePlacements(this: OrderService) {
			const cutoff = new Date(Date.now() - config.pendingPlacementTimeoutMs).toISOString();
			const page = await this.findPage({ query: { status: "PaymentPending" }, page: 1, pageSize: 100, sort: { createdAt: 1 } });
			for (const order of page.rows) {
				if (order.createdAt < cutoff) await this.failPlacement(order.id, "PLACEMENT_ABANDONED");
			}
		}
	},

	started(this: OrderService) {
		this.staleTimer = setInterval(() => {
			this.closeStalePlacements().catch(err => this.logger.warn("Closing stale placements failed; will retry", err));
		}, Math.max(1000, Math.floor(config.pendingPlacementTimeoutMs / 2)));
	},

	stopped(this: OrderService) {
		clearInterval(this.staleTimer);
	}
};

export default service;
