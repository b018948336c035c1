/**
 * Flower delivery (shared/specs/flowerdelivery.md, seed 001): a customer orders an arrangement and pays at
 * once; the shop accepts (or rejects) and decorates it; a rider delivers it; MyPage shows every step.
 */
import { defineSystem } from "../system";
import type { FlowerEvents } from "./events";
import { flowerDeliveryDocs } from "./openapi";
import { flowerSaga, type FlowerContext } from "./saga";

export default defineSystem<FlowerContext, FlowerEvents>({
	name: "flowerdelivery",
	title: "Flower delivery",
	description: "Flower delivery: order (paid at once), store, delivery, MyPage.",
	contexts: ["order", "payment", "store", "delivery", "mypage"],
	// Resource names follow the seed.
	routes: {
		order: { "POST /orders": "place", "GET /orders": "list", "GET /orders/:id": "get", "DELETE /orders/:id": "cancel" },
		payment: { "GET /payments": "list", "GET /payments/:id": "get" },
		store: {
			"GET /ordermanagements": "list",
			"GET /ordermanagements/:id": "get",
			"POST /ordermanagements/:id/accept": "accept",
			"POST /ordermanagements/:id/reject": "reject",
			"POST /ordermanagements/:id/decorate": "decorate"
		},
		delivery: { "GET /deliveries": "list", "GET /deliveries/:id": "get", "POST /deliveries/:id/start": "start", "POST /deliveries/:id/complete": "complete" },
		mypage: { "GET /myPages": "list", "GET /myPages/:orderId": "get" }
	},
	docs: flowerDeliveryDocs,
	accounts: [
		// The seed's customer (`userName=LKJ` in its commands).
		{ username: "LKJ", password: "lkj-demo-pw", roles: ["customer"] },
		// The owner of the seed's shop KJSHOP.
		{ username: "kjshop", password: "kjshop-demo-pw", roles: ["store"], store: "KJSHOP" },
		{ username: "rider", password: "rider-demo-pw", roles: ["rider"] },
		// The seed's machine client (`Authorization: Basic dWVuZ2luZS1jbGllbnQ6dWVuZ2luZS1zZWNyZXQ=`), which read any order.
		{ clientId: "uengine-client", clientSecret: "uengine-secret", roles: ["admin"] }
	],
	saga: flowerSaga,
	// The reliability suite (docs/reliability.md): what it does not run, and why.
	reliability: {
		optOut: {
			"supporting-down": {
				payment: "synchronous step of placing (pay): while it is down nothing is placed (503 + Retry-After), so its upstream takes no requests for it to catch up on; down is covered by step-down (d)"
			}
		}
	}
});
