/**
 * productorder.order — the core context. Placing an order takes its pay synchronously (the seed's
 * `approvePayment` call: here the saga's `pay` step, with the caller timeout, the circuit breaker and
 * 503 + Retry-After); an order whose pay did not succeed is never established. A cancel is asked of the
 * delivery context, which owns the pivot. The order follows the other contexts' facts (prepared, rejected,
 * started, completed) so the customer can check it at any time.
 */
import type { Context, Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { requireParam, type AccessRule } from "../../lib/access";
import type { EventContract } from "../../lib/contracts";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import { idParam, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { cancelAtPivot, syncPlacement, type PlacementMethods } from "../../mixins/sync-step";
import * as rules from "./order.domain";
import type { Order, OrderInput } from "./order.domain";
import { itemcdOf, ORDER_LINE_PARAMS } from "./params";
import { cancelDelivery, pay } from "./saga";

const LIST: ListSpec = { filters: { customer: "string", status: "string", itemcd: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** A customer places, reads and cancels their own orders (the token's subject is the order's `customer`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "customer" };

type OrderMethods = AggregateMethods<Order> & PlacementMethods<Order, OrderInput>;
type OrderService = Service & OrderMethods;

interface PlaceParams {
	item: string;
	orderQty: number;
	price: number;
	itemcd: string | number;
	address?: string;
	customer?: string;
	status?: "ordered";
}

/** What the order reads from a fact beyond its `orderId` (the facts not named: nothing more). */
const NEEDS: Partial<Record<rules.OrderFact, EventContract>> = { OutOfStock: { reason: { type: "enum", values: ["short", "unknownItem"] } } };

const service: ContextSchema<OrderMethods> = {
	name: "productorder.order",
	mixins: [
		aggregateStore<Order>({ system: "productorder", entity: "Order", list: LIST, read: OWN_ORDERS }),
		syncPlacement({
			step: pay,
			pendingStatus: "payPending",
			what: "the order",
			stepTitle: "Pay",
			location: id => `/api/productorder/orders/${id}`,
			rules: { start: rules.startPlacement, request: rules.payRequest, succeeded: (o, _pay, now) => rules.paySucceeded(o, now), failed: rules.payFailed, outcome: rules.placementOutcome }
		})
	],

	actions: {
		place: {
			auth: OWN_ORDERS,
			params: {
				$$strict: true,
				...ORDER_LINE_PARAMS,
				// The customer: the token's subject when left out; someone else's name is refused (403) unless by an admin.
				customer: { type: "string", min: 1, max: 100, trim: true, optional: true },
				// The seed sent status="ordered" with the order: accepted, and it means no more than what always
				// holds (a placed order is ordered); any other status is refused.
				status: { type: "enum", values: ["ordered"], optional: true }
			},
			handler(this: OrderService, ctx: Context<PlaceParams, ContextResponseMeta>) {
				const { item, orderQty, price, itemcd, address } = ctx.params;
				return this.place(ctx, { item, orderQty, price, itemcd: itemcdOf(itemcd), ...(address !== undefined ? { address } : {}), customer: requireParam(ctx.params.customer, "customer") });
			}
		},

		/** The customer cancels: the delivery (the pivot's owner) accepts or refuses; the pay and the stock follow its acceptance. */
		cancel: {
			auth: OWN_ORDERS,
			params: idParam,
			handler(this: OrderService, ctx: Context<{ id: string }>) {
				return cancelAtPivot(this, ctx, ctx.params.id, cancelDelivery, { check: rules.checkCancel, request: rules.cancelRequest, refused: rules.cancelRefused, cancel: rules.cancel });
			}
		}
	},

	channels: Object.fromEntries(
		rules.ORDER_FACTS.map(fact => [`productorder.${fact}`, policy<Order>((cur, e) => cur && rules.onFact(cur, fact, e.data, e.occurredAt), { key: "orderId", contract: NEEDS[fact] })])
	)
};

export default service;
