/**
 * Flower delivery's published language: the events, what each one carries (always the correlation key
 * `orderId`), and a typed constructor. Channels are `flowerdelivery.<EventType>`.
 */
import { eventsOf } from "../../domain";

/** Why a payment was refunded: the customer cancelled, or by force (rejected, or never established). */
export type RefundReason = "customer" | "forced";

export type FlowerEvents = {
	OrderPlaced: { orderId: string; storeName: string; itemName: string; qty: number; itemPrice: number; userName: string };
	/** A placement whose payment was declined, failed or timed out: a charge that lands late is refunded. */
	OrderPlacementFailed: { orderId: string; userName: string; reason: string };
	OrderCancelled: { orderId: string; userName: string; storeName: string };
	PaymentApproved: { orderId: string; userName: string; amount: number };
	PaymentCancelled: { orderId: string; userName: string; amount: number; reason: RefundReason };
	OrderAccepted: { orderId: string; storeName: string };
	OrderRejected: { orderId: string; storeName: string; reason: string };
	DecorationCompleted: { orderId: string; storeName: string; itemName: string; qty: number; userName: string };
	DeliveryRequested: { orderId: string; storeName: string; userName: string };
	DeliveryStarted: { orderId: string; userName: string };
	DeliveryCompleted: { orderId: string; userName: string };
	/** The delivery will not happen: the order's cancel was accepted before the rider started. */
	DeliveryCancelled: { orderId: string; userName: string };
};

export type FlowerEvent = keyof FlowerEvents;

export const flowerEvent = eventsOf<FlowerEvents>();
