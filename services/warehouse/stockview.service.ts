/**
 * warehouse.stockview — the per-customer stock view (CQRS): one row per stock, folded only from events (in
 * memory, or in Redis with REDIS_URL, shared by every replica): what each stock holds and what is on its way.
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { eventView } from "../../mixins/view.mixin";
import { foldStock, STOCK_VIEW_EVENTS, type StockRow } from "./stock.view";

const LIST: ListSpec = { filters: { customer: "string", product: "string", status: "string" }, sortable: ["updatedAt", "product", "quantity"], defaultSort: "-updatedAt" };

/** What the fold reads of each fact beyond its stockId: whose stock, of what, how many; the stock's facts also what it holds after. */
const DELIVERY = { customer: "string|empty:false", product: "string|empty:false", qty: "number|integer|positive" } as const;
const OF_STOCK = { ...DELIVERY, quantity: "number|integer|min:0" } as const;

const service: ContextSchema = {
	name: "warehouse.stockview",
	mixins: [
		eventView<StockRow>({
			system: "warehouse",
			key: "stockId",
			events: STOCK_VIEW_EVENTS,
			contracts: { DeliveryRequested: DELIVERY, DeliveryCancelled: DELIVERY, InStock: OF_STOCK, Shipped: OF_STOCK, Disposed: OF_STOCK },
			fold: foldStock,
			entity: "Stock view row",
			list: LIST,
			// A customer's stock view: their own stocks only; staff all.
			read: { roles: ["customer", "warehouse", "admin"], owner: "customer" }
		})
	]
};

export default service;
