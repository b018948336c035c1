/**
 * fishdelivery.payment — pays for an order while it is placed (idempotent per orderId), tells the shop once
 * the order is established (PayApproved), and cancels the payment with its order (PayCanceled). Stored in
 * the deployment's durable document store (MongoDB when MONGO_URI is set), as the seed wanted for payments.
 */
import type { AccessRule } from "../../mixins/access";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import { payAction } from "../../mixins/payment";
import type { ContextSchema } from "../../mixins/schema";
import type { FishEvents, OrderDetailsData } from "./events";
import { ORDER_DETAILS_CONTRACT, ORDER_DETAILS_PARAMS } from "./params";
import { approve, onOrderCanceled, onOrderPlaced, type Payment } from "./payment.domain";

const LIST: ListSpec = { filters: { orderId: "string", customerName: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads the payments of their own orders. */
const OWN_PAYMENTS: AccessRule = { roles: ["customer", "admin"], owner: "customerName" };

const service: ContextSchema<AggregateMethods<Payment>> = {
	name: "fishdelivery.payment",
	mixins: [aggregateStore<Payment>({ system: "fishdelivery", entity: "Payment", list: LIST, read: OWN_PAYMENTS })],

	actions: {
		pay: payAction<Payment, OrderDetailsData>({ orderId: { type: "string", min: 1, max: 100 }, ...ORDER_DETAILS_PARAMS }, approve)
	},

	channels: {
		"fishdelivery.OrderPlaced": policy<Payment, FishEvents["OrderPlaced"]>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt), { contract: ORDER_DETAILS_CONTRACT }),
		// The payment is canceled whatever the reason: it reads the order, not why.
		"fishdelivery.OrderCanceled": policy<Payment, OrderDetailsData>((cur, e) => onOrderCanceled(cur, e.data, e.occurredAt), { contract: ORDER_DETAILS_CONTRACT })
	}
};

export default service;
