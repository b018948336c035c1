/**
 * flowerdelivery.payment — charges an order once (idempotent per orderId) and refunds it when the order is
 * cancelled, rejected or never established. Declines and latency are simulated from configuration.
 */
import { config } from "../../config";
import type { AccessRule } from "../../mixins/access";
import { aggregateStore, policy, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import { payAction } from "../../mixins/payment";
import type { ContextSchema } from "../../mixins/schema";
import { onOrderCancelled, onOrderPlacementFailed, onOrderRejected, pay, type PayRequest, type Payment } from "./payment.domain";

const LIST: ListSpec = { filters: { orderId: "string", userName: "string", status: "string" }, sortable: ["createdAt", "updatedAt"], defaultSort: "-createdAt" };

/** A customer reads the payments of their own orders. */
const OWN_PAYMENTS: AccessRule = { roles: ["customer", "admin"], owner: "userName" };

const service: ContextSchema<AggregateMethods<Payment>> = {
	name: "flowerdelivery.payment",
	mixins: [aggregateStore<Payment>({ system: "flowerdelivery", entity: "Payment", list: LIST, read: OWN_PAYMENTS })],

	actions: {
		pay: payAction<Payment, PayRequest>(
			{ orderId: { type: "string", min: 1, max: 100 }, userName: { type: "string", min: 1, max: 100 }, amount: { type: "number", convert: true } },
			(cur, req, now) => pay(cur, req, { declineAbove: config.payment.declineAbove }, now)
		)
	},

	channels: {
		"flowerdelivery.OrderCancelled": policy<Payment>((cur, e) => onOrderCancelled(cur, e.occurredAt)),
		"flowerdelivery.OrderRejected": policy<Payment>((cur, e) => onOrderRejected(cur, e.occurredAt)),
		"flowerdelivery.OrderPlacementFailed": policy<Payment, { userName: string }>((cur, e) => onOrderPlacementFailed(cur, e.data.orderId, e.data.userName, e.occurredAt), {
			contract: { userName: "string|empty:false" }
		})
	}
};

export default service;
