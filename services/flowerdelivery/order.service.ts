/**
 * flowerdelivery.order — the core context. Placing an order takes its payment synchronously (the saga's
 * `pay` step); an order whose payment did not succeed is never established. A cancel is asked of the
 * delivery context, which owns the pivot (the rider starting). The order follows the other contexts' facts
 * so the customer can check it at any time.
 */
import type { Context, Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { requireParam, type AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import { idParam, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { cancelAtPivot, syncPlacement, type PlacementMethods } from "../../mixins/sync-step";
import type { EventContract } from "../../lib/contracts";
import * as rules from "./order.domain";
import type { Order, OrderInput } from "./order.domain";
import { cancelDelivery, pay } from "./saga";

const LIST: ListSpec = { filters: { userName: "string", storeName: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** A customer places, reads and cancels their own orders (the token's subject is the order's `userName`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "userName" };

type OrderMethods = AggregateMethods<Order> & PlacementMethods<Order, OrderInput>;
type OrderService = Service & OrderMethods;

/** What the order reads from a fact beyond its `orderId` (the facts not named: nothing more). */
const NEEDS: Partial<Record<rules.OrderFact, EventContract>> = { OrderRejected: { reason: "string" } };

const service: ContextSchema<OrderMethods> = {
	name: "flowerdelivery.order",
	mixins: [
		aggregateStore<Order>({ system: "flowerdelivery", entity: "Order", list: LIST, read: OWN_ORDERS }),
		syncPlacement({
			step: pay,
			pendingStatus: "PaymentPending",
			what: "the order",
			stepTitle: "Payment",
			location: id => `/api/flowerdelivery/orders/${id}`,
			rules: { start: rules.startPlacement, request: rules.payRequest, succeeded: (o, _payment, now) => rules.paymentSucceeded(o, now), failed: rules.paymentFailed, outcome: rules.placementOutcome }
		})
	],

	actions: {
		place: {
			auth: OWN_ORDERS,
			params: {
				$$strict: true,
				storeName: { type: "string", min: 1, max: 100, trim: true },
				itemName: { type: "string", min: 1, max: 200, trim: true },
				qty: { type: "number", integer: true, positive: true, max: 1000, convert: true },
				itemPrice: { type: "number", min: 0, max: 100000000, convert: true },
				// The customer: the token's subject when left out; someone else's name is refused (403) unless by an admin.
				userName: { type: "string", min: 1, max: 100, trim: true, optional: true }
			},
			handler(this: OrderService, ctx: Context<OrderInput, ContextResponseMeta>) {
				const { storeName, itemName, qty, itemPrice } = ctx.params;
				return this.place(ctx, { storeName, itemName, qty, itemPrice, userName: requireParam(ctx.params.userName, "userName") });
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

	channels: Object.fromEntries(
		rules.ORDER_FACTS.map(type => [
			`flowerdelivery.${type}`,
			policy<Order>((cur, e) => cur && rules.onFact(cur, type, e.data, e.occurredAt), { key: "orderId", contract: NEEDS[type] })
		])
	)
};

export default service;
