/**
 * flowerdelivery.order — the core context. Placing an order calls payment synchronously (timeout,
 * circuit breaker, bulkhead at payment); an order whose payment did not succeed is never established.
 */
import type { Context, Service } from "moleculer";
import { requireParam, type AccessRule } from "../../mixins/access";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { EventContract } from "../../mixins/channels";
import type { ListSpec } from "../../mixins/listing";
import { paidPlacement, type PlacementMethods } from "../../mixins/payment";
import type { ContextSchema } from "../../mixins/schema";
import type { ContextResponseMeta } from "moleculer-web";
import { cancel, onFact, paymentFailed, paymentSucceeded, startPlacement, type Order, type OrderFact, type OrderInput } from "./order.domain";

const LIST: ListSpec = { filters: { userName: "string", storeName: "string", status: "string" }, sortable: ["createdAt", "updatedAt", "status"], defaultSort: "-createdAt" };

/** A customer places, reads and cancels their own orders (the token's subject is the order's `userName`). */
const OWN_ORDERS: AccessRule = { roles: ["customer", "admin"], owner: "userName" };

type OrderMethods = AggregateMethods<Order> & PlacementMethods<Order, OrderInput>;
type OrderService = Service & OrderMethods;

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

/** What the order reads from a fact beyond its `orderId` (the facts not named: nothing more). */
const NEEDS: Partial<Record<string, EventContract>> = { OrderRejected: { reason: "string" } };

const service: ContextSchema<OrderMethods> = {
	name: "flowerdelivery.order",
	mixins: [
		aggregateStore<Order>({ system: "flowerdelivery", entity: "Order", list: LIST, read: OWN_ORDERS }),
		paidPlacement<Order, OrderInput>({
			system: "flowerdelivery",
			rules: { start: startPlacement, payment: o => ({ orderId: o.id, userName: o.userName, amount: o.amount }), paid: paymentSucceeded, failed: paymentFailed }
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
				return this.placeOrder(ctx, { storeName, itemName, qty, itemPrice, userName: requireParam(ctx.params.userName, "userName") });
			}
		},

		cancel: commandAction<Order>(cancel, {}, OWN_ORDERS)
	},

	channels: Object.fromEntries(
		Object.entries(FACTS).map(([type, toFact]) => [
			`flowerdelivery.${type}`,
			policy<Order>((cur, e) => cur && onFact(cur, toFact(e.data), e.occurredAt), { contract: NEEDS[type] })
		])
	)
};

export default service;
