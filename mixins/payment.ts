/**
 * Synchronous payment inside placing an order ("unpaid orders are never established"), both sides:
 *
 * - `paidPlacement` (the order context, caller side): the order is stored waiting for its payment (no event
 *   yet), payment is called with the caller timeout (circuit breaker from the broker, bulkhead at payment),
 *   and then
 *   - paid: the order is established (its events leave through the outbox), answered 201 + `Location`;
 *   - declined (402): the placement is closed as failed and the 402 is answered;
 *   - anything else (timeout, overload, payment down): closed as failed, with the compensation events the
 *     domain names (a charge that lands late is refunded), answered 503 + `Retry-After`: pay again shortly.
 *   A placement whose process died while waiting is closed the same way after `pendingPlacementTimeoutMs`.
 * - `payAction` (the payment context, callee side): the `pay` action behind the payment bulkhead, with the
 *   configured simulated latency of the seeds' overload scenarios, one payment per order (keyed by orderId).
 */
import { randomUUID } from "node:crypto";
import { Errors, type ActionParams, type ActionSchema, type Context, type Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { config } from "../config";
import { requestFields } from "../config/observability";
import type { Decision } from "../services/shared/domain";
import type { AggregateMethods } from "./aggregate.mixin";
import { serviceUnavailable } from "./errors";
import { defineMixin } from "./schema";

/** What the order's domain decides at each step of a placement. */
export interface PlacementRules<S, I> {
	/** The new order, waiting for its payment: it must publish nothing yet. */
	start(id: string, input: I, now: string): Decision<S>;
	/** The params of the pay action for this order. */
	payment(order: S): Record<string, unknown>;
	/** Payment succeeded: the order is established. */
	paid(order: S, now: string): Decision<S>;
	/** Payment declined, unavailable or of unknown outcome: not established (null when no longer pending). */
	failed(order: S, reason: string, now: string): Decision<S> | null;
}

export interface PlacementOptions<S, I> {
	/** The system, by the specs' names: payment is `<system>.payment.pay`, the order is at `/api/<system>/orders/<id>`. */
	system: string;
	/** Status of an order waiting for its payment (default "PaymentPending"). */
	pendingStatus?: string;
	rules: PlacementRules<S, I>;
}

export interface PlacementMethods<S, I> {
	/** Places an order with its payment; answers the established order (201) or throws 402/503. */
	placeOrder(ctx: Context<unknown, ContextResponseMeta>, input: I): Promise<S | null>;
	failPlacement(id: string, reason: string, ctx?: Context): Promise<void>;
	closeStalePlacements(): Promise<void>;
}

interface PlacementVars {
	staleTimer?: NodeJS.Timeout;
}

interface PendingOrder {
	id: string;
	createdAt: string;
}

type This<S, I> = Service & AggregateMethods<S> & PlacementMethods<S, I> & PlacementVars;

/** Mixin factory for an order context; use it after `aggregateStore` (it commits through `this.commit`). */
export function paidPlacement<S extends PendingOrder, I>(opts: PlacementOptions<S, I>) {
	const { rules } = opts;
	const payAction = `${opts.system}.payment.pay`;
	const pendingStatus = opts.pendingStatus ?? "PaymentPending";
	const now = () => new Date().toISOString();
	return defineMixin<PlacementMethods<S, I> & AggregateMethods<S>, PlacementVars>({
		methods: {
			async placeOrder(this: This<S, I>, ctx: Context<unknown, ContextResponseMeta>, input: I): Promise<S | null> {
				const id = randomUUID();
				const pending = await this.commit(id, () => rules.start(id, input, now()), { ctx });
				if (!pending) throw new Error(`placement ${id} was not stored`);
				try {
					await ctx.call(payAction, rules.payment(pending), { timeout: config.resilience.paymentTimeoutMs, retries: 0 });
				} catch (err) {
					const declined = err instanceof Errors.MoleculerError && err.code === 402;
					const reason = err instanceof Errors.MoleculerError ? err.type : "UNKNOWN";
					await this.failPlacement(id, declined ? "PAYMENT_DECLINED" : reason, ctx);
					if (declined) throw err;
					this.logger.warn(`Payment for order ${id} failed (${reason}): answering 503`, requestFields(ctx));
					throw serviceUnavailable("Payment is busy or unavailable: the order was not placed, please try again shortly", config.resilience.retryAfterSeconds, reason);
				}
				const placed = await this.commit(id, current => (current ? rules.paid(current, now()) : null), { ctx });
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/${opts.system}/orders/${id}`;
				return placed;
			},

			async failPlacement(this: This<S, I>, id: string, reason: string, ctx?: Context): Promise<void> {
				await this.commit(id, current => current && rules.failed(current, reason, now()), { ctx });
			},

			async closeStalePlacements(this: This<S, I>): Promise<void> {
				const cutoff = new Date(Date.now() - config.pendingPlacementTimeoutMs).toISOString();
				const page = await this.findPage({ query: { status: pendingStatus }, page: 1, pageSize: 100, sort: { createdAt: 1 } });
				for (const order of page.rows) {
					if (order.createdAt < cutoff) await this.failPlacement(order.id, "PLACEMENT_ABANDONED");
				}
			}
		},

		started(this: This<S, I>) {
			this.staleTimer = setInterval(() => {
				this.closeStalePlacements().catch(err => this.logger.warn("Closing stale placements failed; will retry", err));
			}, Math.max(1000, Math.floor(config.pendingPlacementTimeoutMs / 2)));
		},

		stopped(this: This<S, I>) {
			clearInterval(this.staleTimer);
		}
	});
}

/** The payment gateway's answer is slow (the seeds' overload scenario): the charge is made, the reply comes late. */
function simulatedLatency(): Promise<void> {
	const [min, max] = config.payment.latencyMs;
	if (max === 0) return Promise.resolve();
	return new Promise(resolve => setTimeout(resolve, min + Math.random() * (max - min)));
}

/** The `pay` action of a payment context: `decide` gets the current payment of the order (null: none yet). */
export function payAction<S, P extends { orderId: string }>(
	params: ActionParams,
	decide: (current: S | null, request: P, now: string) => Decision<S> | null
): ActionSchema<Service & AggregateMethods<S>> {
	return {
		params: { $$strict: true, ...params },
		bulkhead: { enabled: true, ...config.resilience.paymentBulkhead },
		async handler(this: Service & AggregateMethods<S>, ctx: Context<P>) {
			const request = ctx.params;
			const payment = await this.commit(request.orderId, current => decide(current, request, new Date().toISOString()), { ctx });
			await simulatedLatency();
			return payment;
		}
	};
}
