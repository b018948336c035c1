/** REST resources of fish delivery under /api/fishdelivery (resource names follow the seed). */
const resources: Record<string, Record<string, string>> = {
	order: { "POST /orders": "place", "GET /orders": "list", "GET /orders/:id": "get", "DELETE /orders/:id": "cancel" },
	payment: { "GET /payments": "list", "GET /payments/:id": "get" },
	// The seed took an order with `PATCH /fishstores/:id status="prepared"`; `POST …/take` says the same.
	fishstore: { "GET /fishstores": "list", "GET /fishstores/:id": "get", "PATCH /fishstores/:id": "update", "POST /fishstores/:id/take": "take" },
	delivery: { "GET /deliveries": "list", "GET /deliveries/:id": "get", "POST /deliveries/:id/complete": "complete" },
	mypage: { "GET /myPages": "list", "GET /myPages/:orderId": "get" }
};

export const fishDeliveryRoutes: Record<string, string> = Object.fromEntries(
	Object.entries(resources).flatMap(([context, aliases]) => Object.entries(aliases).map(([route, action]) => [route, `fishdelivery.${context}.${action}`]))
);
