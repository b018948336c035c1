/**
 * The product-order mall (shared/specs/productorder.md, seed 002): customers order products and pay at once,
 * the product's stock is reserved (never oversold), the courier delivers, every change is a notice, and the
 * customer center shows it all. Walkthrough: docs/productorder.md.
 */
import { defineSystem } from "../system";
import type { ProductOrderEvents } from "./events";
import { productOrderDocs } from "./openapi";
import { productOrderSaga, type ProductOrderContext } from "./saga";

export default defineSystem<ProductOrderContext, ProductOrderEvents>({
	name: "productorder",
	title: "Product-order mall",
	description: "The product-order mall (상품주문시스템): order (paid at once), pay, product stock, delivery, notices, customer center (docs/productorder.md).",
	contexts: ["order", "pay", "product", "delivery", "notice", "customercenter"],
	// Resource names follow the seed; there is no public POST /pays (the pay is the order's synchronous step).
	routes: {
		order: { "POST /orders": "place", "GET /orders": "list", "GET /orders/:id": "get", "DELETE /orders/:id": "cancel" },
		pay: { "GET /pays": "list", "GET /pays/:id": "get" },
		product: { "POST /products": "create", "GET /products": "list", "GET /products/:itemcd": "get", "POST /products/:itemcd/restock": "restock" },
		delivery: {
			"GET /deliveries": "list",
			"GET /deliveries/:id": "get",
			"POST /deliveries/:id/deliverystarted": "start",
			"POST /deliveries/:id/deliverycompleted": "complete"
		},
		notice: { "GET /notices": "list", "GET /notices/:id": "get" },
		customercenter: { "GET /customercenters": "list", "GET /customercenters/:orderId": "get" }
	},
	docs: productOrderDocs,
	accounts: [
		// Two customers of the mall (the seed names none), the product manager (store role) and the courier (rider role).
		{ username: "mallbuyer", password: "mallbuyer-demo-pw", roles: ["customer"] },
		{ username: "mallbuyer2", password: "mallbuyer2-demo-pw", roles: ["customer"] },
		{ username: "mallmanager", password: "mallmanager-demo-pw", roles: ["store"] },
		{ username: "mallcourier", password: "mallcourier-demo-pw", roles: ["rider"] }
	],
	saga: productOrderSaga,
	// The reliability suite (docs/reliability.md): what it does not run, and why.
	reliability: {
		optOut: {
			"supporting-down": {
				pay: "synchronous step of placing (pay): while it is down nothing is placed (503 + Retry-After), so its upstream takes no requests for it to catch up on; down is covered by step-down (d)"
			}
		}
	},
	guide: "docs/productorder.md"
});
