/**
 * The Draw's actors and rules for the chaos run (services/thedraw/, docs/thedraw.md). The saga is an entry:
 * customers apply to draws released one after another (saga `i` applies to draw `⌊i / customers⌋`, so each
 * customer applies once to each draw, and a few draws are open at a time) and cancel some; the admin runs
 * each draw's raffle once, at a random moment once most of its entries are in (so applications and cancels
 * cross the run, and contexts may be down while it runs), sometimes asking a second time (409); winners buy,
 * certified by their password (some type a wrong one first: 403), and some cancel their order.
 *
 * The customers have accounts of their own (SystemDriver.accounts): checkout asks the identity context
 * whether the password is the entry owner's, so a minted token could never buy.
 *
 * Its core invariants: each raffle ran at most once and its record re-derives its winners (the verify action
 * and a recomputation here); every entry ends won, lost, cancelled, purchased or winCancelled as the record
 * says; no purchase of a cancelled entry, at most one order per win; exactly one SMS per status change;
 * MyPage says what the entry says.
 */
import { createHmac } from "node:crypto";
import type { MessageRecord } from "../../mixins/notifications.mixin";
import { idFor } from "../../mixins/idempotency";
import type { Entry } from "../../services/thedraw/draw.domain";
import { entryIdFor } from "../../services/thedraw/draw.service";
import type { EntryStatus } from "../../services/thedraw/events";
import type { MyPageRow } from "../../services/thedraw/mypage.view";
import type { SmsFields } from "../../services/thedraw/notification.domain";
import type { Order } from "../../services/thedraw/order.domain";
import { drawWinners, type Raffle, type Verification } from "../../services/thedraw/raffle.domain";
import type { Progress, SagaState, Snapshot, SystemDriver, Worker } from "./driver";
import { loop, Rules } from "./kit";
import type { Rng } from "./rng";
import type { Actor, World } from "./world";

const API = "/api/thedraw";

type Sms = MessageRecord<SmsFields>;

const CUSTOMERS = [
	{ name: "dj14", password: "dj14-demo-pw" },
	{ name: "sneakerfan", password: "sneakerfan-demo-pw" },
	...Array.from({ length: 10 }, (_, i) => ({ name: `chaos-draw-customer-${i + 1}`, password: `chaos-draw-customer-${i + 1}-pw` }))
];
const PASSWORDS = new Map(CUSTOMERS.map(c => [c.name, c.password]));

/** The draw saga `index` applies to: draws are released one after another, one entry per customer each. */
export function drawOf(index: number): string {
	return `chaos-${String(Math.floor(index / CUSTOMERS.length) + 1).padStart(3, "0")}`;
}

const MODELS = [
	["DD1391-100", "NIKE Dunk Low Retro", 129000],
	["555088-134", "NIKE Air Jordan 1 High OG", 219000],
	["DZ5485-612", "NIKE Air Jordan 1 Low", 169000],
	["FD2596-600", "NIKE Air Max 1 '86", 189000]
] as const;

/** What a draw sells (the same for every entry of it). */
function drawDetails(drawId: string): { itemNo: string; drawName: string; price: number; drawDate: string } {
	const n = Number(drawId.slice(-3));
	const [itemNo, name, price] = MODELS[n % MODELS.length];
	return { itemNo, drawName: `${name} (${drawId})`, price, drawDate: `2026-0${1 + (n % 9)}-${String(1 + (n % 28)).padStart(2, "0")}` };
}

/** What the buyer of a win will do (from the seed and the entry, whoever sees it first). */
interface Plan {
	buy: boolean;
	wrongFirst: boolean;
	cancelOrder: boolean;
	cancelDelayMs: number;
}

function planOf(world: World, entryId: string): Plan {
	const rnd = world.rng(`buy:${entryId}`);
	return { buy: rnd.chance(0.85), wrongFirst: rnd.chance(0.3), cancelOrder: rnd.chance(0.25), cancelDelayMs: rnd.between(0, 2000) };
}

/** One order request of a buyer: its key, every answer, the ids answered 201. */
export interface OrderRequest {
	key: string;
	customer: string;
	entryId: string;
	kind: "wrong-password" | "buy";
	answers: number[];
	placedIds: string[];
	/** The last answer's `data.status` (409: notWon, ordering, purchased, …). */
	lastRefusal?: string;
}

export interface Purchase {
	requests: OrderRequest[];
	wrongDone: boolean;
	orderId?: string;
	placedAt?: number;
	cancel?: { answers: number[]; final?: number };
	/** Nothing more to do (bought, cancelled as planned, or refused for good). */
	done: boolean;
	gaveUp?: string;
}

export interface RaffleRuns {
	/** Each POST /raffles/:drawId/run, by its answers. */
	sends: Array<{ second: boolean; answers: number[]; refusal?: string }>;
	ran: boolean;
	/** The admin found nothing to run (every entry cancelled). */
	empty: boolean;
	dueAt?: number;
	askedAgain: boolean;
}

interface DrawState {
	purchases: Map<string, Purchase>;
	runs: Map<string, RaffleRuns>;
}

const STATE = new WeakMap<World, DrawState>();

function stateOf(world: World): DrawState {
	let s = STATE.get(world);
	if (!s) {
		s = { purchases: new Map(), runs: new Map() };
		STATE.set(world, s);
	}
	return s;
}

/**
 * The purchase of a win as the run knows it, made the first time it is asked for: whoever sends an order
 * request for the win (the buyers, the reliability suite's checkouts) records it here, so the audit knows
 * who asked for every order.
 */
export function purchaseOf(world: World, entryId: string): Purchase {
	const state = stateOf(world);
	let p = state.purchases.get(entryId);
	if (!p) state.purchases.set(entryId, (p = { requests: [], wrongDone: false, done: false }));
	return p;
}

function sagaState(e: Entry): SagaState {
	return { id: e.id, owner: e.userId, status: e.status, established: true, terminal: e.status !== "applied", cancelled: e.status === "cancelled" };
}

async function entries(world: World): Promise<Entry[]> {
	return world.listAll<Entry & Record<string, unknown>>(world.admin(), `${API}/draws?sort=createdAt`);
}

function customer(world: World, name: string): Actor {
	return world.login(name, PASSWORDS.get(name) ?? "");
}

/** The draws the customers have applied to so far, with the keys of each (from the ledger). */
function drawsOfLedger(world: World): Map<string, number> {
	const out = new Map<string, number>();
	for (const r of world.ledger.values()) if (r.final !== undefined) out.set(drawOf(r.index), (out.get(drawOf(r.index)) ?? 0) + 1);
	return out;
}

/**
 * The admin: runs each draw's raffle once, at a random moment once a random share (60–100 %) of its
 * customers have been answered, or after the load for any draw with entries still applied; for some draws
 * asks again once it has run (409 expected).
 */
function admin(world: World): Worker {
	const actor = world.admin();
	const state = stateOf(world);
	return loop(world, "admin", [300, 900], async rnd => {
		const answered = drawsOfLedger(world);
		const waiting = world.loadDone ? new Set((await entries(world)).filter(e => e.status === "applied").map(e => e.drawId)) : new Set<string>();
		for (const drawId of [...new Set([...answered.keys(), ...waiting])].sort()) {
			if (world.finished) return;
			const choice = world.rng(`raffle:${drawId}`);
			const share = choice.between(0.6, 1);
			const runs = state.runs.get(drawId) ?? { sends: [], ran: false, empty: false, askedAgain: false };
			state.runs.set(drawId, runs);
			if (runs.ran || (runs.empty && !waiting.has(drawId))) {
				if (runs.askedAgain || !choice.chance(0.3)) continue;
				runs.askedAgain = true;
				await send(world, actor, drawId, runs, choice, true);
				continue;
			}
			const ready = waiting.has(drawId) || (answered.get(drawId) ?? 0) >= Math.ceil(share * CUSTOMERS.length) || world.loadDone;
			if (!ready) continue;
			runs.dueAt ??= Date.now() + rnd.between(0, 2500);
			if (Date.now() < runs.dueAt) continue;
			await send(world, actor, drawId, runs, choice, false);
		}
	});
}

async function send(world: World, actor: Actor, drawId: string, runs: RaffleRuns, choice: Rng, second: boolean): Promise<void> {
	const body = { winners: choice.int(2, 4), ...(choice.chance(0.5) ? { seed: `chaos-${world.opts.seed}-${drawId}` } : {}) };
	const attempt: RaffleRuns["sends"][number] = { second, answers: [] };
	runs.sends.push(attempt);
	const res = await world.command(actor, second ? "raffle again" : "raffle", { method: "POST", path: `${API}/raffles/${drawId}/run`, body }, status => attempt.answers.push(status));
	attempt.refusal = res.status === 409 ? String(res.body?.data?.status) : undefined;
	if (res.status === 200) {
		runs.ran = true;
		world.counters.add(second ? "figure.raffles run a second time (must be 0)" : "figure.raffles run (200)");
	} else if (res.status === 409 && attempt.refusal === "run") {
		// Ran already: a send answered 504 or not at all did run it, or this is the second ask.
		runs.ran = true;
		world.counters.add(second ? "figure.second raffle runs refused (409)" : "figure.raffles found run after a 504 or no answer");
	} else if (res.status === 409 && attempt.refusal === "open") {
		// No active entry as far as the raffle knows: every entry cancelled, or their EntryApplied not there yet.
		const all = (await entries(world)).filter(e => e.drawId === drawId);
		if (all.every(e => e.status === "cancelled")) runs.empty = true;
		world.counters.add("figure.raffles with no active entry yet (409)");
	}
}

/** The buyers: each win is bought by its owner (a wrong password first, sometimes), some orders are cancelled. */
function buyers(world: World): Worker {
	return loop(world, "buyers", [300, 900], async rnd => {
		const wins = await world.get<{ rows: Entry[] }>(world.admin(), `${API}/draws?status=won&sort=updatedAt&pageSize=100`);
		const bought = await world.get<{ rows: Entry[] }>(world.admin(), `${API}/draws?status=purchased&sort=updatedAt&pageSize=100`);
		const rows = [...(wins.status === 200 ? wins.body.rows : []), ...(bought.status === 200 ? bought.body.rows : [])];
		for (const e of rnd.shuffle(rows)) {
			if (world.finished) return;
			if (!rnd.chance(0.7)) continue;
			const plan = planOf(world, e.id);
			if (!plan.buy) continue;
			const p = purchaseOf(world, e.id);
			if (p.done) continue;
			await buy(world, e, plan, p);
		}
	});
}

async function order(world: World, e: Entry, kind: OrderRequest["kind"], p: Purchase): Promise<OrderRequest> {
	let req = p.requests.find(r => r.kind === kind);
	if (!req) {
		req = { key: `chaos-${world.opts.seed}-thedraw-order-${e.id}-${kind}`, customer: e.userId, entryId: e.id, kind, answers: [], placedIds: [] };
		p.requests.push(req);
	}
	const password = kind === "buy" ? PASSWORDS.get(e.userId)! : `wrong-${e.userId}`;
	const res = await world.command(customer(world, e.userId), kind === "buy" ? "order" : "order (wrong password)", { method: "POST", path: `${API}/orders`, body: { entryId: e.id, userPassword: password }, headers: { "Idempotency-Key": req.key } }, status => req!.answers.push(status));
	if (res.status === 201) req.placedIds.push(String(res.body?.id));
	req.lastRefusal = res.status === 409 ? String(res.body?.data?.status) : undefined;
	return req;
}

async function buy(world: World, e: Entry, plan: Plan, p: Purchase): Promise<void> {
	if (e.status === "won" && !p.orderId) {
		if (plan.wrongFirst && !p.wrongDone) {
			const wrong = await order(world, e, "wrong-password", p);
			const last = wrong.answers.at(-1);
			// 409 notWon / ordering: the order context has not heard of the win yet, or a request holds it: again later.
			if (last === 409 && (wrong.lastRefusal === "notWon" || wrong.lastRefusal === "ordering")) return;
			p.wrongDone = true;
			if (last === 403) world.counters.add("figure.orders refused for a wrong password (403)");
			else world.counters.add(`figure.orders with a wrong password answered ${last}`);
		}
		const right = await order(world, e, "buy", p);
		const last = right.answers.at(-1);
		if (last === 201) {
			p.orderId = right.placedIds.at(-1);
			p.placedAt = Date.now();
			world.counters.add("figure.orders placed (201)");
		} else if (last === 409 && (right.lastRefusal === "notWon" || right.lastRefusal === "ordering")) {
			return;
		} else {
			p.done = true;
			p.gaveUp = `order answered ${right.answers.join(",")} (${right.lastRefusal ?? "-"})`;
			return;
		}
	}
	if (!plan.cancelOrder) {
		if (p.orderId) p.done = true;
		return;
	}
	if (!p.orderId || Date.now() < (p.placedAt ?? 0) + plan.cancelDelayMs) return;
	const cancel: NonNullable<Purchase["cancel"]> = p.cancel ?? { answers: [] };
	p.cancel = cancel;
	const res = await world.command(customer(world, e.userId), "order cancel", { method: "DELETE", path: `${API}/orders/${p.orderId}` }, status => cancel.answers.push(status));
	cancel.final = res.status;
	p.done = true;
	if (res.status === 200) world.counters.add("figure.orders cancelled (200)");
}

/** The winners of a record, by the algorithm of docs/thedraw.md (node:crypto's HMAC), to compare with the record's. */
export function rederive(run: NonNullable<Raffle["run"]>): string[] {
	return drawWinners(run.seed, run.candidates, run.winnersRequested, (key, message) => createHmac("sha256", key).update(message).digest());
}

/** The SMS an entry's path requires, by status (each exactly once), and the statuses it may have been told besides. */
function smsExpected(e: Entry): { required: EntryStatus[]; optional: EntryStatus[] } {
	switch (e.status) {
		case "applied":
			return { required: ["applied"], optional: [] };
		case "purchased":
			return { required: ["applied", "won", "purchased"], optional: [] };
		case "winCancelled":
			// Bought and then cancelled, or the order's cancel overtook its OrderPlaced (never purchased).
			return { required: ["applied", "won", "winCancelled"], optional: ["purchased"] };
		default:
			return { required: ["applied", e.status], optional: [] };
	}
}

/** The Draw's rules on one entry: its result against its raffle's record, its order, its SMS and its MyPage row. */
export function checkEntry(rules: Rules, e: Entry, raffle: Raffle | undefined, order: Order | undefined, m: MyPageRow | undefined, sms: readonly Sms[]): void {
	const id = e.id;
	const run = raffle?.run;
	// The result the raffle's record gives this entry.
	if (run) {
		const candidate = run.candidates.includes(id);
		const winner = run.winners.includes(id);
		const allowed: string[] = winner ? ["won", "purchased", "winCancelled", "cancelled/won"] : candidate ? ["lost", "cancelled/lost"] : raffle.late.includes(id) ? ["lost", "cancelled"] : ["cancelled"];
		const seen = e.status === "cancelled" && e.lateResult ? `cancelled/${e.lateResult}` : e.status;
		if (!allowed.includes(seen)) rules.add(winner || !["won", "purchased", "winCancelled"].includes(e.status) ? "backwards" : "duplicated", "result-not-the-record", id, `entry ${seen} (win ${e.win}); the record: ${winner ? "a winner" : candidate ? "a candidate, not drawn" : raffle.late.includes(id) ? "applied after the run" : "not a candidate"}`);
		if (!raffle.entries.includes(id) && !raffle.late.includes(id)) rules.add("lost", "entry-unknown-to-raffle", id, `the raffle of ${e.drawId} never counted it`);
	} else if (e.status !== "cancelled" && e.status !== "applied") {
		rules.add("backwards", "result-without-run", id, `entry ${e.status}, the raffle of ${e.drawId} has ${raffle ? "not run" : "no record"}`);
	}
	if (raffle && e.status === "cancelled" && !raffle.cancelled.includes(id)) rules.add("lost", "cancel-unknown-to-raffle", id, `entry cancelled, the raffle of ${e.drawId} does not list it cancelled`);
	const winCancelled = e.status === "winCancelled" || (e.status === "cancelled" && e.lateResult === "won");
	if (raffle && winCancelled !== raffle.cancelledWins.includes(id)) rules.add(winCancelled ? "lost" : "backwards", "cancelled-win-record", id, `entry ${e.status}${e.lateResult ? `/${e.lateResult}` : ""}; the raffle ${raffle.cancelledWins.includes(id) ? "lists" : "does not list"} its win cancelled`);
	const expectedWin = e.status === "won" || e.status === "purchased" || e.status === "winCancelled" ? true : e.status === "lost" ? false : null;
	rules.same("backwards", "entry-win", id, `win of a ${e.status} entry`, e.win, expectedWin);

	// Its order: only a win is bought, once; a cancelled entry never.
	if (order) {
		if (e.status === "cancelled") rules.add("refunded-and-delivered", "cancelled-entry-bought", id, `entry cancelled${e.lateResult ? ` (late ${e.lateResult})` : ""}, order ${order.id} ${order.status}`);
		else if (e.status !== "purchased" && e.status !== "winCancelled") rules.add("orphaned", "order-of-no-win", id, `entry ${e.status}, order ${order.id} ${order.status}`);
		if (order.status === "placed") rules.same("backwards", "placed-not-purchased", id, "status of an entry whose order is placed", e.status, "purchased");
		if (order.status === "cancelled") rules.same("backwards", "order-cancelled-win-standing", id, "status of an entry whose order is cancelled", e.status, "winCancelled");
		if (e.orderId) rules.same("backwards", "entry-order", id, "entry.orderId vs its order", e.orderId, order.id);
		for (const f of ["userId", "drawId", "itemNo", "size", "price"] as const) rules.same("backwards", `order-${f}`, id, `order ${f} vs the entry`, order[f], e[f]);
	} else if (e.status === "purchased") {
		rules.add("lost", "purchased-without-order", id, `entry purchased (order ${e.orderId ?? "none"}), no placed order found`);
	}

	// MyPage says what the entry says.
	if (!m) rules.add("lost", "mypage-missing", id, `entry ${e.status} has no MyPage row`);
	else {
		rules.same("backwards", "mypage-status", id, "MyPage status vs entry", m.status, e.status);
		rules.same("backwards", "mypage-win", id, "MyPage win vs entry", m.win, e.win);
		if (e.orderId) rules.same("backwards", "mypage-order", id, "MyPage orderId vs entry", m.orderId, e.orderId);
		if (order) rules.same("backwards", "mypage-order-status", id, "MyPage orderStatus vs order", m.orderStatus, order.status);
		else rules.same("backwards", "mypage-order-status", id, "MyPage orderStatus of an entry without order", m.orderStatus, undefined);
		rules.same("backwards", "mypage-user", id, "MyPage userId vs entry", m.userId, e.userId);
	}

	// Exactly one SMS per status change (two of one status are the core's `duplicate-sms-<status>`).
	const told = new Set(sms.map(s => s.entryStatus));
	const { required, optional } = smsExpected(e);
	for (const status of required) if (!told.has(status)) rules.add("lost", `sms-missing-${status}`, id, `entry ${e.status}: no "${status}" SMS`);
	for (const status of told) if (!required.includes(status) && !optional.includes(status)) rules.add("backwards", `sms-of-no-change-${status}`, id, `entry ${e.status}${e.lateResult ? ` (late ${e.lateResult})` : ""}: a "${status}" SMS`);
	for (const s of sms) if (s.status !== "sent") rules.add("lost", "sms-not-sent", id, `SMS ${s.id} (${s.entryStatus}) is ${s.status} after ${s.attempts} attempts`);
	rules.ordered(id, { entry: e, order });
	// MyPage is told every status change, not a cancelled entry's late result (`lateResult`: the raffle's answer
	// reaching it after the cancel, which changes only the entry's own record): then the entry may be newer.
	if (e.lateResult === undefined) rules.notOlder(id, "mypage", m, { entry: e });
}

/** A draw's raffle: run (if anyone is left in it), its record re-derives, the admin's second asks were refused. */
export function checkRaffle(rules: Rules, drawId: string, raffle: Raffle | undefined, verification: Verification | undefined, runs: RaffleRuns | undefined, entriesOfDraw: readonly Entry[]): void {
	const id = `raffle ${drawId}`;
	const active = entriesOfDraw.filter(e => e.status !== "cancelled");
	if (!raffle) {
		if (entriesOfDraw.length > 0) rules.add("lost", "raffle-missing", id, `${entriesOfDraw.length} entries, no raffle`);
		return;
	}
	if (!raffle.run) {
		if (active.length > 0) rules.add("lost", "raffle-not-run", id, `status ${raffle.status}, ${active.length} entries not cancelled`);
		return;
	}
	const run = raffle.run;
	if (!verification?.matches) rules.add("backwards", "raffle-verify", id, `verify: ${verification ? `matches ${verification.matches}, recomputed ${verification.recomputed.join(",")}, winners ${verification.winners.join(",")}` : "no answer"}`);
	const again = rederive(run);
	if (JSON.stringify(again) !== JSON.stringify(run.winners)) rules.add("backwards", "raffle-rederive", id, `recomputed here ${again.join(",")}, the record says ${run.winners.join(",")}`);
	const sorted = [...new Set(run.candidates)].sort();
	if (JSON.stringify(sorted) !== JSON.stringify(run.candidates)) rules.add("backwards", "raffle-candidates-not-sorted", id, "the record's candidates are not sorted and distinct");
	for (const c of run.candidates) if (!raffle.entries.includes(c)) rules.add("orphaned", "raffle-candidate-of-no-entry", id, `candidate ${c} is no entry of the draw`);
	const ids = new Set(entriesOfDraw.map(e => e.id));
	for (const w of run.winners) if (!ids.has(w)) rules.add("orphaned", "raffle-winner-of-no-entry", id, `winner ${w} is no entry of the draw`);
	if (run.winners.length !== Math.min(run.winnersRequested, run.candidates.length)) rules.add("backwards", "raffle-winner-count", id, `${run.winners.length} winners, asked ${run.winnersRequested} of ${run.candidates.length}`);
	// Ran at most once: no second ask was answered 200, and no more entries won than the record's winners.
	const seconds = runs?.sends.filter(s => s.second && s.answers.at(-1) === 200) ?? [];
	if (seconds.length > 0 || (runs?.sends.filter(s => s.answers.at(-1) === 200).length ?? 0) > 1) rules.add("duplicated", "raffle-ran-twice", id, `run answered 200 ${runs!.sends.filter(s => s.answers.at(-1) === 200).length} times`);
	const won = entriesOfDraw.filter(e => e.win === true || e.lateResult === "won");
	if (won.length > run.winners.length) rules.add("duplicated", "more-wins-than-winners", id, `${won.length} entries won, the record has ${run.winners.length} winners`);
}

export const theDrawDriver: SystemDriver = {
	system: "thedraw",
	defaultSagas: 300,
	placeScope: "thedraw.draw",
	placePath: `${API}/draws`,
	cancelPath: id => `${API}/draws/${id}`,
	customers: CUSTOMERS,
	accounts: CUSTOMERS.filter(c => c.name.startsWith("chaos-")).map(c => ({ username: c.name, password: c.password, roles: ["customer"] })),
	placement(customerName, rnd, { index }) {
		const drawId = drawOf(index);
		const d = drawDetails(drawId);
		const size = 230 + 5 * rnd.int(0, 12);
		// As the seed's httpie sends them, numbers are strings half of the time; the userId and a phone sometimes.
		const asText = rnd.chance(0.5);
		return {
			itemNo: d.itemNo,
			price: asText ? String(d.price) : d.price,
			drawDate: d.drawDate,
			size: asText ? String(size) : size,
			drawId,
			drawName: d.drawName,
			...(rnd.chance(0.5) ? { userId: customerName } : {}),
			...(rnd.chance(0.7) ? { phone: `010${String(rnd.int(0, 99999999)).padStart(8, "0")}` } : {})
		};
	},
	/** A customer's entries in the saga's draw, by their derived ids: generation 1 (each customer applies once per draw; a second generation would be a second entry of one request). */
	idsOf(record) {
		return [1, 2, 3].map(g => entryIdFor(drawOf(record.index), record.customer, g));
	},
	cancelShare: 0.3,
	cancelDelayMs: [0, 3000],
	workers(world) {
		return [admin(world), buyers(world)];
	},
	async progress(world): Promise<Progress> {
		const all = await entries(world);
		const state = stateOf(world);
		// Open: entries without a result, and wins whose buyer has not finished what they planned.
		const open = all.filter(e => {
			if (e.status === "applied") return true;
			if (e.status !== "won" && e.status !== "purchased") return false;
			const plan = planOf(world, e.id);
			const p = state.purchases.get(e.id);
			if (!plan.buy || p?.done) return false;
			return e.status === "won" || plan.cancelOrder;
		}).length;
		return { established: all.length, open, pending: 0 };
	},
	async snapshot(world): Promise<Snapshot> {
		const admin = world.admin();
		const state = stateOf(world);
		const all = await entries(world);
		const myPages = await world.listAll<MyPageRow & Record<string, unknown>>(admin, `${API}/myPages?sort=updatedAt`, r => r.entryId);
		const sms = await world.listAll<Sms & Record<string, unknown>>(admin, `${API}/notifications?sort=createdAt`);
		const drawIds = [...new Set([...all.map(e => e.drawId), ...[...world.ledger.values()].map(r => drawOf(r.index))])].sort();
		const raffles = new Map<string, Raffle>();
		const verifications = new Map<string, Verification>();
		for (const drawId of drawIds) {
			const r = await world.get<Raffle>(admin, `${API}/raffles/${drawId}`);
			if (r.status === 200) raffles.set(drawId, r.body);
			else if (r.status !== 404) throw new Error(`GET /raffles/${drawId} answered ${r.status}`);
			if (r.body?.run) {
				const v = await world.get<Verification>(admin, `${API}/raffles/${drawId}/verify`);
				if (v.status === 200) verifications.set(drawId, v.body);
			}
		}
		// Orders: every id a buyer's key may have made, and every id an entry or MyPage names (orders are not listed).
		const requests = [...state.purchases.values()].flatMap(p => p.requests);
		const orderIds = new Set<string>([...all.flatMap(e => (e.orderId ? [e.orderId] : [])), ...myPages.flatMap(m => (m.orderId ? [m.orderId] : []))]);
		const idsOfRequest = (r: OrderRequest) => [...r.placedIds, ...Array.from({ length: r.answers.length + 1 }, (_, i) => idFor("thedraw.order", { caller: r.customer, key: r.key, fingerprint: "" }, i + 1))];
		for (const r of requests) for (const oid of idsOfRequest(r)) orderIds.add(oid);
		const orders = new Map<string, Order>();
		for (const oid of orderIds) {
			const res = await world.get<Order>(admin, `${API}/orders/${oid}`);
			if (res.status === 200) orders.set(oid, res.body);
			else if (res.status !== 404) throw new Error(`GET /orders/${oid} answered ${res.status}`);
		}
		const established = [...orders.values()].filter(o => o.status === "placed" || o.status === "cancelled");
		const orderOfEntry = new Map<string, Order>();
		for (const o of established) orderOfEntry.set(o.entryId, o);
		const myPageOf = new Map(myPages.map(m => [m.entryId, m]));
		const smsOf = new Map<string, Sms[]>();
		for (const s of sms) smsOf.set(s.entryId, [...(smsOf.get(s.entryId) ?? []), s]);

		const rules = new Rules();
		for (const e of all) checkEntry(rules, e, raffles.get(e.drawId), orderOfEntry.get(e.id), myPageOf.get(e.id), smsOf.get(e.id) ?? []);
		for (const drawId of drawIds) checkRaffle(rules, drawId, raffles.get(drawId), verifications.get(drawId), state.runs.get(drawId), all.filter(e => e.drawId === drawId));
		// The buyers' requests: a wrong password never buys; a key makes at most one order; every order was asked for; every planned purchase happened.
		const entryOf = new Map(all.map(e => [e.id, e]));
		const answered = new Set(requests.filter(r => r.kind === "buy").flatMap(r => r.placedIds));
		for (const r of requests) {
			const made = idsOfRequest(r).filter(oid => orders.get(oid)?.status === "placed" || orders.get(oid)?.status === "cancelled");
			const unique = [...new Set(made)];
			if (r.kind === "wrong-password") for (const oid of unique) rules.add("orphaned", "bought-with-a-wrong-password", r.entryId, `order ${oid} ${orders.get(oid)!.status}, key ${r.key} answered ${r.answers.join(",")}`);
			if (unique.length > 1) rules.add("duplicated", "two-orders-per-order-key", r.entryId, `key ${r.key}: ${unique.join(", ")}`);
			if (r.kind === "buy" && r.answers.at(-1) === 201 && unique.length === 0) rules.add("lost", "order-201-not-placed", r.entryId, `key ${r.key} answered 201 (${r.placedIds.join(",")}), no placed order`);
		}
		for (const o of established) if (!answered.has(o.id)) rules.add("orphaned", "order-of-no-request", o.entryId, `order ${o.id} ${o.status}: no buyer was answered 201 with it`);
		for (const [entryId, p] of state.purchases) {
			const e = entryOf.get(entryId);
			if (p.gaveUp && e?.status === "won") rules.add("lost", "win-not-bought", entryId, `the winner could not buy: ${p.gaveUp}`);
			if (p.cancel?.final === 200 && e && e.status !== "winCancelled") rules.add("lost", "order-cancel-accepted-win-standing", entryId, `order cancel answered ${p.cancel.answers.join(",")}, entry ${e.status}`);
		}
		return {
			orders: all.map(sagaState),
			payments: [],
			records: {
				mypage: myPages.map(m => ({ id: m.entryId, orderId: m.entryId })),
				order: established.map(o => ({ id: o.id, orderId: o.entryId })),
				// One SMS per entry and status (two: `duplicate-sms-<status>`).
				...Object.fromEntries([...new Set(sms.map(s => s.entryStatus))].map(status => [`sms ${status}`, sms.filter(s => s.entryStatus === status).map(s => ({ id: s.id, orderId: s.entryId }))]))
			},
			findings: rules.findings
		};
	}
};
