/**
 * fishdelivery.order — the core context. Placing an order takes its payment synchronously (the seed's
 * Feign call with a Hystrix fallback: here the saga's `pay` step, with the caller timeout, the circuit breaker
 * and 503 + Retry-After); an order whose payment did not succeed is never established. A cancel is asked of
 * the delivery context, which owns the pivot. The order follows the other contexts' facts (taken,
 * delivering, delivered) so the customer can check it at any time.
 */
import type { Context, Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { requireParam, type AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import { idParam, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { cancelAtPivot, syncPlacement, type PlacementMethods } from "../../mixins/sync-step";
import { detailsOf, type FishOrderDetails } from "./events";
import * as rules from "./order.domain";
import type { Order } from "./order.domain";
import { ORDER_DETAILS_PARAMS } from "./params";
import { cancelDelivery, pay } from "./saga";

const LIST: ListSpec = { filters: { customerName: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** A customer places, reads and cancels their own orders (the token's subject is the order's `customerName`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "customerName" };

type OrderMethods = AggregateMethods<Order> & PlacementMethods<Order, FishOrderDetails>;
type OrderService = Service & OrderMethods;

const service: ContextSchema<OrderMethods> = {
	name: "fishdelivery.order",
	mixins: [
		aggregateStore<Order>({ system: "fishdelivery", entity: "Order", list: LIST, read: OWN_ORDERS }),
		syncPlacement({
			step: pay,
			pendingStatus: "PaymentPending",
			what: "the order",
			stepTitle: "Payment",
			location: id => `/api/fishdelivery/orders/${id}`,
			rules: {
				start: rules.startPlacement,
				request: (o: Order) => ({ orderId: o.id, ...detailsOf(o) }),
				succeeded: (o: Order, _payment, now) => (o.status === "PaymentPending" ? rules.paid(o, now) : null),
				failed: rules.paymentFailed,
				outcome: rules.placementOutcome
			}
		})
	],

	actions: {
		place: {
			auth: OWN_ORDERS,
			params: {
				$$strict: true,
				...ORDER_DETAILS_PARAMS,
				// The customer: the token's subject when left out; someone else's name is refused (403) unless by an admin.
				customerName: { ...ORDER_DETAILS_PARAMS.customerName, optional: true },
				// The seed's client sent status="paid" with the order; it is accepted and means no more than
				// what always holds: the order is paid while it is placed.
				status: { type: "enum", values: ["paid"], optional: true }
			},
			handler(this: OrderService, ctx: Context<FishOrderDetails, ContextResponseMeta>) {
				return this.place(ctx, detailsOf({ ...ctx.params, customerName: requireParam(ctx.params.customerName, "customerName") }));
			}
		},

		/** The customer cancels: the delivery (the pivot's owner) accepts or refuses, the refund follows its acceptance. */
		cancel: {
			auth: OWN_ORDERS,
			params: idParam,
			handler(this: OrderService, ctx: Context<{ id: string }>) {
				return cancelAtPivot(this, ctx, ctx.params.id, cancelDelivery, { check: rules.checkCancel, request: rules.cancelRequest, refused: rules.cancelRefused, cancel: rules.cancel });
			}
		}
	},

	channels: Object.fromEntries(rules.ORDER_FACTS.map(fact => [`fishdelivery.${fact}`, policy<Order>((cur, e) => cur && rules.onFact(cur, fact, e.occurredAt), { key: "orderId" })]))
};

export default service;
