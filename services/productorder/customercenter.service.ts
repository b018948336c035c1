/**
 * productorder.customercenter — the customer center (the seed's CQRS view): each order with its pay and
 * delivery status, per customer, folded only from events (in Redis with REDIS_URL, so every replica sees one
 * view), correct whatever order the events arrive in.
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { eventView } from "../../mixins/view.mixin";
import { CUSTOMER_CENTER_EVENTS, foldCustomerCenter, type CustomerCenterRow } from "./customercenter.view";
import { ORDER_DETAILS_CONTRACT } from "./params";

const LIST: ListSpec = { filters: { customer: "string", orderStatus: "string", deliveryStatus: "string", itemcd: "string" }, sortable: ["updatedAt", "orderStatus"], defaultSort: "-updatedAt" };

const service: ContextSchema = {
	name: "productorder.customercenter",
	mixins: [
		eventView<CustomerCenterRow>({
			system: "productorder",
			key: "orderId",
			events: CUSTOMER_CENTER_EVENTS,
			// The order's details (its customer too) come with Ordered; the other facts move statuses (and name the customer).
			contracts: {
				Ordered: ORDER_DETAILS_CONTRACT,
				OutOfStock: { customer: "string|empty:false", reason: { type: "enum", values: ["short", "unknownItem"] } },
				...Object.fromEntries(CUSTOMER_CENTER_EVENTS.filter(t => t !== "Ordered" && t !== "OutOfStock").map(t => [t, { customer: "string|empty:false" }]))
			},
			fold: foldCustomerCenter,
			entity: "Customer center entry",
			list: LIST,
			// A customer's customer center: their own orders only.
			read: { roles: ["customer", "admin"], owner: "customer" },
			visible: row => row.ordered
		})
	]
};

export default service;
