/**
 * The Draw (shared/specs/thedraw.md, seed 000: "NIKE THE DRAW"): a sneaker raffle. Customers apply for a draw
 * of a limited item in their size, an admin runs the raffle once (fair and recomputable), only certified
 * winners buy, and every change of an entry is told by SMS. Walkthrough: docs/thedraw.md.
 */
import { defineSystem } from "../system";
import type { DrawEvents } from "./events";
import { theDrawDocs } from "./openapi";
import { drawSaga, type DrawContext } from "./saga";

export default defineSystem<DrawContext, DrawEvents>({
	name: "thedraw",
	title: "The Draw",
	description: "The Draw: entries (draw), a fair raffle run once (raffle), certified checkout (order → auth), SMS (notification), MyPage (docs/thedraw.md).",
	contexts: ["draw", "raffle", "order", "auth", "notification", "mypage"],
	// Resource names follow the seed (`/draws`) and the spec.
	routes: {
		draw: { "POST /draws": "apply", "GET /draws": "list", "GET /draws/:id": "get", "DELETE /draws/:id": "cancel" },
		raffle: { "POST /raffles/:drawId/run": "run", "GET /raffles/:drawId": "get", "GET /raffles/:drawId/verify": "verify" },
		order: { "POST /orders": "place", "GET /orders/:id": "get", "DELETE /orders/:id": "cancel" },
		notification: { "GET /notifications": "list" },
		mypage: { "GET /myPages": "list", "GET /myPages/:entryId": "get" }
	},
	docs: theDrawDocs,
	accounts: [
		// The seed's customer (`userId="dj14"` in its command).
		{ username: "dj14", password: "dj14-demo-pw", roles: ["customer"] },
		// A second customer for the walkthrough's raffle (someone has to lose).
		{ username: "sneakerfan", password: "sneakerfan-demo-pw", roles: ["customer"] }
	],
	saga: drawSaga,
	// The reliability suite (docs/reliability.md): what it does not run, and why.
	reliability: {
		optOut: {
			"supporting-down": {
				auth: "synchronous step of checkout (certify) that consumes no event: there is nothing for it to catch up on, and while it is down checkout answers 503 + Retry-After with nothing placed; down is covered by step-down (d)"
			}
		}
	},
	guide: "docs/thedraw.md"
});
