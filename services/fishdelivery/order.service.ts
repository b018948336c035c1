/**
 * fishdelivery.order — the core context. Placing an order takes its payment synchronously (the seed's
 * Feign call with a Hystrix fallback: here the caller timeout, the circuit breaker and 503 + Retry-After);
 * an order whose payment did not succeed is never established. The order follows the other contexts'
 * facts (taken, delivering, delivered) so the customer can check it at any time.
 */
import type { Context, Service } from "moleculer";
import { requireParam, type AccessRule } from "../../mixins/access";
import type { ContextResponseMeta } from "moleculer-web";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import { paidPlacement, type PlacementMethods } from "../../mixins/payment";
import type { ContextSchema } from "../../mixins/schema";
import { detailsOf, type FishOrderDetails } from "./events";
import { cancel, onFact, ORDER_FACTS, paid, paymentFailed, startPlacement, type Order } from "./order.domain";
import { ORDER_DETAILS_PARAMS } from "./params";

const LIST: ListSpec = { filters: { customerName: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** A customer places, reads and cancels their own orders (the token's subject is the order's `customerName`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "customerName" };

type OrderMethods = AggregateMethods<Order> & PlacementMethods<Order, FishOrderDetails>;
type OrderService = Service & OrderMethods;

const service: ContextSchema<OrderMethods> = {
	name: "fishdelivery.order",
	mixins: [
		aggregateStore<Order>({ system: "fishdelivery", entity: "Order", list: LIST, read: OWN_ORDERS }),
		paidPlacement<Order, FishOrderDetails>({ system: "fishdelivery", rules: { start: startPlacement, payment: o => ({ orderId: o.id, ...detailsOf(o) }), paid, failed: paymentFailed } })
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
				return this.placeOrder(ctx, detailsOf({ ...ctx.params, customerName: requireParam(ctx.params.customerName, "customerName") }));
			}
		},

		cancel: commandAction<Order>(cancel, {}, OWN_ORDERS)
	},

	channels: Object.fromEntries(ORDER_FACTS.map(fact => [`fishdelivery.${fact}`, policy<Order>((cur, e) => cur && onFact(cur, fact, e.occurredAt))]))
};

export default service;
