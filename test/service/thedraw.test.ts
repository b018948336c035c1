/**
 * The Draw in one broker in process (the embedded default), HTTP through the real gateway, each request with
 * the bearer token of whom the spec says acts: customers (the seed's dj14 and sneakerfan log in with the
 * password grant; others are minted), the admin who runs the raffle. Polling for eventual consistency reads
 * as admin. A test's gate holds consumers back where an interleaving must happen on purpose.
 */
import { createHmac } from "node:crypto";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { creatingRequest, idFor } from "../../mixins/idempotency";
import authSchema from "../../services/thedraw/auth.service";
import { entryIdFor } from "../../services/thedraw/draw.service";
import type { Entry } from "../../services/thedraw/draw.domain";
import type { MyPageRow } from "../../services/thedraw/mypage.view";
import { drawWinners } from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";
import identitySchema from "../../services/identity/identity.service";
import { actors, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { expectValidationErrors } from "../support/expect";
import { gate, type Gate } from "../support/gate";
import { client, eventually, type Client } from "../support/http";

const API = "/api/thedraw";
let broker: ServiceBroker;
let as: Actors;
let admin: Client;
let dj14: Client;
let sneakerfan: Client;
let hand: Gate;
let stop: () => Promise<void>;

beforeAll(async () => {
	hand = gate();
	const app = await startEmbedded(systemSchemas("thedraw"), [hand.middleware]);
	({ broker, stop } = app);
	as = actors(client(app.baseUrl));
	admin = as.admin();
	dj14 = await as.login("dj14");
	sneakerfan = await as.login("sneakerfan");
});
afterAll(() => stop());

// The seed's command, as httpie sends it (numbers as strings), with only the prefix and a token added.
const seedEntry = { itemNo: "1111", price: "100000", drawDate: "2021-08-28", size: "275", drawId: "001", drawName: "NIKE jordan 1", userId: "dj14" };
const entryFor = (userId: string, drawId: string, extra: Record<string, unknown> = {}) => ({ ...seedEntry, userId, drawId, ...extra });

async function apply(who: Client, body: Record<string, unknown>): Promise<Entry> {
	const res = await who.post(`${API}/draws`, body);
	expect([res.status, res.body]).toEqual([201, expect.objectContaining({ status: "applied" })]);
	return res.body;
}

const entryIs = (id: string, accept: (e: Entry) => boolean) => eventually(() => admin.get(`${API}/draws/${id}`), r => r.status === 200 && accept(r.body));
const myPage = (id: string, accept: (row: MyPageRow) => boolean, who: Client = admin) => eventually(() => who.get(`${API}/myPages/${id}`), r => r.status === 200 && accept(r.body));
/** The statuses the SMS of one entry told, in the order they were recorded. */
const smsOf = async (entryId: string): Promise<string[]> => (await admin.get(`${API}/notifications?entryId=${entryId}&pageSize=100&sort=createdAt`)).body.rows.map((m: { entryId: string; entryStatus: string }) => m.entryStatus);
const raffleOf = (drawId: string) => admin.get(`${API}/raffles/${drawId}`);
const settle = () => new Promise(resolve => setTimeout(resolve, 400));

/** The algorithm of docs/thedraw.md, written again from its description: winners from a record alone. */
function rederive(record: { seed: string; candidates: string[]; winnersRequested: number }): string[] {
	const a = [...record.candidates];
	let counter = 0;
	let block = Buffer.alloc(0);
	let offset = 0;
	const next = () => {
		if (offset + 4 > block.length) [block, offset] = [createHmac("sha256", record.seed).update(String(counter++)).digest(), 0];
		const v = block.readUInt32BE(offset);
		offset += 4;
		return v;
	};
	const uniform = (m: number) => {
		for (const limit = 2 ** 32 - (2 ** 32 % m); ; ) {
			const x = next();
			if (x < limit) return x % m;
		}
	};
	for (let i = 0; i < Math.min(record.winnersRequested, a.length); i++) {
		const j = i + uniform(a.length - i);
		[a[i], a[j]] = [a[j], a[i]];
	}
	return a.slice(0, Math.min(record.winnersRequested, a.length));
}

/** A seed with which the raffle of `entries` (ids) draws exactly `wanted` among `winners` — the ids are deterministic, so is the raffle. */
function seedFor(entries: string[], winners: number, wanted: string[]): string {
	const sorted = [...entries].sort();
	for (let i = 0; i < 10000; i++) {
		const w = drawWinners(`test-${i}`, sorted, winners, hmacSha256);
		if ([...w].sort().join() === [...wanted].sort().join()) return `test-${i}`;
	}
	throw new Error("no seed found");
}

describe("The Draw, embedded default: entries", () => {
	it("runs the seed's command with only the prefix and a token: 201 + Location, the fields kept as given; GET /draws/<id> is the result", async () => {
		const res = await dj14.post(`${API}/draws`, seedEntry, { "X-Request-ID": "draw-seed-1" });
		expect(res.status).toBe(201);
		expect(res.headers.get("x-request-id")).toBe("draw-seed-1");
		expect(res.headers.get("location")).toBe(`${API}/draws/${res.body.id}`);
		expect(res.body).toMatchObject({ id: entryIdFor("001", "dj14", 1), itemNo: "1111", price: 100000, drawDate: "2021-08-28", size: 275, drawId: "001", drawName: "NIKE jordan 1", userId: "dj14", status: "applied", win: null, generation: 1 });
		const got = await dj14.get(`${API}/draws/${res.body.id}`);
		expect(got.status).toBe(200);
		expect(got.body).toMatchObject({ status: "applied", win: null, drawId: "001" });
		// MyPage and the SMS follow from events.
		await myPage(res.body.id, r => r.status === "applied" && r.win === null && r.drawName === "NIKE jordan 1", dj14);
		await eventually(() => smsOf(res.body.id), s => s.length === 1);
		expect(await smsOf(res.body.id)).toEqual(["applied"]);
		const listed = await dj14.get(`${API}/draws?drawId=001`);
		expect(listed.body).toMatchObject({ total: 1, rows: [{ id: res.body.id }] });
	});

	it("one active entry per customer and draw: a second is 409 with the one they have, also when sent at once; a cancel frees the next generation", async () => {
		const fan = as.customer("dup-fan");
		const first = await apply(fan, entryFor("dup-fan", "DUP"));
		const again = await fan.post(`${API}/draws`, entryFor("dup-fan", "DUP", { size: "280" }));
		expect(again.status).toBe(409);
		expect(again.body).toMatchObject({ code: 409, type: "CONFLICT", data: { status: "applied", entryId: first.id } });

		const racer = as.customer("race-fan");
		const answers = await Promise.all(Array.from({ length: 8 }, () => racer.post(`${API}/draws`, entryFor("race-fan", "DUP"))));
		expect(answers.map(r => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
		expect((await racer.get(`${API}/draws?drawId=DUP`)).body.total).toBe(1);

		const cancelled = await fan.del(`${API}/draws/${first.id}`);
		expect(cancelled.status).toBe(200);
		expect(cancelled.body).toMatchObject({ id: first.id, status: "cancelled", win: null });
		const twice = await fan.del(`${API}/draws/${first.id}`);
		expect(twice.status).toBe(409);
		expect(twice.body).toMatchObject({ type: "ILLEGAL_TRANSITION", data: { status: "cancelled" } });
		const second = await apply(fan, entryFor("dup-fan", "DUP"));
		expect(second).toMatchObject({ generation: 2, id: entryIdFor("DUP", "dup-fan", 2) });
		const rows = (await fan.get(`${API}/draws?drawId=DUP&sort=generation`)).body.rows.map((e: Entry) => [e.generation, e.status]);
		expect(rows).toEqual([
			[1, "cancelled"],
			[2, "applied"]
		]);
		await eventually(() => smsOf(first.id), s => s.length === 2);
		expect(await smsOf(first.id)).toEqual(["applied", "cancelled"]);
	});

	it("a creating POST retried with its Idempotency-Key answers the first entry; another body with the key is 422", async () => {
		const fan = as.customer("key-fan");
		const headers = { "Idempotency-Key": "apply-key-1" };
		const one = await fan.post(`${API}/draws`, entryFor("key-fan", "KEY"), headers);
		const two = await fan.post(`${API}/draws`, entryFor("key-fan", "KEY"), headers);
		expect([one.status, two.status]).toEqual([201, 201]);
		expect(two.body.id).toBe(one.body.id);
		expect((await fan.post(`${API}/draws`, entryFor("key-fan", "KEY", { size: "290" }), headers)).status).toBe(422);
		// Even after a cancel and a new entry, the key still answers its own entry.
		expect((await fan.del(`${API}/draws/${one.body.id}`)).status).toBe(200);
		await apply(fan, entryFor("key-fan", "KEY"));
		const three = await fan.post(`${API}/draws`, entryFor("key-fan", "KEY"), headers);
		expect([three.status, three.body.id, three.body.status]).toEqual([201, one.body.id, "cancelled"]);
	});

	it("bad input gets 422 naming the field and creates nothing", async () => {
		const fan = as.customer("bad-fan");
		const cases: [Record<string, unknown>, string][] = [
			[entryFor("bad-fan", "BAD", { size: "big" }), "size"],
			[entryFor("bad-fan", "BAD", { size: "199" }), "size"],
			[entryFor("bad-fan", "BAD", { size: 331 }), "size"],
			[entryFor("bad-fan", "BAD", { size: "275.5" }), "size"],
			[entryFor("bad-fan", "BAD", { price: "-1" }), "price"],
			[entryFor("bad-fan", "BAD", { price: "free" }), "price"],
			[entryFor("bad-fan", "BAD", { drawDate: "2021-02-30" }), "drawDate"],
			[entryFor("bad-fan", "BAD", { drawDate: "28/08/2021" }), "drawDate"],
			// Identifiers are strings kept as given: a number would already have lost "001"'s zeros.
			[entryFor("bad-fan", "BAD", { drawId: 1 }), "drawId"],
			[entryFor("bad-fan", "BAD", { itemNo: 1111 }), "itemNo"],
			[entryFor("bad-fan", "BAD", { drawId: "0 01" }), "drawId"],
			[entryFor("bad-fan", "BAD", { phone: "call me" }), "phone"],
			[entryFor("bad-fan", "BAD", { drawName: "" }), "drawName"],
			[entryFor("bad-fan", "BAD", { userId: { $ne: "" } }), "userId"],
			[entryFor("bad-fan", "BAD", { win: true }), "win"]
		];
		await expectValidationErrors(fan, `${API}/draws`, cases);
		expect((await admin.get(`${API}/draws?drawId=BAD`)).body.total).toBe(0);
		expect((await fan.get(`${API}/draws?drawId[$ne]=x`)).status).toBe(422);
		expect((await fan.del(`${API}/draws/no-such-entry`)).status).toBe(404);
	});

	it("a customer acts on their own entries only (403), reads only their own lists; the token's subject is the entry's userId", async () => {
		const mallory = as.customer("mallory");
		const victim = await apply(as.customer("victim"), entryFor("victim", "OWN"));
		expect((await mallory.post(`${API}/draws`, entryFor("victim", "OWN2"))).status).toBe(403);
		expect((await mallory.get(`${API}/draws/${victim.id}`)).status).toBe(403);
		expect((await mallory.del(`${API}/draws/${victim.id}`)).status).toBe(403);
		expect((await mallory.get(`${API}/draws?userId=victim`)).status).toBe(403);
		expect((await mallory.get(`${API}/draws`)).body.total).toBe(0);
		await myPage(victim.id, r => r.status === "applied");
		expect((await mallory.get(`${API}/myPages/${victim.id}`)).status).toBe(403);
		expect((await mallory.get(`${API}/notifications?userId=victim`)).status).toBe(403);
		const { userId: _omit, ...withoutUser } = entryFor("x", "OWN3");
		const mine = await mallory.post(`${API}/draws`, withoutUser);
		expect([mine.status, mine.body.userId]).toEqual([201, "mallory"]);
		// Roles: a rider or a store owner cannot apply; only an admin runs a raffle.
		expect((await as.rider().post(`${API}/draws`, entryFor("rider", "OWN"))).status).toBe(403);
		expect((await mallory.post(`${API}/raffles/OWN/run`, { winners: 1 })).status).toBe(403);
		expect((await mallory.get(`${API}/raffles/OWN/verify`)).status).toBe(403);
		// The raffle's record is readable by customers: it names entries by their opaque ids only.
		await eventually(() => mallory.get(`${API}/raffles/OWN`), r => r.status === 200 && r.body.entries.includes(victim.id));
	});
});

describe("The Draw, embedded default: the raffle and checkout", () => {
	let winnerEntry: Entry;
	let loserEntry: Entry;

	it("runs the raffle once, uniformly by its seeded algorithm over the sorted ids; the record re-derives its winners; a second run and a run with no entry are 409", async () => {
		const e1 = await apply(dj14, entryFor("dj14", "R1"));
		const e2 = await apply(sneakerfan, entryFor("sneakerfan", "R1"));
		const others = [];
		for (let i = 0; i < 4; i++) others.push(await apply(as.customer(`r1-fan${i}`), entryFor(`r1-fan${i}`, "R1")));
		const gone = others.pop()!;
		expect((await as.customer("r1-fan3").del(`${API}/draws/${gone.id}`)).status).toBe(200);
		const active = [e1, e2, ...others].map(e => e.id);
		await eventually(() => raffleOf("R1"), r => r.status === 200 && r.body.entries.length === 6 && r.body.cancelled.length === 1);

		// dj14 and sneakerfan win with this seed (the ids are deterministic, so the raffle is): both can try to buy.
		const seed = seedFor(active, 2, [e1.id, e2.id]);
		const run = await admin.post(`${API}/raffles/R1/run`, { winners: "2", seed });
		expect(run.status).toBe(200);
		expect(run.body).toMatchObject({ id: "R1", status: "run", run: { algorithm: "fisher-yates/hmac-sha256/v1", seed, winnersRequested: 2, candidates: [...active].sort() } });
		expect([...run.body.run.winners].sort()).toEqual([e1.id, e2.id].sort());
		expect(rederive(run.body.run)).toEqual(run.body.run.winners);
		const verified = await admin.get(`${API}/raffles/R1/verify`);
		expect(verified.body).toMatchObject({ drawId: "R1", matches: true, candidatesSorted: true, candidates: 5, recomputed: run.body.run.winners });
		// The REPL's way: the action itself, no token (the operator's entry).
		expect(await broker.call("thedraw.raffle.verify", { drawId: "R1" })).toMatchObject({ matches: true });

		const second = await admin.post(`${API}/raffles/R1/run`, { winners: 1 });
		expect(second.status).toBe(409);
		expect(second.body).toMatchObject({ type: "ILLEGAL_TRANSITION", data: { status: "run" } });
		expect((await admin.post(`${API}/raffles/NOBODY/run`, { winners: 1 })).status).toBe(409);
		expect((await admin.post(`${API}/raffles/R1/run`, { winners: "many" })).status).toBe(422);
		expect((await admin.get(`${API}/raffles/NOBODY`)).status).toBe(404);

		// Every entry ends won or lost; the cancelled one stays cancelled; each is told once.
		for (const e of [e1, e2]) await entryIs(e.id, x => x.status === "won" && x.win === true);
		for (const e of others) await entryIs(e.id, x => x.status === "lost" && x.win === false);
		expect((await admin.get(`${API}/draws/${gone.id}`)).body).toMatchObject({ status: "cancelled", win: null });
		await myPage(e1.id, r => r.status === "won" && r.win === true, dj14);
		for (const e of [e1, e2, ...others]) await eventually(() => smsOf(e.id), s => s.length === 2);
		await settle();
		expect(await smsOf(e1.id)).toEqual(["applied", "won"]);
		expect(await smsOf(others[0].id)).toEqual(["applied", "lost"]);

		// The draw context heard of the run: no more entries, no more cancels (409).
		const late = await eventually(() => as.customer("r1-late").post(`${API}/draws`, entryFor("r1-late", "R1")), r => r.status === 409);
		expect(late.body.data).toMatchObject({ status: "drawn", drawId: "R1" });
		const noCancel = await dj14.del(`${API}/draws/${e1.id}`);
		expect(noCancel.status).toBe(409);
		expect(noCancel.body.data.status).toBe("won");
		[winnerEntry, loserEntry] = [e1, others[0]];
	});

	it("checkout: a loser cannot order (409); a wrong password removes the request (403, GET 404); auth or identity down answers 503 + Retry-After, the request removed; the right password buys once", async () => {
		const loser = as.customer(loserEntry.userId);
		const lost = await loser.post(`${API}/orders`, { entryId: loserEntry.id, userPassword: "whatever" });
		expect(lost.status).toBe(409);
		expect(lost.body.data).toMatchObject({ status: "notWon" });
		// Someone else's win: 403.
		expect((await sneakerfan.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "sneakerfan-demo-pw" })).status).toBe(403);
		await eventually(() => smsOf(winnerEntry.id), s => s.length === 2);

		const wrong = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "1234" });
		expect(wrong.status).toBe(403);
		expect(wrong.body).toMatchObject({ code: 403, type: "FORBIDDEN", data: { certified: false } });
		expect(JSON.stringify(wrong.body)).not.toContain("1234");
		expect((await dj14.get(`${API}/orders/${wrong.body.data.orderId}`)).status).toBe(404);
		expect((await admin.get(`${API}/draws/${winnerEntry.id}`)).body.status).toBe("won");

		// The step's owner down: 503 + Retry-After, nothing placed, the request removed (its id is the key's).
		const auth = broker.getLocalService("thedraw.auth")!;
		await broker.destroyService(auth);
		const key = "order-while-auth-down";
		const down = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "dj14-demo-pw" }, { "Idempotency-Key": key });
		expect(down.status).toBe(503);
		expect(Number(down.headers.get("retry-after"))).toBeGreaterThan(0);
		expect(down.body.type).toBe("SERVICE_UNAVAILABLE");
		const firstAttempt = idFor("thedraw.order", { caller: "dj14", key, fingerprint: "" }, 1);
		expect((await dj14.get(`${API}/orders/${firstAttempt}`)).status).toBe(404);
		broker.createService(authSchema as ServiceSchema);
		await broker.waitForServices(["thedraw.auth"]);

		// Identity down (the accounts are there): auth cannot check the password, 503 again.
		await broker.destroyService(broker.getLocalService("identity")!);
		const noIdentity = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "dj14-demo-pw" });
		expect(noIdentity.status).toBe(503);
		expect(noIdentity.headers.get("retry-after")).toBeTruthy();
		broker.createService(identitySchema as ServiceSchema);
		await broker.waitForServices(["identity"]);

		// The retry with the same key makes a new attempt (the first one was removed) and buys.
		const bought = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "dj14-demo-pw" }, { "Idempotency-Key": key });
		expect(bought.status).toBe(201);
		expect(bought.headers.get("location")).toBe(`${API}/orders/${bought.body.id}`);
		expect(bought.body).toMatchObject({ id: idFor("thedraw.order", { caller: "dj14", key, fingerprint: "" }, 2), entryId: winnerEntry.id, status: "placed", itemNo: "1111", size: 275, price: 100000, userId: "dj14" });
		expect(bought.body).not.toHaveProperty("userPassword");
		const replay = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "dj14-demo-pw" }, { "Idempotency-Key": key });
		expect([replay.status, replay.body.id]).toEqual([201, bought.body.id]);
		const secondOrder = await dj14.post(`${API}/orders`, { entryId: winnerEntry.id, userPassword: "dj14-demo-pw" });
		expect(secondOrder.status).toBe(409);
		expect(secondOrder.body.data).toMatchObject({ status: "purchased", orderId: bought.body.id });

		await entryIs(winnerEntry.id, e => e.status === "purchased" && e.orderId === bought.body.id);
		await myPage(winnerEntry.id, r => r.status === "purchased" && r.orderStatus === "placed" && r.orderId === bought.body.id, dj14);
		expect((await dj14.get(`${API}/orders/${bought.body.id}`)).body.status).toBe("placed");
		expect((await sneakerfan.get(`${API}/orders/${bought.body.id}`)).status).toBe(403);
	});

	it("two requests for one win at once: exactly one is placed", async () => {
		const [winner] = (await raffleOf("R1")).body.run.winners.filter((id: string) => id !== winnerEntry.id);
		const answers = await Promise.all(Array.from({ length: 4 }, () => sneakerfan.post(`${API}/orders`, { entryId: winner, userPassword: "sneakerfan-demo-pw" })));
		expect(answers.map(r => r.status).sort()).toEqual([201, 409, 409, 409]);
		await entryIs(winner, e => e.status === "purchased");
	});

	it("cancelling the order cancels the win (no re-draw), with an SMS; each change told once", async () => {
		const entry = (await admin.get(`${API}/draws/${winnerEntry.id}`)).body as Entry;
		const res = await dj14.del(`${API}/orders/${entry.orderId}`);
		expect(res.status).toBe(200);
		expect(res.body.status).toBe("cancelled");
		expect((await dj14.del(`${API}/orders/${entry.orderId}`)).body.data.status).toBe("cancelled");
		await entryIs(entry.id, e => e.status === "winCancelled" && e.win === true);
		await myPage(entry.id, r => r.status === "winCancelled" && r.orderStatus === "cancelled", dj14);
		await eventually(() => raffleOf("R1"), r => r.body.cancelledWins.includes(entry.id));
		expect((await raffleOf("R1")).body.run.winners).toContain(entry.id); // the record stays as drawn
		await eventually(() => smsOf(entry.id), s => s.length === 4);
		await settle();
		expect(await smsOf(entry.id)).toEqual(["applied", "won", "purchased", "winCancelled"]);
		const again = await dj14.post(`${API}/orders`, { entryId: entry.id, userPassword: "dj14-demo-pw" });
		expect(again.status).toBe(409);
		expect(again.body.data.status).toBe("winCancelled");
		const mine = await dj14.get(`${API}/notifications?userId=dj14&entryId=${entry.id}`);
		expect(mine.body.rows.map((m: { message: string }) => m.message)).toEqual(expect.arrayContaining([expect.stringContaining("당첨이 취소")]));
		expect(mine.body.rows.every((m: { status: string; sentAt?: string }) => m.status === "sent" && m.sentAt)).toBe(true);
		const page = await dj14.get(`${API}/myPages?drawId=R1`);
		expect(page.body.rows.map((r: MyPageRow) => r.entryId)).toEqual([entry.id]);
	});

	it("a cancel that races the run: the win reaching the entry cancelled first is cancelled at once; nobody is told it won, nobody can buy it", async () => {
		const racer = as.customer("racer");
		const other = await apply(as.customer("racer-2"), entryFor("racer-2", "RACE"));
		const entry = await apply(racer, entryFor("racer", "RACE"));
		await eventually(() => raffleOf("RACE"), r => r.status === 200 && r.body.entries.length === 2);
		// The draw context has not heard of the run yet, the raffle has not heard of the cancel yet.
		for (const type of ["RaffleRun", "EntryWon", "EntryLost"]) hand.hold(`thedraw.${type}`, "thedraw.draw");
		hand.hold("thedraw.EntryCancelled", "thedraw.raffle");
		try {
			const run = await admin.post(`${API}/raffles/RACE/run`, { winners: 2 }); // both win
			expect(run.body.run.winners).toHaveLength(2);
			const cancel = await racer.del(`${API}/draws/${entry.id}`);
			expect(cancel.status).toBe(200); // accepted: the entry's owner had not heard of the run
			// Entries are taken while the draw context is unaware: this one applied after the run is no candidate.
			const lateEntry = await apply(as.customer("racer-late"), entryFor("racer-late", "RACE"));
			for (const type of ["RaffleRun", "EntryWon", "EntryLost"]) await hand.release(`thedraw.${type}`, "thedraw.draw");
			await hand.release("thedraw.EntryCancelled", "thedraw.raffle");
			await entryIs(entry.id, e => e.lateResult === "won");
			await entryIs(other.id, e => e.status === "won");
			await entryIs(lateEntry.id, e => e.status === "lost" && e.win === false);
			const r = await eventually(() => raffleOf("RACE"), x => x.body.cancelledWins.includes(entry.id) && x.body.late.includes(lateEntry.id));
			expect(r.body.run.candidates).not.toContain(lateEntry.id);
		} finally {
			for (const type of ["RaffleRun", "EntryWon", "EntryLost"]) await hand.release(`thedraw.${type}`, "thedraw.draw");
			await hand.release("thedraw.EntryCancelled", "thedraw.raffle");
		}
		expect((await admin.get(`${API}/draws/${entry.id}`)).body).toMatchObject({ status: "cancelled", win: null, lateResult: "won" });
		await myPage(entry.id, r => r.status === "cancelled" && r.win === null);
		await settle();
		expect(await smsOf(entry.id)).toEqual(["applied", "cancelled"]); // never "won"
		const buy = await racer.post(`${API}/orders`, { entryId: entry.id, userPassword: "x" });
		expect(buy.status).toBe(409);
		expect(buy.body.data.status).toBe("notWon");
	});
});

describe("the Idempotency-Key of an order leaves the password out", () => {
	it("the fingerprint is of the entry only, and nothing stored holds the password", async () => {
		const ctx = { meta: { idempotencyKey: "k", user: { sub: "dj14", roles: ["customer"] } }, params: { entryId: "e" } };
		expect(creatingRequest(ctx as never)).toMatchObject({ caller: "dj14", key: "k" });
		const docs = await (broker.getLocalService("thedraw.order") as unknown as { adapters: { find(q: object): Promise<unknown[]> }[] }).adapters[0].find({});
		expect(docs.length).toBeGreaterThan(0);
		expect(JSON.stringify(docs)).not.toMatch(/dj14-demo-pw|sneakerfan-demo-pw|userPassword/);
	});
});
