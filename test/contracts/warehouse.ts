/** Warehouse: each producer's commands and policies, fed with what the other producers told. */
import * as delivery from "../../services/warehouse/delivery.domain";
import { warehouseEvent, type WarehouseEvents } from "../../services/warehouse/events";
import { messageFor, messageSent } from "../../services/warehouse/notification.domain";
import { stockIdOf } from "../../services/warehouse/stock-id";
import * as stock from "../../services/warehouse/stock.domain";
import { recorder, type Produced } from "./recorder";

const T = "2026-01-01T00:00:00.000Z";

export function produces(): Produced[] {
	const { produced, tell, dataOf } = recorder("warehouse");
	const stockId = stockIdOf("gildong", "사과");
	const input = { customer: "gildong", product: "사과", qty: 5 };

	// delivery: requested, received on the warehouse's answer; another cancelled alone; a third received by its InStock.
	const d1 = tell("delivery", "requestDelivery", delivery.requestDelivery("d1", input, stockId, T));
	const asked = tell("delivery", "startReceipt", delivery.startReceipt(d1, T));
	const d2 = tell("delivery", "requestDelivery", delivery.requestDelivery("d2", { ...input, qty: 2 }, stockId, T));
	tell("delivery", "cancelUnbooked", delivery.cancelUnbooked(d2, T));
	const d3 = tell("delivery", "requestDelivery", delivery.requestDelivery("d3", input, stockId, T));

	// warehouse: books d1 (the step) and d3, ships, disposes.
	const s1 = tell("warehouse", "book", stock.book(null, delivery.bookRequest(asked), T));
	tell("delivery", "received", delivery.received(asked, stock.bookingOf(s1, "d1")!, T));
	const s2 = tell("warehouse", "book", stock.book(s1, delivery.bookRequest(d3), T));
	tell("delivery", "onInStock", delivery.onInStock(d3, dataOf<WarehouseEvents["InStock"]>("InStock", d => d.deliveryId === "d3"), T));
	const s3 = tell("warehouse", "ship", stock.ship(s2, 3, T));
	tell("warehouse", "dispose", stock.dispose(s3, 1, "파손", T));

	// notification: a message for a change, then MessageSent once it went out.
	const sent = { ...messageFor("Shipped", dataOf<WarehouseEvents["Shipped"]>("Shipped")), id: "m1", sentAt: T };
	tell("notification", "messageSent", { state: sent, events: [warehouseEvent("MessageSent", messageSent(sent))] });
	const received = { ...messageFor("InStock", dataOf<WarehouseEvents["InStock"]>("InStock")), id: "m2", sentAt: T };
	tell("notification", "messageSent", { state: received, events: [warehouseEvent("MessageSent", messageSent(received))] });
	return produced;
}
