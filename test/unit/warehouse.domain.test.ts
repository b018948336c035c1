/**
 * The warehouse's domain alone (no broker): the inbound delivery's machine and who decides its cancel, the
 * stock's invariants — never negative, conserved (quantity = received − shipped − disposed), each delivery
 * booked at most once, a cancelled delivery never booked and a booked one never cancelled — property-based
 * over random sequences of receipts (with repeats), shipments, disposals and cancels; the messages.
 */
import fc from "fast-check";
import { DomainError, type Decision } from "../../domain";
import * as delivery from "../../services/warehouse/delivery.domain";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import { messageFor, messageSent, MESSAGE_EVENTS } from "../../services/warehouse/notification.domain";
import { stockIdOf } from "../../services/warehouse/stock-id";
import * as stock from "../../services/warehouse/stock.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import { expectDomainError } from "../support/expect";

const T = "2026-01-01T00:00:00.000Z";
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const S = stockIdOf("gildong", "사과");

function requested(id = "d1", qty = 3): InboundDelivery {
	return delivery.requestDelivery(id, { customer: "gildong", product: "사과", qty }, S, T).state;
}

/** The state a decision leads to (its state, or `current` when it decided nothing). */
const after = <S>(current: S, d: Decision<S> | null): S => d?.state ?? current;

describe("stockId", () => {
	it("is derived from the customer and the product: the same pair names the same stock, another pair another", () => {
		expect(stockIdOf("gildong", "사과")).toBe(S);
		expect(stockIdOf("gildong", "배")).not.toBe(S);
		expect(stockIdOf("other", "사과")).not.toBe(S);
		// no ambiguity from the separator: ("a\nb", "c") and ("a", "b\nc") differ too
		expect(stockIdOf("a\nb", "c")).not.toBe(stockIdOf("a", "b\nc"));
		expect(S).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});
});

describe("inbound delivery", () => {
	it("a request is `requested`, names its stock, and tells DeliveryRequested with both keys", () => {
		const d = delivery.requestDelivery("d1", { customer: "gildong", product: "사과", qty: 3 }, S, T);
		expect(d.state).toMatchObject({ id: "d1", deliveryId: "d1", stockId: S, status: "requested", qty: 3 });
		expect(d.events).toEqual([{ type: "DeliveryRequested", data: { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과", qty: 3 } }]);
	});

	it("receiving writes first that the warehouse is being asked (once), then turns received on its booking, told once", () => {
		const asked = delivery.startReceipt(requested(), at(1))!;
		expect(asked.events).toEqual([]);
		expect(asked.state.bookingRequestedAt).toBe(at(1));
		expect(delivery.startReceipt(asked.state, at(2))).toBeNull(); // asked before: nothing to write
		const booking = { deliveryId: "d1", stockId: S, qty: 3, quantity: 3, bookedAt: at(2) };
		const done = delivery.received(asked.state, booking, at(3))!;
		expect(done.state).toMatchObject({ status: "received", receivedAt: at(3) });
		expect(done.events.map(e => e.type)).toEqual(["DeliveryReceived"]);
		expect(delivery.received(done.state, booking, at(4))).toBeNull();
		expect(delivery.onInStock(done.state, booking, at(4))).toBeNull();
		// received twice: 409 with the status and the stock
		expectDomainError(() => delivery.startReceipt(done.state, at(5)), "IllegalTransition", "received");
		try {
			delivery.startReceipt(done.state, at(5));
		} catch (err) {
			expect((err as DomainError).details).toMatchObject({ status: "received", stockId: S, command: "receive" });
		}
	});

	it("InStock receives a delivery still requested (its receive timed out, or its context died before writing the answer)", () => {
		const d = delivery.startReceipt(requested(), at(1))!.state;
		const got = delivery.onInStock(d, { deliveryId: "d1", stockId: S }, at(2))!;
		expect(got.state.status).toBe("received");
		expect(got.events.map(e => e.type)).toEqual(["DeliveryReceived"]);
		expect(delivery.onInStock(null, { deliveryId: "d1", stockId: S }, at(2))).toBeNull();
	});

	it("a booking for another delivery or stock is not this delivery's receipt", () => {
		expectDomainError(() => delivery.received(requested(), { deliveryId: "d1", stockId: "elsewhere" }, at(1)), "IllegalTransition");
		expectDomainError(() => delivery.received(requested(), { deliveryId: "d2", stockId: S }, at(1)), "IllegalTransition");
	});

	it("a cancel the warehouse was never asked about is decided here; once it was asked, it is the warehouse's to decide", () => {
		const alone = delivery.cancelUnbooked(requested(), at(1))!;
		expect(alone.state).toMatchObject({ status: "cancelled", cancelledAt: at(1) });
		expect(alone.events).toEqual([{ type: "DeliveryCancelled", data: { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과", qty: 3 } }]);
		expectDomainError(() => delivery.cancelUnbooked(alone.state, at(2)), "IllegalTransition", "cancelled");
		expectDomainError(() => delivery.startReceipt(alone.state, at(2)), "IllegalTransition", "cancelled");

		const asked = delivery.startReceipt(requested(), at(1))!.state;
		expect(delivery.cancelUnbooked(asked, at(2))).toBeNull(); // ask the warehouse
		expect(delivery.cancelRequest(asked)).toEqual({ deliveryId: "d1", stockId: S, customer: "gildong", product: "사과" });
		const accepted = delivery.cancel(asked, at(3))!;
		expect(accepted.state.status).toBe("cancelled");
		expect(delivery.cancel(accepted.state, at(4))).toBeNull();
		// the warehouse refused (booked): 409 received, whatever this copy still says
		const refusal = delivery.cancelRefused(asked, { status: "received" });
		expect(refusal.details).toMatchObject({ status: "received", stockId: S });
	});

	it("a received delivery cannot be cancelled (409 received)", () => {
		const done = delivery.received(requested(), { deliveryId: "d1", stockId: S }, at(1))!.state;
		expectDomainError(() => delivery.checkCancel(done), "IllegalTransition", "received");
		expectDomainError(() => delivery.cancelUnbooked(done, at(2)), "IllegalTransition", "received");
		expectDomainError(() => delivery.cancel(done, at(2)), "IllegalTransition", "received");
	});
});

describe("stock", () => {
	const req = (deliveryId: string, qty: number) => ({ deliveryId, stockId: S, customer: "gildong", product: "사과", qty });

	it("the first booking opens the stock; a second adds to it; each tells InStock with the quantity after", () => {
		const first = stock.book(null, req("d1", 5), at(1))!;
		expect(first.state).toMatchObject({ id: S, stockId: S, customer: "gildong", product: "사과", quantity: 5, received: 5, status: "inStock" });
		expect(first.events).toEqual([{ type: "InStock", data: { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과", qty: 5, quantity: 5 } }]);
		const second = stock.book(first.state, req("d2", 2), at(2))!;
		expect(second.state.quantity).toBe(7);
		expect(second.state.bookings.map(b => [b.deliveryId, b.qty, b.quantity])).toEqual([
			["d1", 5, 5],
			["d2", 2, 7]
		]);
	});

	it("books a delivery once: asked again it decides nothing, and its first booking is the answer", () => {
		const s1 = stock.book(null, req("d1", 5), at(1))!.state;
		expect(stock.book(s1, req("d1", 5), at(2))).toBeNull();
		expect(stock.bookingOf(s1, "d1")).toMatchObject({ deliveryId: "d1", qty: 5, quantity: 5, bookedAt: at(1) });
	});

	it("ships and disposes down to zero, which stays readable (empty); more than there is: 409 with the quantity, nothing changed", () => {
		const s1 = stock.book(null, req("d1", 5), at(1))!.state;
		const shipped = stock.ship(s1, 3, at(2));
		expect(shipped.state).toMatchObject({ quantity: 2, shipped: 3, status: "inStock" });
		expect(shipped.events).toEqual([{ type: "Shipped", data: { stockId: S, customer: "gildong", product: "사과", qty: 3, quantity: 2 } }]);
		try {
			stock.ship(shipped.state, 3, at(3));
			throw new Error("expected a refusal");
		} catch (err) {
			expect(err).toBeInstanceOf(DomainError);
			expect((err as DomainError).kind).toBe("Conflict");
			expect((err as DomainError).details).toEqual({ status: "inStock", quantity: 2, requested: 3 });
		}
		const disposed = stock.dispose(shipped.state, 2, "유통기한 경과", at(4));
		expect(disposed.state).toMatchObject({ quantity: 0, disposed: 2, status: "empty" });
		expect(disposed.events[0]).toEqual({ type: "Disposed", data: { stockId: S, customer: "gildong", product: "사과", qty: 2, reason: "유통기한 경과", quantity: 0 } });
		expectDomainError(() => stock.dispose(disposed.state, 1, "x", at(5)), "Conflict", "empty");
		expectDomainError(() => stock.ship(disposed.state, 1, at(5)), "Conflict", "empty");
	});

	it("a cancel is accepted unless booked (then 409 received); an accepted one is never booked (409 cancelled)", () => {
		const accepted = stock.acceptCancel(null, { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과" }, at(1))!;
		expect(accepted.events).toEqual([]);
		expect(accepted.state).toMatchObject({ quantity: 0, status: "empty", cancelledDeliveries: ["d1"] });
		expect(stock.acceptCancel(accepted.state, { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과" }, at(2))).toBeNull();
		expectDomainError(() => stock.book(accepted.state, req("d1", 5), at(3)), "IllegalTransition", "cancelled");

		const booked = stock.book(accepted.state, req("d2", 5), at(3))!.state;
		expectDomainError(() => stock.acceptCancel(booked, { deliveryId: "d2", stockId: S, customer: "gildong", product: "사과" }, at(4)), "IllegalTransition", "received");
	});

	it("refuses a request naming another customer's or product's stock", () => {
		const s1 = stock.book(null, req("d1", 5), at(1))!.state;
		expectDomainError(() => stock.book(s1, { ...req("d2", 1), customer: "other" }, at(2)), "Invalid");
		expectDomainError(() => stock.acceptCancel(s1, { deliveryId: "d2", stockId: S, customer: "gildong", product: "배" }, at(2)), "Invalid");
	});

	type Op = { kind: "book"; delivery: number; qty: number } | { kind: "cancel"; delivery: number } | { kind: "ship"; qty: number } | { kind: "dispose"; qty: number };
	const op: fc.Arbitrary<Op> = fc.oneof(
		fc.record({ kind: fc.constant("book" as const), delivery: fc.nat(9), qty: fc.integer({ min: 1, max: 20 }) }),
		fc.record({ kind: fc.constant("cancel" as const), delivery: fc.nat(9) }),
		fc.record({ kind: fc.constant("ship" as const), qty: fc.integer({ min: 1, max: 25 }) }),
		fc.record({ kind: fc.constant("dispose" as const), qty: fc.integer({ min: 1, max: 25 }) })
	);

	it("property: over random receipts (repeated), cancels, shipments and disposals — never negative, conserved, each delivery booked once, refusals change nothing", () => {
		fc.assert(
			fc.property(fc.array(op, { maxLength: 60 }), ops => {
				let current: Stock | null = null;
				/** The first quantity each delivery was asked to book with (a repeat of a receive carries the same). */
				const qtyOf = new Map<number, number>();
				const booked = new Set<number>();
				const cancelled = new Set<number>();
				let shipped = 0;
				let disposed = 0;
				for (const [i, o] of ops.entries()) {
					const now = at(i + 1);
					const before = JSON.stringify(current);
					try {
						if (o.kind === "book") {
							if (!qtyOf.has(o.delivery)) qtyOf.set(o.delivery, o.qty);
							current = after(current, stock.book(current, req(`d${o.delivery}`, qtyOf.get(o.delivery)!), now));
							booked.add(o.delivery);
						} else if (o.kind === "cancel") {
							current = after(current, stock.acceptCancel(current, { deliveryId: `d${o.delivery}`, stockId: S, customer: "gildong", product: "사과" }, now));
							cancelled.add(o.delivery);
						} else if (current && o.kind === "ship") {
							current = stock.ship(current, o.qty, now).state;
							shipped += o.qty;
						} else if (current && o.kind === "dispose") {
							current = stock.dispose(current, o.qty, "파손", now).state;
							disposed += o.qty;
						}
					} catch (err) {
						expect(err).toBeInstanceOf(DomainError);
						expect(JSON.stringify(current)).toBe(before); // a refusal changes nothing
						// refused for a reason: not enough, or the other side of book/cancel won
						const d = err as DomainError;
						if (o.kind === "ship" || o.kind === "dispose") expect(o.qty).toBeGreaterThan(current!.quantity);
						if (o.kind === "book") expect(cancelled.has(o.delivery) && !booked.has(o.delivery)).toBe(true);
						if (o.kind === "cancel") expect(d.details.status).toBe("received");
					}
					if (!current) continue;
					const s: Stock = current;
					expect(s.quantity).toBeGreaterThanOrEqual(0);
					expect(s.quantity).toBe(s.received - s.shipped - s.disposed);
					expect(s.status).toBe(s.quantity > 0 ? "inStock" : "empty");
					const ids = s.bookings.map(b => b.deliveryId);
					expect(new Set(ids).size).toBe(ids.length); // each delivery booked once
					expect(ids.filter(id => s.cancelledDeliveries.includes(id))).toEqual([]); // never both
					expect(s.received).toBe(s.bookings.reduce((sum, b) => sum + b.qty, 0));
				}
				if (current) {
					const s: Stock = current;
					expect([s.shipped, s.disposed]).toEqual([shipped, disposed]);
					expect(s.bookings.map(b => b.deliveryId).sort()).toEqual([...booked].map(n => `d${n}`).sort());
				}
			}),
			{ numRuns: 500 }
		);
	});
});

describe("messages", () => {
	it("one per change, in Korean, about the delivery or the stock; MessageSent names it", () => {
		const requestedMsg = messageFor("DeliveryRequested", { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과", qty: 3 });
		expect(requestedMsg).toMatchObject({ customer: "gildong", recipient: "gildong", kind: "DeliveryRequested", refId: "d1", deliveryId: "d1", stockId: S });
		expect(requestedMsg.message).toBe("[창고] 사과 3개 입고 요청이 접수되었습니다.");
		expect(requestedMsg.text).toBe(requestedMsg.message);
		expect(messageFor("InStock", { deliveryId: "d1", stockId: S, customer: "gildong", product: "사과", qty: 3, quantity: 8 }).message).toBe("[창고] 사과 3개가 입고되었습니다. 현재 재고 8개.");
		const shippedMsg = messageFor("Shipped", { stockId: S, customer: "gildong", product: "사과", qty: 1, quantity: 7 });
		expect(shippedMsg).toMatchObject({ kind: "Shipped", refId: S, stockId: S });
		expect(shippedMsg.deliveryId).toBeUndefined();
		expect(messageFor("Disposed", { stockId: S, customer: "gildong", product: "사과", qty: 2, quantity: 5, reason: "파손" }).message).toContain("사유: 파손");
		expect(MESSAGE_EVENTS).not.toContain("DeliveryReceived"); // a receipt is told once, by InStock
		expect(messageSent({ ...shippedMsg, id: "m1", sentAt: at(1) })).toEqual({ messageId: "m1", customer: "gildong", kind: "Shipped", refId: S, stockId: S, sentAt: at(1) });
	});
});
