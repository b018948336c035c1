/**
 * The chaos run (scripts/chaos.ts, docs/chaos.md), short: flower delivery with 60 sagas and fish delivery
 * with 40, each over its own cluster (real nats-server -js and redis-server, one process per context,
 * compiled code: `npm run build` first), with contexts killed (SIGKILL) and restarted, nats-server and the
 * gateway restarted once. Every defect count must be 0, and the faults must really have happened.
 * First, the checker itself: planted defects are found (so a 0 means something).
 */
import { attemptIds, audit } from "../../scripts/chaos/audit";
import { DEFECTS, type Snapshot, type SystemDriver } from "../../scripts/chaos/driver";
import { checkFishOrder, fishDriver } from "../../scripts/chaos/fishdelivery";
import { checkFlowerOrder, flowerDriver } from "../../scripts/chaos/flowerdelivery";
import { Rules } from "../../scripts/chaos/kit";
import { rng } from "../../scripts/chaos/rng";
import { formatReport, runChaos, type ChaosOptions } from "../../scripts/chaos/run";
import type { KeyRecord } from "../../scripts/chaos/world";
import type { Order as FlowerOrder } from "../../services/flowerdelivery/order.domain";
import type { Order as FishOrderOfCustomer } from "../../services/fishdelivery/order.domain";

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
});
