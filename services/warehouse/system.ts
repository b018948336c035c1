/**
 * Warehouse (shared/specs/warehouse.md, seed 004 "창고 관리"): customers store goods — they request inbound
 * deliveries, staff receive them and the warehouse books them into the stock synchronously (exactly once),
 * stock is shipped out and disposed of (never below zero), and the customer is told of every change.
 * Walkthrough: docs/warehouse.md.
 */
import { defineSystem } from "../system";
import type { WarehouseEvents } from "./events";
import { warehouseDocs } from "./openapi";
import { warehouseSaga, type WarehouseContext } from "./saga";

export default defineSystem<WarehouseContext, WarehouseEvents>({
	name: "warehouse",
	title: "Warehouse",
	description: "Warehouse: inbound deliveries (received = booked synchronously, once), stock per customer and product (never negative), messages on every change, a stock view (docs/warehouse.md).",
	contexts: ["delivery", "warehouse", "notification", "stockview"],
	// The spec's resource names (the seed shows no HTTP command of its own).
	routes: {
		delivery: {
			"POST /deliveries": "request",
			"GET /deliveries": "list",
			"GET /deliveries/:id": "get",
			"POST /deliveries/:id/receive": "receive",
			"DELETE /deliveries/:id": "cancel"
		},
		warehouse: { "GET /warehouses": "list", "GET /warehouses/:id": "get", "POST /warehouses/:id/ship": "ship", "POST /warehouses/:id/dispose": "dispose" },
		notification: { "GET /notifications": "list", "GET /notifications/:id": "get" },
		stockview: { "GET /stocks": "list", "GET /stocks/:stockId": "get" }
	},
	docs: warehouseDocs,
	accounts: [
		// A customer storing goods (the seed names none: 홍길동, Korea's "John Doe").
		{ username: "gildong", password: "gildong-demo-pw", roles: ["customer"] },
		// Warehouse staff: receive deliveries, dispose of stock.
		{ username: "whstaff", password: "whstaff-demo-pw", roles: ["warehouse"] }
	],
	saga: warehouseSaga,
	// The reliability suite (docs/reliability.md): what it does not run, and why.
	reliability: {
		optOut: {
			"supporting-down": {
				warehouse: "synchronous step of receiving (book) that consumes no event: there is nothing for it to catch up on, and while it is down a receive answers 503 + Retry-After with nothing booked; down is covered by step-down (d)"
			}
		}
	},
	guide: "docs/warehouse.md"
});
