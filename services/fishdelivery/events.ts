/**
 * Fish delivery's published language: the seed's event names and what each one carries (always the
 * correlation key `orderId`). Channels are `fishdelivery.<EventType>`.
 */
import { eventsOf } from "../../domain";

/** What the customer ordered. `telephone` is a string kept exactly as sent ("01012341234", leading zero). */
export type FishOrderDetails = {
	customerName: string;
	fishName: string;
	qty: number;
	telephone: string;
	address: string;
};

export type OrderDetailsData = FishOrderDetails & { orderId: string };

/** Why an order was canceled: by the customer, or never established because its payment failed. */
export type CancelReason = "customer" | "payment-failed";

export type FishEvents = {
	OrderPlaced: OrderDetailsData;
	PayApproved: OrderDetailsData;
	PayCanceled: { orderId: string; customerName: string };
	OrderTaken: OrderDetailsData;
	DeliveryStarted: { orderId: string; customerName: string; address: string };
	DeliveryCompleted: { orderId: string; customerName: string };
	/** The delivery will not happen: the order's cancel was accepted before it started. */
	DeliveryCanceled: { orderId: string; customerName: string };
	OrderCanceled: OrderDetailsData & { reason: CancelReason };
};

export type FishEvent = keyof FishEvents;

/** A fact to publish, its payload checked against its name. */
export const fishEvent = eventsOf<FishEvents>();

export function detailsOf(d: FishOrderDetails): FishOrderDetails {
	return { customerName: d.customerName, fishName: d.fishName, qty: d.qty, telephone: d.telephone, address: d.address };
}
