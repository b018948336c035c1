/**
 * thedraw.order — a winner buys the item: `POST /orders {entryId, userPassword}`. The wins are known from
 * events only (the entry's status changes); the buyer is certified synchronously by `thedraw.auth.certify`
 * (the saga's step: caller timeout, circuit breaker, the callee's bulkhead). Certified → OrderPlaced (the
 * entry is purchased); not certified → the order request is removed (GET 404) and the answer is 403;
 * certification down or overloaded → 503 + Retry-After, the request removed the same way. A non-winner and
 * a second order for the same win answer 409. Cancelling the order cancels the win (OrderCancelled).
 */
import { newId } from "../../lib/ids";
import { Errors, type Context, type Service, type ServiceSettingSchema } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { config } from "../../config";
import type { DomainEvent } from "../../domain";
import { assertInScope, type AccessRule } from "../../lib/access";
import { invalidField, notFound, serviceUnavailable, toMoleculerError } from "../../lib/errors";
import { requestFields } from "../../middlewares/observability";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume, policy } from "../../mixins/consume";
import { creatingRequest, idFor } from "../../mixins/idempotency";
import { idParam, readRetry } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { callStep, isRefusal, StepNotDone, StepOutcomeUnknown } from "../../mixins/sync-step";
import { notCertified } from "./auth.domain";
import { SideAggregates } from "./collections";
import type { DrawEvents } from "./events";
import {
	cancelOrder,
	certifyRequest,
	isVisible,
	onAuthCancelled,
	onAuthCertified,
	onEntryStatusChanged,
	orderOutcome,
	placeCertified,
	removeRequest,
	requestOrder,
	reserveWin,
	winRefusal,
	type Holder,
	type Order,
	type Win,
	type WinFact
} from "./order.domain";
import { ORDER_PARAMS } from "./params";
import { certify } from "./saga";

/** A customer orders, reads and cancels their own orders (the token's subject is the win's `userId`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "userId" };

/** A key may open at most this many attempts (each removed in a way that may be tried again). */
const MAX_ATTEMPTS = 20;

interface OrderMethods {
	certifyAndPlace(ctx: Context<unknown, ContextResponseMeta>, order: Order, password: string): Promise<Order>;
	reserve(order: Order, ctx: Context): Promise<void>;
	holderOf(win: Win | null): Promise<Holder>;
	removeStaleRequests(): Promise<number>;
}

interface OrderVars {
	wins: SideAggregates<Win>;
	staleTimer?: NodeJS.Timeout;
}

type OrderService = Service & AggregateMethods<Order> & OrderMethods & OrderVars;

interface PlaceParams {
	entryId: string;
	userPassword?: string;
}

const now = () => new Date().toISOString();
/** Requests still waiting for their certification after this are abandoned (their process died). */
const staleBefore = () => new Date(Date.now() - config.pendingPlacementTimeoutMs).toISOString();

/** The holder of a win moved between reading it and writing: read again. */
class HolderMoved extends Error {}

function placedAnswer(ctx: Context<unknown, ContextResponseMeta>, order: Order): Order {
	ctx.meta.$statusCode = 201;
	ctx.meta.$location = `/api/thedraw/orders/${order.id}`;
	return order;
}

const STATUSES = ["applied", "cancelled", "won", "lost", "purchased", "winCancelled"];

const service: ContextSchema<AggregateMethods<Order> & OrderMethods, ServiceSettingSchema, OrderVars> = {
	name: "thedraw.order",
	mixins: [aggregateStore<Order>({ system: "thedraw", entity: "Order" })],

	actions: {
		place: {
			auth: OWN_ORDERS,
			params: ORDER_PARAMS,
			// Never a password in a trace.
			tracing: { tags: { params: ["entryId"], meta: false } },
			async handler(this: OrderService, ctx: Context<PlaceParams, ContextResponseMeta>): Promise<Order> {
				const { entryId } = ctx.params;
				const password = ctx.params.userPassword ?? "";
				// Out of the params from here on: not part of the Idempotency-Key's fingerprint, not stored anywhere.
				delete ctx.params.userPassword;

				let id: string | undefined;
				const request = creatingRequest(ctx);
				if (request) {
					for (let attempt = 1; attempt <= MAX_ATTEMPTS && !id; attempt++) {
						const candidate = idFor(this.fullName, request, attempt);
						const doc = await this.loadDoc(candidate);
						if (!doc) {
							id = candidate;
							break;
						}
						if (doc.request?.fingerprint !== request.fingerprint) throw invalidField("Idempotency-Key", "The Idempotency-Key was used with another request: send a new key for a new request");
						const outcome = orderOutcome(doc.state);
						if (outcome === "retry") continue; // that attempt was removed and may be tried again: a new one
						if (outcome === "pending") return this.certifyAndPlace(ctx, doc.state, password); // resume: certification is idempotent
						if (outcome === "established") return placedAnswer(ctx, doc.state);
						throw toMoleculerError(outcome);
					}
					if (!id) throw new Errors.MoleculerClientError(`This Idempotency-Key has had ${MAX_ATTEMPTS} failed attempts: send a new key`, 409, "TOO_MANY_ATTEMPTS");
				} else id = newId();
				const orderId = id;

				// The win, as this context heard of it: the caller's own, not cancelled, not bought, not being bought.
				const win = await this.wins.load(entryId);
				if (win) assertInScope(ctx, win, `Entry '${entryId}'`);
				const refusal = winRefusal(entryId, win, await this.holderOf(win), staleBefore());
				if (refusal || !win) throw toMoleculerError(refusal);

				const { state: order } = await this.create(orderId, ctx, at => requestOrder(orderId, win, at));
				try {
					await this.reserve(order, ctx);
				} catch (err) {
					await this.commit(orderId, current => current && removeRequest(current, "ALREADY_ORDERED", now()), { ctx });
					throw err;
				}
				return this.certifyAndPlace(ctx, order, password);
			}
		},

		get: {
			auth: OWN_ORDERS,
			retryPolicy: readRetry,
			params: idParam,
			async handler(this: OrderService, ctx: Context<{ id: string }>): Promise<Order> {
				const order = await this.loadState(ctx.params.id);
				if (!order || !isVisible(order)) throw notFound("Order", ctx.params.id);
				assertInScope(ctx, order, `Order '${ctx.params.id}'`);
				return order;
			}
		},

		/** The customer cancels the order: the win is cancelled with it (OrderCancelled → the entry's winCancelled). */
		cancel: {
			auth: OWN_ORDERS,
			params: idParam,
			async handler(this: OrderService, ctx: Context<{ id: string }>): Promise<Order | null> {
				const order = await this.loadState(ctx.params.id);
				if (!order || !isVisible(order)) throw notFound("Order", ctx.params.id);
				return this.command(ctx.params.id, ctx, (current, at) => cancelOrder(current, at));
			}
		}
	},

	channels: {
		/** The wins this context may sell, from the entries' status changes only. */
		"thedraw.EntryStatusChanged": consume<OrderService, WinFact>(
			async function (this: OrderService, event: DomainEvent<WinFact>, ctx) {
				await this.wins.commit(event.data.entryId, current => onEntryStatusChanged(current, event.data, event.occurredAt), { ctx, causationId: event.id });
			},
			{
				key: "entryId",
				contract: {
					status: { type: "enum", values: STATUSES },
					drawId: "string|empty:false",
					userId: "string|empty:false",
					phone: "string|optional",
					itemNo: "string",
					drawName: "string",
					drawDate: "string",
					size: "number",
					price: "number"
				}
			}
		),
		// Auth's facts complete a request whose synchronous answer was lost (its process died meanwhile).
		"thedraw.AuthCertified": policy<Order, Pick<DrawEvents["AuthCertified"], "orderId">>((cur, e) => onAuthCertified(cur, e.occurredAt), { key: "orderId" }),
		"thedraw.AuthCancelled": policy<Order, Pick<DrawEvents["AuthCancelled"], "orderId">>((cur, e) => onAuthCancelled(cur, e.occurredAt), { key: "orderId" })
	},

	methods: {
		async holderOf(this: OrderService, win: Win | null): Promise<Holder> {
			if (!win?.orderId) return null;
			const holder = await this.loadState(win.orderId);
			return holder ? { id: holder.id, status: holder.status, createdAt: holder.createdAt } : null;
		},

		/** The request takes its win, atomically (a version-checked write on the Win): of two concurrent requests, one does. */
		async reserve(this: OrderService, order: Order, ctx: Context): Promise<void> {
			for (let attempt = 0; attempt < 10; attempt++) {
				const seen = await this.wins.load(order.entryId);
				const holder = await this.holderOf(seen);
				try {
					await this.wins.commit(
						order.entryId,
						current => {
							if (current?.orderId !== seen?.orderId) throw new HolderMoved();
							return reserveWin(current, order.entryId, order.id, holder, now(), staleBefore());
						},
						{ ctx }
					);
					return;
				} catch (err) {
					if (!(err instanceof HolderMoved)) throw err;
				}
			}
			throw new Errors.MoleculerClientError(`Too many concurrent orders for entry '${order.entryId}'; try again`, 409, "CONCURRENT_UPDATE", { entryId: order.entryId });
		},

		async certifyAndPlace(this: OrderService, ctx: Context<unknown, ContextResponseMeta>, order: Order, password: string): Promise<Order> {
			try {
				await callStep(ctx, certify, certifyRequest(order, password));
			} catch (err) {
				const refused = isRefusal(err);
				const reason = refused ? (err.code === 403 ? "NOT_CERTIFIED" : err.type) : err instanceof StepNotDone || err instanceof StepOutcomeUnknown ? err.reason : "UNKNOWN";
				const after = await this.commit(order.id, current => current && removeRequest(current, reason, now()), { ctx });
				// Auth's AuthCertified may have placed it meanwhile (the answer was lost, its fact was not).
				if (after?.status === "placed") return placedAnswer(ctx, after);
				if (refused && err.code === 403) throw toMoleculerError(notCertified(order.id));
				if (refused) throw err;
				this.logger.warn(`Order request ${order.id} removed (${reason}): answering 503`, requestFields(ctx, { orderId: order.id, cause: reason }));
				throw serviceUnavailable("Certification is busy or unavailable: the order was not placed (its request was removed), please try again shortly", config.resilience.retryAfterSeconds, reason);
			}
			const placed = await this.commit(order.id, current => current && placeCertified(current, now()), { ctx });
			if (placed?.status === "placed") return placedAnswer(ctx, placed);
			throw serviceUnavailable("The order request was abandoned while it was certified: the order was not placed, please try again", config.resilience.retryAfterSeconds, "ABANDONED");
		},

		async removeStaleRequests(this: OrderService): Promise<number> {
			const cutoff = staleBefore();
			const page = await this.findPage({ query: { status: "requested" }, page: 1, pageSize: 100, sort: { createdAt: 1 } });
			let removed = 0;
			for (const order of page.rows) {
				if (order.createdAt >= cutoff) continue;
				await this.commit(order.id, current => current && removeRequest(current, "ABANDONED", now()));
				removed++;
			}
			return removed;
		}
	},

	created(this: OrderService) {
		this.wins = new SideAggregates<Win>("thedraw", this.fullName, "wins");
	},

	async started(this: OrderService) {
		await this.wins.open(this);
		this.staleTimer = setInterval(() => {
			this.removeStaleRequests().catch(err => this.logger.warn("Removing abandoned order requests failed; will retry", err));
		}, Math.max(1000, Math.floor(config.pendingPlacementTimeoutMs / 2)));
	},

	async stopped(this: OrderService) {
		clearInterval(this.staleTimer);
		await this.wins.close();
	}
};

export default service;
