/**
 * The warehouse's saga, written down once (domain/saga.ts): every fact with its producer and consumers, the
 * two synchronous steps as typed participants, and the pivot with its owner.
 *
 * Receiving (delivery → warehouse `book`, synchronous, the seed's "Sync 호출": what was delivered must match
 * the books): the warehouse books the delivery into the stock and tells InStock in the same write; the
 * delivery is `received` on its answer. The booking is the pivot — a receipt only goes forward: a booking
 * whose answer was lost (timeout, the caller died) is not undone, its InStock makes the delivery received.
 * Cancelling: a delivery the warehouse was never asked to book is cancelled by the delivery alone; once it
 * was asked, the cancel is asked of the warehouse (`cancelDelivery`), which accepts (and never books it) or
 * refuses (booked: 409 `received`).
 */
import { defineSaga, participant } from "../../domain";
import type { Booking, BookRequest, CancelDeliveryRequest } from "./delivery.domain";
import type { WarehouseEvents } from "./events";

export type WarehouseContext = "delivery" | "warehouse" | "notification" | "stockview";

/** delivery → warehouse, inside receiving: a delivery is received only once the warehouse booked it. */
export const book = participant<BookRequest, Booking>("warehouse.warehouse.book");
/** delivery → warehouse, inside cancelling a delivery it was asked to book: the owner of the booking decides. */
export const cancelDelivery = participant<CancelDeliveryRequest, { deliveryId: string; status: "cancelled" }>("warehouse.warehouse.cancelDelivery");

export const warehouseSaga = defineSaga<WarehouseContext, WarehouseEvents>()({
	keys: ["deliveryId", "stockId"],
	events: {
		DeliveryRequested: { producer: "delivery", consumers: ["notification", "stockview"] },
		DeliveryReceived: { producer: "delivery", consumers: [] },
		DeliveryCancelled: { producer: "delivery", consumers: ["notification", "stockview"], compensates: "DeliveryRequested" },
		InStock: { producer: "warehouse", consumers: ["delivery", "notification", "stockview"] },
		Shipped: { producer: "warehouse", consumers: ["notification", "stockview"], keys: ["stockId"] },
		Disposed: { producer: "warehouse", consumers: ["notification", "stockview"], keys: ["stockId"] },
		MessageSent: { producer: "notification", consumers: [], keys: ["stockId"] }
	},
	steps: {
		// No compensation: a booking that landed after its caller gave up is the receipt (InStock completes it).
		book: { caller: "delivery", owner: "warehouse", participant: book },
		cancelDelivery: { caller: "delivery", owner: "warehouse", participant: cancelDelivery }
	},
	pivots: [{ description: "the warehouse books the delivery into the stock (the receipt)", owner: "warehouse", event: "InStock", cancel: "cancelDelivery" }]
});
