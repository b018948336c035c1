/**
 * warehouse.delivery — inbound deliveries: a customer requests one, warehouse staff receive it, the customer
 * may cancel it before. Receiving books it into the stock synchronously (the saga's `book` step, through the
 * caller timeout, the circuit breaker and the warehouse's bulkhead): the delivery is `received` only on the
 * warehouse's word that it booked it, and the answer names the stock. What the caller can learn of the step:
 * - booked: received (200), with `stockId`;
 * - not done (warehouse down, overloaded, breaker open): 503 + Retry-After, the delivery stays `requested`;
 * - outcome unknown (timed out, the warehouse went away mid-call): 504 — if it did book, its InStock makes the
 *   delivery received without anyone retrying; a retry books nothing more (bookings are per delivery id).
 */
import { Errors, type Context, type Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { config } from "../../config";
import { requireParam, type AccessRule } from "../../lib/access";
import { outcomeUnknown, serviceUnavailable, toMoleculerError } from "../../lib/errors";
import { createAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import { idParam, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { callStep, cancelAtPivot, isRefusal, StepNotDone, StepOutcomeUnknown } from "../../mixins/sync-step";
import * as rules from "./delivery.domain";
import type { Booking, InboundDelivery } from "./delivery.domain";
import type { WarehouseEvents } from "./events";
import { book, cancelDelivery } from "./saga";
import { MAX_QTY } from "./stock.domain";
import { stockIdOf } from "./stock-id";

const LIST: ListSpec = { filters: { customer: "string", status: "string", product: "string", stockId: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** Customers see their own deliveries (the token's subject is the delivery's `customer`); staff see all. */
const READ: AccessRule = { roles: ["customer", "warehouse", "admin"], owner: "customer" };
/** A customer requests and cancels their own deliveries. */
const OWN: AccessRule = { roles: ["customer", "admin"], owner: "customer" };
/** Warehouse staff receive. */
const STAFF: AccessRule = { roles: ["warehouse", "admin"] };

interface RequestParams {
	product: string;
	qty: number;
	customer?: string;
}

type DeliveryService = Service & AggregateMethods<InboundDelivery>;

const now = () => new Date().toISOString();

/** The status a 409 of the warehouse names (`data.status`). */
function refusedStatus(err: Errors.MoleculerError): string | undefined {
	const data: unknown = err.data;
	return typeof data === "object" && data !== null && "status" in data && typeof data.status === "string" ? data.status : undefined;
}

const service: ContextSchema<AggregateMethods<InboundDelivery>> = {
	name: "warehouse.delivery",
	mixins: [aggregateStore<InboundDelivery>({ system: "warehouse", entity: "Delivery", list: LIST, read: READ })],

	actions: {
		request: createAction<InboundDelivery, RequestParams>({
			auth: OWN,
			params: {
				product: { type: "string", min: 1, max: 100, trim: true },
				qty: { type: "number", integer: true, positive: true, max: MAX_QTY, convert: true },
				// The customer: the token's subject when left out; someone else's answers 403 unless by an admin.
				customer: { type: "string", min: 1, max: 100, trim: true, optional: true }
			},
			build: (id, p, at) => {
				const customer = requireParam(p.customer, "customer");
				return rules.requestDelivery(id, { customer, product: p.product, qty: p.qty }, stockIdOf(customer, p.product), at);
			},
			location: id => `/api/warehouse/deliveries/${id}`
		}),

		/** Staff receive: the warehouse books it, synchronously; received only if it did. */
		receive: {
			auth: STAFF,
			params: idParam,
			async handler(this: DeliveryService, ctx: Context<{ id: string }, ContextResponseMeta>) {
				const { id } = ctx.params;
				// First written here (serialized with a cancel by the version check): the warehouse is being asked.
				const asking = await this.command(id, ctx, (current, at) => rules.startReceipt(current, at));
				if (!asking) throw new Error(`delivery ${id} vanished`);
				let booking: Booking;
				try {
					booking = await callStep(ctx, book, rules.bookRequest(asking));
				} catch (err) {
					if (isRefusal(err) && err.code === 409 && refusedStatus(err) === "cancelled") {
						// Its cancel was accepted by the warehouse, and this context died before it wrote it: complete it.
						await this.commit(id, current => current && rules.cancel(current, now()), { ctx });
						throw toMoleculerError(rules.cancelRefused(asking, { status: "cancelled" }));
					}
					if (isRefusal(err)) throw err;
					if (err instanceof StepNotDone) {
						throw serviceUnavailable(`The warehouse is busy or unavailable: delivery '${id}' was not received (it is still requested); please try again shortly`, config.resilience.retryAfterSeconds, err.reason);
					}
					if (err instanceof StepOutcomeUnknown) {
						throw outcomeUnknown(`The warehouse did not answer in time: delivery '${id}' may have been booked (then it turns received by itself); receive it again or read it to learn`, err.reason);
					}
					throw err;
				}
				// Received now, or already (its InStock, or a concurrent receive of the same booking, got here first).
				return this.commit(id, current => current && rules.received(current, booking, now()), { ctx });
			}
		},

		/** The customer cancels before receipt: alone if the warehouse was never asked to book it, else the warehouse decides. */
		cancel: {
			auth: OWN,
			params: idParam,
			async handler(this: DeliveryService, ctx: Context<{ id: string }>) {
				const { id } = ctx.params;
				const alone = await this.command(id, ctx, (current, at) => rules.cancelUnbooked(current, at));
				if (alone?.status === "cancelled") return alone;
				return cancelAtPivot(this, ctx, id, cancelDelivery, { check: rules.checkCancel, request: rules.cancelRequest, refused: rules.cancelRefused, cancel: rules.cancel });
			}
		}
	},

	channels: {
		// The warehouse booked a delivery: received, if its receive's answer did not say so already.
		"warehouse.InStock": policy<InboundDelivery, Pick<WarehouseEvents["InStock"], "deliveryId" | "stockId">>((current, e) => rules.onInStock(current, e.data, e.occurredAt), {
			key: "deliveryId",
			contract: { stockId: "string|empty:false" }
		})
	}
};

export default service;
