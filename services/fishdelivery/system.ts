/**
 * Fish delivery (shared/specs/fishdelivery.md, seed 003): online sashimi delivery from a fish shop whose own
 * riders deliver. Walkthrough: docs/fishdelivery.md.
 */
import { defineSystem } from "../system";
import type { FishEvents } from "./events";
import { fishDeliveryDocs } from "./openapi";
import { fishSaga, type FishContext } from "./saga";

export default defineSystem<FishContext, FishEvents>({
	name: "fishdelivery",
	title: "Fish delivery",
	description: "Fish delivery: order (paid at once), fish shop, delivery, MyPage (docs/fishdelivery.md).",
	contexts: ["order", "payment", "fishstore", "delivery", "mypage"],
	// Resource names follow the seed.
	routes: {
		order: { "POST /orders": "place", "GET /orders": "list", "GET /orders/:id": "get", "DELETE /orders/:id": "cancel" },
		payment: { "GET /payments": "list", "GET /payments/:id": "get" },
		// The seed took an order with `PATCH /fishstores/:id status="prepared"`; `POST …/take` says the same.
		fishstore: { "GET /fishstores": "list", "GET /fishstores/:id": "get", "PATCH /fishstores/:id": "update", "POST /fishstores/:id/take": "take" },
		delivery: { "GET /deliveries": "list", "GET /deliveries/:id": "get", "POST /deliveries/:id/complete": "complete" },
		mypage: { "GET /myPages": "list", "GET /myPages/:orderId": "get" }
	},
	docs: fishDeliveryDocs,
	accounts: [
		// The seed's customer (`customerName=HanYongsun`).
		{ username: "HanYongsun", password: "han-demo-pw", roles: ["customer"] },
		// The fish shop's owner (the seed's one shop has no name): the same owner as flower delivery's KJSHOP.
		{ username: "kjshop", password: "kjshop-demo-pw", roles: ["store"], store: "KJSHOP" },
		{ username: "rider", password: "rider-demo-pw", roles: ["rider"] }
	],
	saga: fishSaga,
	// The reliability suite (docs/reliability.md): what it does not run, and why.
	reliability: {
		optOut: {
			"supporting-down": {
				payment: "synchronous step of placing (pay): while it is down nothing is placed (503 + Retry-After), so its upstream takes no requests for it to catch up on; down is covered by step-down (d)"
			}
		}
	},
	guide: "docs/fishdelivery.md"
});
