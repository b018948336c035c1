/**
 * productorder.product — the products and their stock. The product manager adds products (a second POST of
 * an itemcd answers 409) and restocks them; on `PayApproved` the product reserves the order's units
 * (DeliveryPrepared) or refuses them (OutOfStock), on `OrderCanceled` it gives back exactly what it reserved.
 * One product is one aggregate written by every order for it (a hot aggregate): its writers queue in this
 * process, and other replicas are fenced by the store's version check — it is never oversold.
 */
import type { Context, Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import type { AccessRule } from "../../lib/access";
import { assertInScope } from "../../lib/access";
import { notFound } from "../../lib/errors";
import { createAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume, policy } from "../../mixins/consume";
import { listParams, readRetry, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { ITEMCD_PARAM, ITEMCD_PATH, itemcdOf, ORDER_ID_RULE } from "./params";
import { addProduct, isProduct, onOrderCanceled, onPayApproved, refuseUnknownItem, restock, unknownItemId, type OrderCanceledData, type PayApprovedData, type Product, type StockRecord } from "./product.domain";

const LIST: ListSpec = { filters: { itemcd: "string", name: "string" }, sortable: ["itemcd", "createdAt", "updatedAt", "totalQuantity"], defaultSort: "itemcd" };

/** The product manager (the store role; the mall has one shop) adds and restocks products. */
const MANAGERS: AccessRule = { roles: ["store", "admin"] };
/** Customers browse the products, the product manager checks the stock. */
const READERS: AccessRule = { roles: ["customer", "store", "admin"] };

type ProductService = Service & AggregateMethods<StockRecord>;

interface AddParams {
	itemcd: string | number;
	totalQuantity: number;
	name?: string;
}

/** The product `itemcd`, or 404 (an answer kept for an unknown item is no product). */
async function productOf(svc: ProductService, itemcd: string): Promise<Product> {
	const found = await svc.loadState(itemcd);
	if (!isProduct(found)) throw notFound("Product", itemcd);
	return found;
}

const service: ContextSchema<AggregateMethods<StockRecord>> = {
	name: "productorder.product",
	mixins: [aggregateStore<StockRecord>({ system: "productorder", entity: "Product" })],

	actions: {
		/** The seed's `POST /products itemcd="2" totalQuantity="100"`. */
		create: createAction<StockRecord, AddParams>({
			auth: MANAGERS,
			params: {
				itemcd: ITEMCD_PARAM,
				totalQuantity: { type: "number", integer: true, min: 0, max: 1000000000, convert: true },
				name: { type: "string", min: 1, max: 200, trim: true, optional: true }
			},
			id: p => itemcdOf(p.itemcd),
			build: (id, p, now) => addProduct(id, { totalQuantity: p.totalQuantity, ...(p.name !== undefined ? { name: p.name } : {}) }, now),
			location: id => `/api/productorder/products/${id}`
		}),

		list: {
			auth: READERS,
			retryPolicy: readRetry,
			params: listParams(LIST),
			handler(this: ProductService, ctx: Context<Record<string, unknown>>) {
				const q = toPageQuery(ctx.params, LIST);
				return this.findPage({ ...q, query: { ...q.query, kind: "product" } });
			}
		},

		get: {
			auth: READERS,
			retryPolicy: readRetry,
			params: { $$strict: true, itemcd: ITEMCD_PATH },
			async handler(this: ProductService, ctx: Context<{ itemcd: string }>) {
				const product = await productOf(this, ctx.params.itemcd);
				assertInScope(ctx, product, `Product '${ctx.params.itemcd}'`);
				return product;
			}
		},

		/** More units arrive: `POST /products/:itemcd/restock {"qty"}`. */
		restock: {
			auth: MANAGERS,
			params: { $$strict: true, itemcd: ITEMCD_PATH, qty: { type: "number", integer: true, positive: true, max: 1000000000, convert: true } },
			handler(this: ProductService, ctx: Context<{ itemcd: string; qty: number }, ContextResponseMeta>) {
				return this.command(ctx.params.itemcd, ctx, (current, now) => {
					if (!isProduct(current)) throw notFound("Product", ctx.params.itemcd);
					return restock(current, ctx.params.qty, now);
				});
			}
		}
	},

	channels: {
		/**
		 * A paid order asks for its units, addressed by its itemcd. A product answers it (reserved or short); an
		 * itemcd that is no product is answered from a record of the order's own, which creates no product.
		 * Either answer is given once: a redelivered event finds the product's entry, or the order's record.
		 */
		"productorder.PayApproved": consume<ProductService, PayApprovedData>(
			async function (event, ctx) {
				const d = event.data;
				if (await this.loadState(unknownItemId(d.orderId))) return; // answered already: no such product
				let unknown = false;
				await this.commit(
					d.itemcd,
					current => {
						if (isProduct(current)) return onPayApproved(current, d, event.occurredAt);
						unknown = true;
						return null;
					},
					{ ctx, causationId: event.id }
				);
				if (unknown) await this.commit(unknownItemId(d.orderId), current => (current ? null : refuseUnknownItem(d, event.occurredAt)), { ctx, causationId: event.id });
			},
			{ key: "itemcd", contract: { orderId: ORDER_ID_RULE, customer: "string|empty:false", item: "string|empty:false", orderQty: "number|integer|positive", address: "string|optional" } }
		),

		/** The order was cancelled: what was reserved for it comes back (a product only: nothing was ever held for an unknown item). */
		"productorder.OrderCanceled": policy<StockRecord, OrderCanceledData>((current, e) => (isProduct(current) ? onOrderCanceled(current, e.data, e.occurredAt) : null), {
			key: "itemcd",
			contract: { orderId: ORDER_ID_RULE, customer: "string|empty:false", orderQty: "number|integer|positive" }
		})
	}
};

export default service;
