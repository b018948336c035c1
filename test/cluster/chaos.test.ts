/**
 * The chaos run (scripts/chaos.ts, docs/chaos.md), short: flower delivery with 60 sagas, fish delivery with
 * 40, the mall with 60 orders, The Draw with 72 entries (6 draws) and the warehouse with 60 deliveries, each
 * over its own cluster (real nats-server -js and redis-server, one process per context, compiled code:
 * `npm run build` first), with contexts killed (SIGKILL) and restarted, nats-server and the gateway
 * restarted once. Every defect count must be 0, and the faults must really have happened.
 * First, the checker itself: planted defects are found (so a 0 means something).
 */
import { attemptIds, audit } from "../../scripts/chaos/audit";
import { DEFECTS, type Snapshot, type SystemDriver } from "../../scripts/chaos/driver";
import { checkFishOrder, fishDriver } from "../../scripts/chaos/fishdelivery";
import { checkFlowerOrder, flowerDriver } from "../../scripts/chaos/flowerdelivery";
import { Rules } from "../../scripts/chaos/kit";
import { checkMallOrder, checkProduct, productOrderDriver } from "../../scripts/chaos/productorder";
import { checkEntry, checkRaffle, drawOf, rederive, theDrawDriver } from "../../scripts/chaos/thedraw";
import { checkDelivery, checkStock, warehouseDriver } from "../../scripts/chaos/warehouse";
import { rng } from "../../scripts/chaos/rng";
import { formatReport, runChaos, type ChaosOptions } from "../../scripts/chaos/run";
import type { KeyRecord } from "../../scripts/chaos/world";
import type { Order as FlowerOrder } from "../../services/flowerdelivery/order.domain";
import type { Order as FishOrderOfCustomer } from "../../services/fishdelivery/order.domain";
import type { Order as MallOrder } from "../../services/productorder/order.domain";
import type { Product } from "../../services/productorder/product.domain";
import { entryIdFor } from "../../services/thedraw/draw.service";
import type { Entry } from "../../services/thedraw/draw.domain";
import type { Raffle } from "../../services/thedraw/raffle.domain";
import type { InboundDelivery } from "../../services/warehouse/delivery.domain";
import type { Stock } from "../../services/warehouse/stock.domain";
import { stockIdOf } from "../../services/warehouse/stock-id";

const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe("chaos: the checker finds planted defects", () => {
	const scope = "flowerdelivery.order";
	const record = (key: string, answers: number[], final: KeyRecord["final"], placedIds: string[] = []): KeyRecord => ({ key, customer: "c1", index: 0, answers, placedIds, final });

	it("503-but-placed, two orders for one key, a charge without an order, a placed order left open, a dead letter", () => {
		const gaveUp = record("k-503", [503], "gave-up-503");
		const [gaveUpId] = attemptIds(scope, gaveUp);
		const twice = record("k-twice", [504, 201], "placed");
		const [first, second] = attemptIds(scope, twice);
		twice.placedIds = [second];
		const fine = record("k-fine", [201], "placed");
		const [fineId] = attemptIds(scope, fine);
		fine.placedIds = [fineId];
		const order = (id: string, status: string, terminal = true) => ({ id, owner: "c1", status, established: true, terminal, cancelled: false });
		const snap: Snapshot = {
			orders: [order(gaveUpId, "Placed", false), order(first, "Delivered"), order(second, "Delivered"), order(fineId, "Delivered")],
			payments: [
				{ id: gaveUpId, orderId: gaveUpId, status: "Approved", charged: true, refunded: false },
				{ id: "stray", orderId: "stray", status: "Approved", charged: true, refunded: false },
				{ id: fineId, orderId: fineId, status: "Approved", charged: true, refunded: false }
			],
			records: { delivery: [{ id: fineId, orderId: fineId }, { id: `${fineId}-2`, orderId: fineId }] },
			findings: []
		};
		const deadLetter = { seq: 1, subject: "DEAD_LETTER", headers: {}, data: JSON.stringify({ type: "OrderPlaced", data: { orderId: fineId } }) };
		const { findings } = audit(scope, [gaveUp, twice, fine], snap, [deadLetter]);
		const rules = findings.map(f => `${f.defect}/${f.rule}`).sort();
		expect(rules).toEqual(
			[
				"503-but-placed/established",
				"503-but-placed/charged",
				"duplicated/two-orders-per-key",
				"duplicated/duplicate-delivery",
				"orphaned/charge-without-order",
				"lost/placed-not-terminal",
				"lost/dead-letter"
			].sort()
		);
		// The same ledger and a clean snapshot: nothing.
		const clean: Snapshot = { orders: [order(fineId, "Delivered")], payments: [snap.payments[2]], records: { delivery: [{ id: fineId, orderId: fineId }] }, findings: [] };
		expect(audit(scope, [fine], clean, []).findings).toEqual([]);
	});

	it("flower: refunded and delivered, MyPage behind its order, a timestamp older than the fact", () => {
		const o: FlowerOrder = { id: "o1", storeName: "KJSHOP", itemName: "장미", qty: 1, itemPrice: 1, amount: 1, userName: "c1", status: "Delivered", paymentStatus: "Refunded", deliveryStatus: "Completed", createdAt: T(0), updatedAt: T(5) };
		const rules = new Rules();
		checkFlowerOrder(
			rules,
			o,
			{ id: "o1", orderId: "o1", userName: "c1", amount: 1, status: "Cancelled", createdAt: T(0), updatedAt: T(4) },
			{ id: "o1", orderId: "o1", storeName: "KJSHOP", itemName: "장미", qty: 1, userName: "c1", status: "Decorated", createdAt: T(1), updatedAt: T(2) },
			{ id: "o1", orderId: "o1", storeName: "KJSHOP", itemName: "장미", qty: 1, userName: "c1", status: "Completed", createdAt: T(2), updatedAt: T(6) },
			{ orderId: "o1", userName: "c1", orderStatus: "Decorated", paymentStatus: "Cancelled", deliveryStatus: "Completed", placed: true, updatedAt: T(6) }
		);
		expect(rules.findings.map(f => `${f.defect}/${f.rule}`).sort()).toEqual(["backwards/mypage-status", "backwards/order-older-than-delivery", "refunded-and-delivered/refunded-and-delivered"]);
	});

	it("fish: a Delivered order whose delivery is not Completed, and whose payment was canceled", () => {
		const o: FishOrderOfCustomer = { id: "o2", customerName: "c1", fishName: "tuna", qty: 1, telephone: "010", address: "a", status: "Delivered", paymentStatus: "Approved", deliveryStatus: "Started", createdAt: T(0), updatedAt: T(5) };
		const details = { customerName: "c1", fishName: "tuna", qty: 1, telephone: "010", address: "a" };
		const rules = new Rules();
		checkFishOrder(
			rules,
			o,
			{ id: "o2", orderId: "o2", ...details, status: "Canceled", createdAt: T(0), updatedAt: T(1) },
			{ id: "o2", orderId: "o2", ...details, status: "Taken", createdAt: T(1), updatedAt: T(2) },
			{ id: "o2", orderId: "o2", ...details, status: "Started", createdAt: T(2), updatedAt: T(3) },
			{ orderId: "o2", ...details, status: "Delivered", paymentStatus: "Approved", deliveryStatus: "Started", placed: true, updatedAt: T(6) }
		);
		expect(rules.findings.map(f => `${f.defect}/${f.rule}`).sort()).toEqual([
			"backwards/delivered-not-completed",
			"backwards/mypage-payment-status",
			"backwards/order-payment-status",
			"refunded-and-delivered/refunded-and-delivered"
		]);
	});

	const sorted = (rules: Rules) => rules.findings.map(f => `${f.defect}/${f.rule}`).sort();

	it("mall: a rejected order delivered with its pay still charged and its units held, its notices wrong; a product oversold", () => {
		const o: MallOrder = { id: "o3", customer: "c1", item: "milk", itemcd: "2", orderQty: 2, price: 1000, amount: 2000, status: "rejected", rejectReason: "short", payStatus: "approved", createdAt: T(0), updatedAt: T(5) };
		const product: Product = { kind: "product", id: "2", itemcd: "2", totalQuantity: -1, reservedQuantity: 2, stockedQuantity: 3, reservations: { o3: { qty: 2, status: "reserved" } }, createdAt: T(0), updatedAt: T(3) };
		const notice = (id: string, eventType: string) => ({ id, eventType, orderId: "o3", customer: "c1", channel: "kakaotalk" as const, message: "…", subject: "order" as const, announces: "x", recipient: "c1", text: "…", status: "sent" as const, attempts: 1, createdAt: T(1), updatedAt: T(1) });
		const rules = new Rules();
		checkMallOrder(
			rules,
			o,
			{ id: "o3", orderId: "o3", customer: "c1", item: "milk", itemcd: "2", orderQty: 2, price: 1000, amount: 2000, status: "approved", createdAt: T(0), updatedAt: T(1) },
			product,
			{ id: "o3", orderId: "o3", customer: "c1", itemcd: "2", item: "milk", orderQty: 2, status: "started", createdAt: T(1), updatedAt: T(4) },
			{ orderId: "o3", ordered: true, customer: "c1", orderStatus: "rejected", payStatus: "approved", rejectReason: "short", updatedAt: T(6) },
			[notice("n1", "Ordered"), notice("n2", "DeliveryPrepared"), notice("n3", "DeliveryStarted")]
		);
		expect(sorted(rules)).toEqual([
			"backwards/notice-of-no-change-DeliveryStarted",
			"lost/notice-missing-OutOfStock",
			"lost/rejected-pay-not-cancelled",
			"lost/rejected-units-held",
			"refunded-and-delivered/refunded-and-delivered"
		]);
		const stock = new Rules();
		// 3 units stocked (1 at first, a restock of 2 answered 200) — and −1 left with 2 reserved: oversold.
		checkProduct(stock, product, 1, [{ itemcd: "2", qty: 2, answers: [200] }]);
		expect(sorted(stock)).toEqual(["duplicated/stock-negative", "lost/units-not-conserved"]);
	});

	it("The Draw: a cancelled entry bought and told it won, a raffle record that does not re-derive, a win drawn twice", () => {
		const [a, b, c] = ["c1", "c2", "c3"].map(u => entryIdFor("D1", u, 1));
		const details = { itemNo: "1111", price: 100, drawDate: "2026-01-01", size: 270, drawId: "D1", drawName: "NIKE" };
		const entry = (id: string, userId: string, status: Entry["status"], extra: Partial<Entry> = {}): Entry => ({ id, ...details, userId, generation: 1, status, win: status === "lost" ? false : ["won", "purchased", "winCancelled"].includes(status) ? true : null, createdAt: T(0), updatedAt: T(3), ...extra });
		const record = { algorithm: "fisher-yates/hmac-sha256/v1", seed: "s", winnersRequested: 1, candidates: [a, b, c].sort(), winners: [] as string[], ranAt: T(2) };
		record.winners = rederive(record);
		const raffle: Raffle = { id: "D1", drawId: "D1", status: "run", entries: [a, b, c].sort(), cancelled: [], late: [], cancelledWins: [], run: record, createdAt: T(0), updatedAt: T(2) };
		const winner = record.winners[0];
		const loser = [a, b, c].find(x => x !== winner)!;
		const sms = (id: string, entryId: string, entryStatus: Entry["status"]) => ({ id, entryId, entryStatus, userId: "c1", drawId: "D1", message: "…", recipient: "c1", text: "…", eventType: "EntryStatusChanged", status: "sent" as const, attempts: 1, createdAt: T(1), updatedAt: T(1) });
		// The loser cancelled, yet an order bought it and an SMS told it won.
		const rules = new Rules();
		const cancelled = entry(loser, "c1", "cancelled");
		const order = { id: "x1", orderId: "x1", entryId: loser, userId: "c1", ...details, status: "placed" as const, createdAt: T(4), updatedAt: T(4) };
		checkEntry(rules, cancelled, raffle, order, { entryId: loser, userId: "c1", drawId: "D1", status: "cancelled", win: null, orderStatus: "placed", orderId: "x1", updatedAt: T(5) }, [sms("s1", loser, "applied"), sms("s2", loser, "cancelled"), sms("s3", loser, "won")]);
		expect(sorted(rules)).toEqual([
			"backwards/placed-not-purchased",
			"backwards/result-not-the-record",
			"backwards/sms-of-no-change-won",
			"lost/cancel-unknown-to-raffle",
			"refunded-and-delivered/cancelled-entry-bought"
		]);
		// A record whose winners were changed after the run, and a second run answered 200.
		const tampered = { ...raffle, run: { ...record, winners: [loser] } };
		const draw = new Rules();
		checkRaffle(draw, "D1", tampered, { drawId: "D1", algorithm: record.algorithm, seed: "s", candidates: 3, candidatesSorted: true, winners: [loser], recomputed: [winner], matches: false }, { sends: [{ second: false, answers: [200] }, { second: true, answers: [200] }], ran: true, empty: false, askedAgain: true }, [entry(a, "c1", "won"), entry(b, "c2", "won"), entry(c, "c3", "lost")]);
		expect(sorted(draw)).toEqual(["backwards/raffle-rederive", "backwards/raffle-verify", "duplicated/more-wins-than-winners", "duplicated/raffle-ran-twice"]);
		// Saga i applies to draw ⌊i / customers⌋, so its ids are the customer's entries there.
		expect(theDrawDriver.idsOf!({ key: "k", customer: "dj14", index: 13, answers: [201], placedIds: [] })[0]).toBe(entryIdFor(drawOf(13), "dj14", 1));
	});

	it("warehouse: a cancelled delivery booked, a shipment applied twice, a stock view behind its stock", () => {
		const stockId = stockIdOf("c1", "사과");
		const delivery = (id: string, status: InboundDelivery["status"]): InboundDelivery => ({ id, deliveryId: id, stockId, customer: "c1", product: "사과", qty: 5, status, createdAt: T(0), updatedAt: T(2), ...(status === "received" ? { receivedAt: T(2) } : {}) });
		const stock: Stock = {
			id: stockId,
			stockId,
			customer: "c1",
			product: "사과",
			quantity: 4,
			received: 10,
			shipped: 6,
			disposed: 0,
			status: "inStock",
			bookings: [
				{ deliveryId: "d1", stockId, qty: 5, quantity: 5, bookedAt: T(1) },
				{ deliveryId: "d2", stockId, qty: 5, quantity: 10, bookedAt: T(2) }
			],
			cancelledDeliveries: [],
			createdAt: T(1),
			updatedAt: T(4)
		};
		const message = (id: string, kind: string, refId: string, text: string) => ({ id, kind, refId, stockId, customer: "c1", message: text, recipient: "c1", text, eventType: kind, status: "sent" as const, attempts: 1, createdAt: T(1), updatedAt: T(1), ...(refId === stockId ? {} : { deliveryId: refId }) }) as never;
		const rules = new Rules();
		checkDelivery(rules, delivery("d2", "cancelled"), stock, [message("m1", "DeliveryRequested", "d2", "[창고] 사과 5개 입고 요청이 접수되었습니다."), message("m2", "InStock", "d2", "[창고] 사과 5개가 입고되었습니다. 현재 재고 10개.")]);
		expect(sorted(rules)).toEqual(["backwards/message-of-no-change-InStock", "lost/message-missing-DeliveryCancelled", "refunded-and-delivered/cancelled-and-booked"]);
		// Shipped 6, but the customer was answered one shipment of 3 (sent twice after a 504): moved twice; the view still says 7.
		const books = new Rules();
		checkStock(books, stockId, stock, [delivery("d1", "received"), delivery("d2", "cancelled")], [{ kind: "ship", by: "c1", stockId, qty: 3, answers: [504, 200] }], [message("m3", "Shipped", stockId, "[창고] 사과 3개가 출고되었습니다. 남은 재고 7개.")], {
			stockId,
			customer: "c1",
			product: "사과",
			quantity: 7,
			status: "inStock",
			incoming: 0,
			requested: 10,
			received: 10,
			cancelled: 5,
			shipped: 3,
			disposed: 0,
			version: 3,
			updatedAt: T(4)
		});
		expect(sorted(books)).toEqual(["backwards/stock-view-quantity", "backwards/stock-view-shipped", "duplicated/ship-applied-twice", "lost/message-missing-Shipped"]);
	});

	it("the PRNG repeats its choices for a seed, and streams are independent", () => {
		const a = rng("42/flowerdelivery").fork("saga:7");
		const b = rng("42/flowerdelivery").fork("saga:7");
		expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
		expect(rng("42").next()).not.toEqual(rng("43").next());
	});
});

describe("chaos run over a cluster (short)", () => {
	const seed = process.env.CHAOS_SEED || "20260101";
	const short = (basePort: number, sagas: number): ChaosOptions => ({
		sagas,
		seed,
		basePort,
		faultEveryMs: 1500,
		downMs: [300, 1200],
		natsDownMs: [800, 1500],
		natsRestart: true,
		gatewayRestart: true,
		minKills: 3,
		thinkMs: 900,
		settleMs: 90000,
		httpTimeoutMs: 15000,
		maxTries: 30,
		giveUpAfter503: 0.5
	});

	async function run(driver: SystemDriver, opts: ChaosOptions) {
		const lines: string[] = [];
		const report = await runChaos(driver, { ...opts, log: line => lines.push(line) });
		console.log(`${formatReport(report)}\n\nrun log:\n${lines.join("\n")}`);
		expect(report.settled).toBe(true);
		expect(report.defects).toEqual(Object.fromEntries(DEFECTS.map(d => [d, 0])));
		expect(report.findings).toEqual([]);
		// The faults happened: kills, one NATS restart, one gateway restart.
		expect(report.faults["nats-restart"]).toBe(1);
		expect(report.faults["gateway-restart"]).toBe(1);
		expect(report.faultLog.filter(e => e.kind === "kill").length).toBeGreaterThanOrEqual(3);
		expect(report.figures["sagas started"]).toBe(opts.sagas);
		expect(report.figures["placed (201)"]).toBeGreaterThan(opts.sagas / 2);
		expect(report.figures["answered 503 without Retry-After"]).toBe(0);
		expect(report.figures["answered 504 without outcome unknown"]).toBe(0);
		return report;
	}

	it("flower delivery: 60 sagas under kills, a NATS restart and a gateway restart: every defect count is 0", () => run(flowerDriver, short(17200, 60)), 200000);

	it("fish delivery: 40 sagas under kills, a NATS restart and a gateway restart: every defect count is 0", () => run(fishDriver, short(17250, 40)), 200000);

	// Customers who pause longer between two sagas (up to 2.5–3 s), so the sagas meet the faults: these systems' steps are quick.
	it("the mall: 60 orders under kills, a NATS restart and a gateway restart: every defect count is 0", () => run(productOrderDriver, { ...short(17300, 60), thinkMs: 2500 }), 200000);

	it("The Draw: 72 entries in 6 draws, raffles and purchases under kills, a NATS restart and a gateway restart: every defect count is 0", async () => {
		const report = await run(theDrawDriver, { ...short(17350, 72), thinkMs: 3000 });
		expect(report.figures["raffles run (200)"] + (report.figures["raffles found run after a 504 or no answer"] ?? 0)).toBeGreaterThanOrEqual(5);
		expect(report.figures["orders placed (201)"]).toBeGreaterThan(0);
	}, 200000);

	it("the warehouse: 60 deliveries under kills, a NATS restart and a gateway restart: every defect count is 0", () => run(warehouseDriver, { ...short(17400, 60), thinkMs: 2500 }), 200000);
});
