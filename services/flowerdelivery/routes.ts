/** REST resources of flower delivery under /api/flowerdelivery (resource names follow the seed). */
export const flowerDeliveryRoutes: Record<string, string> = {
	"POST /orders": "flowerdelivery.order.place",
	"GET /orders": "flowerdelivery.order.list",
	"GET /orders/:id": "flowerdelivery.order.get",
	"DELETE /orders/:id": "flowerdelivery.order.cancel",
	"GET /payments": "flowerdelivery.payment.list",
	"GET /payments/:id": "flowerdelivery.payment.get",
	"GET /ordermanagements": "flowerdelivery.store.list",
	"GET /ordermanagements/:id": "flowerdelivery.store.get",
	"POST /ordermanagements/:id/accept": "flowerdelivery.store.accept",
	"POST /ordermanagements/:id/reject": "flowerdelivery.store.reject",
	"POST /ordermanagements/:id/decorate": "flowerdelivery.store.decorate",
	"GET /deliveries": "flowerdelivery.delivery.list",
	"GET /deliveries/:id": "flowerdelivery.delivery.get",
	"POST /deliveries/:id/start": "flowerdelivery.delivery.start",
	"POST /deliveries/:id/complete": "flowerdelivery.delivery.complete",
	"GET /myPages": "flowerdelivery.mypage.list",
	"GET /myPages/:orderId": "flowerdelivery.mypage.get"
};
