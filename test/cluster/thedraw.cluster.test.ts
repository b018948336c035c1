/**
 * The Draw as Kubernetes runs it: real `nats-server -js` and `redis-server`, one process per context
 * (compiled code: `npm run build` first), every check over HTTP through the gateway, in the structured
 * fields of the JSON logs and in the event streams JetStream keeps:
 * - entries are accepted while order, auth and raffle are all down, and processed when they come back;
 * - 2,000 entries (2,000 customers, sent by 50 concurrent clients) then one raffle: exactly N winners, each
 *   candidate once, every entry ends won or lost, one SMS per change (the figures are printed);
 * - kill -9 of the raffle context during its run: on restart the run completes exactly once, no entry is
 *   told twice.
 */
import { createHmac } from "node:crypto";
import { connect, type NatsConnection } from "nats";
import { LocalCluster, systemCluster, type ContextSpec } from "../../scripts/cluster";
import type { Entry } from "../../services/thedraw/draw.domain";
import { entryIdFor } from "../../services/thedraw/draw.service";
import { drawWinners } from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";
import { actors, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { jsonLines } from "../support/logs";

const API = "/api/thedraw";
const WAIT = 60000;
const CONTEXTS = systemCluster("thedraw");

interface StoredEvent {
	id: string;
	type: string;
	data: Record<string, unknown> & { drawId: string };
}

/** Every event JetStream keeps on the channel `thedraw.<type>` (read in parallel batches). */
async function stored(nc: NatsConnection, type: string): Promise<StoredEvent[]> {
	const jsm = await nc.jetstreamManager();
	const stream = `thedraw_${type}`;
	const { state } = await jsm.streams.info(stream);
	const seqs: number[] = [];
	for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) seqs.push(seq);
	const events: StoredEvent[] = [];
	for (let i = 0; i < seqs.length; i += 200) {
		const batch = await Promise.all(seqs.slice(i, i + 200).map(seq => jsm.streams.getMessage(stream, { seq })));
		for (const msg of batch) events.push(JSON.parse(new TextDecoder().decode(msg.data)) as StoredEvent);
	}
	return events;
}

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
	const k = Math.min(record.winnersRequested, a.length);
	for (let i = 0; i < k; i++) {
		const j = i + uniform(a.length - i);
		[a[i], a[j]] = [a[j], a[i]];
	}
	return a.slice(0, k);
}

/** Runs `work` over `items` with `concurrency` clients at once. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	await Promise.all(Array.from({ length: concurrency }, async () => {
		while (next < items.length) await work(items[next++]);
	}));
}

describe("The Draw cluster: one process per context over NATS JetStream and Redis", () => {
	const cluster = new LocalCluster({ basePort: 16200, env: { OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "8000", CHANNEL_BACKOFF_MS: "100" } });
	let as: Actors;
	let admin: Client;
	let nc: NatsConnection;
	const figures: Record<string, unknown> = {};

	// The raffle logs each event it handles (debug): how many EntryApplied it applied, per draw.
	const spec = (name: string): ContextSpec => {
		const s = CONTEXTS.find(c => c.name === name)!;
		return name === "raffle" ? { ...s, env: { LOG_LEVEL: "debug" } } : s;
	};
	const entry = (userId: string, drawId: string) => ({ itemNo: "1111", price: "100000", drawDate: "2021-08-28", size: "275", drawId, drawName: "NIKE jordan 1", userId, phone: "01012345678" });
	const apply = async (userId: string, drawId: string, who: Client = as.customer(userId)): Promise<Entry> => {
		const res = await who.post(`${API}/draws`, entry(userId, drawId));
		expect([userId, res.status]).toEqual([userId, 201]);
		return res.body;
	};
	const count = async (path: string): Promise<number> => (await admin.get(`${path}${path.includes("?") ? "&" : "?"}pageSize=1`)).body.total;
	const sms = (drawId: string, extra = "") => count(`${API}/notifications?drawId=${drawId}&status=sent${extra}`);
	/** Every SMS of a draw, as (entry, status) pairs. */
	const allSms = async (drawId: string): Promise<string[]> => {
		const pairs: string[] = [];
		for (let page = 1; ; page++) {
			const res = await admin.get(`${API}/notifications?drawId=${drawId}&pageSize=100&page=${page}`);
			pairs.push(...res.body.rows.map((m: { entryId: string; entryStatus: string }) => `${m.entryId}:${m.entryStatus}`));
			if (page >= res.body.totalPages) return pairs;
		}
	};

	beforeAll(async () => {
		await cluster.startServers();
		for (const { name } of CONTEXTS) await cluster.start(spec(name));
		as = actors(client(cluster.baseUrl));
		admin = as.admin();
		nc = await connect({ servers: cluster.natsUrl });
	});

	afterAll(async () => {
		console.log("The Draw cluster figures:", figures);
		await nc?.close();
		await cluster.stopAll();
	});

	it("accepts and cancels entries while order, auth and raffle are all down; they are processed when those return, once each; a certified winner buys", async () => {
		for (const name of ["order", "auth", "raffle"]) await cluster.stop(name);
		const dj14 = await as.login("dj14");
		const mine = await apply("dj14", "DOWN", dj14);
		const others: Entry[] = [];
		for (let i = 0; i < 8; i++) others.push(await apply(`down-fan${i}`, "DOWN"));
		const gone = others.pop()!;
		expect((await as.customer(gone.userId).del(`${API}/draws/${gone.id}`)).body.status).toBe("cancelled");
		expect((await dj14.get(`${API}/draws/${mine.id}`)).body.status).toBe("applied");
		// The SMS and MyPage work on; the raffle cannot be run now (503, nothing done).
		await eventually(() => sms("DOWN"), n => n === 10, WAIT);
		await eventually(() => dj14.get(`${API}/myPages/${mine.id}`), r => r.status === 200 && r.body.status === "applied", WAIT);
		const noRaffle = await admin.post(`${API}/raffles/DOWN/run`, { winners: 1 });
		expect(noRaffle.status).toBe(503);
		expect(noRaffle.headers.get("retry-after")).toBeTruthy();

		for (const name of ["auth", "order", "raffle"]) await cluster.start(spec(name));
		const raffle = await eventually(() => admin.get(`${API}/raffles/DOWN`), r => r.status === 200 && r.body.entries.length === 9 && r.body.cancelled.length === 1, WAIT);
		expect(raffle.body.entries).toEqual([mine, ...others, gone].map(e => e.id).sort());
		const appliedLines = jsonLines(cluster.logOf("raffle")).filter(l => l.handled === "EntryApplied" && l.key === "DOWN");
		expect(appliedLines).toHaveLength(9); // each once

		// dj14 wins with this seed (the entry ids are derived, so the raffle is reproducible).
		const active = [mine, ...others].map(e => e.id).sort();
		const seed = Array.from({ length: 1000 }, (_, i) => `down-${i}`).find(s => drawWinners(s, active, 2, hmacSha256).includes(entryIdFor("DOWN", "dj14", 1)))!;
		const run = await eventually(() => admin.post(`${API}/raffles/DOWN/run`, { winners: 2, seed }), r => r.status === 200, WAIT);
		expect(rederive(run.body.run)).toEqual(run.body.run.winners);
		await eventually(() => count(`${API}/draws?drawId=DOWN&status=lost`), n => n === 6, WAIT);
		expect(await count(`${API}/draws?drawId=DOWN&status=won`)).toBe(2);

		const wrong = await eventually(() => dj14.post(`${API}/orders`, { entryId: mine.id, userPassword: "1234" }), r => r.status !== 409, WAIT);
		expect(wrong.status).toBe(403);
		const bought = await dj14.post(`${API}/orders`, { entryId: mine.id, userPassword: "dj14-demo-pw" });
		expect(bought.status).toBe(201);
		expect(bought.body.status).toBe("placed");
		await eventually(() => dj14.get(`${API}/myPages/${mine.id}`), r => r.body.status === "purchased" && r.body.orderStatus === "placed", WAIT);
		await eventually(async () => (await allSms("DOWN")).filter(p => p.startsWith(mine.id)).sort(), s => s.length === 3, WAIT);
		expect((await allSms("DOWN")).filter(p => p.startsWith(mine.id)).sort()).toEqual([`${mine.id}:applied`, `${mine.id}:purchased`, `${mine.id}:won`]);
	});

	it("2,000 entries from 2,000 customers (50 clients at once), then one raffle: exactly N winners, each candidate once, every entry won or lost, one SMS per change", async () => {
		const users = Array.from({ length: 2000 }, (_, i) => `big-fan${String(i).padStart(4, "0")}`);
		const clients = new Map(users.map(u => [u, as.customer(u)]));
		const acceptStart = Date.now();
		await pool(users, 50, async user => void (await apply(user, "BIG", clients.get(user))));
		figures["2000 entries accepted (50 clients), ms"] = Date.now() - acceptStart;
		await eventually(() => admin.get(`${API}/raffles/BIG`), r => r.status === 200 && r.body.entries.length === 2000, WAIT * 2);
		figures["…and counted by the raffle, ms"] = Date.now() - acceptStart;

		const N = 100;
		const runStart = Date.now();
		const run = await admin.post(`${API}/raffles/BIG/run`, { winners: N });
		figures["POST /raffles/BIG/run answered, ms"] = Date.now() - runStart;
		expect(run.status).toBe(200);
		const { candidates, winners } = run.body.run as { candidates: string[]; winners: string[] };
		expect(candidates).toHaveLength(2000);
		expect(new Set(candidates).size).toBe(2000);
		expect([...candidates].sort()).toEqual(candidates);
		expect(winners).toHaveLength(N);
		expect(new Set(winners).size).toBe(N);
		expect(rederive(run.body.run)).toEqual(winners);

		// Every entrant is told (one SMS per result) — the time it takes is the figure.
		await eventually(() => sms("BIG"), n => n === 4000, WAIT * 2, 250);
		figures["run → every entrant told (2000 result SMS sent), ms"] = Date.now() - runStart;
		expect(await sms("BIG", "&entryStatus=won")).toBe(N);
		expect(await sms("BIG", "&entryStatus=lost")).toBe(2000 - N);
		expect(await count(`${API}/draws?drawId=BIG&status=won`)).toBe(N);
		expect(await count(`${API}/draws?drawId=BIG&status=lost`)).toBe(2000 - N);
		await new Promise(resolve => setTimeout(resolve, 1000));
		const pairs = await allSms("BIG");
		expect(pairs).toHaveLength(4000);
		expect(new Set(pairs).size).toBe(4000); // one per (entry, change), never two
		figures["SMS sent for the draw of 2000 (applied + result)"] = pairs.length;
		expect((await admin.get(`${API}/raffles/BIG/verify`)).body).toMatchObject({ matches: true, candidates: 2000 });
		expect(await count(`${API}/myPages?drawId=BIG`)).toBe(2000);
	});

	it("kill -9 of the raffle context during its run: on restart the run completes exactly once, no entry told twice", async () => {
		const users = Array.from({ length: 600 }, (_, i) => `kill-fan${String(i).padStart(3, "0")}`);
		await pool(users, 50, async user => void (await apply(user, "KILL")));
		await eventually(() => admin.get(`${API}/raffles/KILL`), r => r.status === 200 && r.body.entries.length === users.length, WAIT);

		const N = 30;
		const pending = admin.post(`${API}/raffles/KILL/run`, { winners: N, seed: "kill-9" });
		// The run is committed (its results in the outbox with it): kill the process while it tells them.
		await eventually(() => admin.get(`${API}/raffles/KILL`), r => r.status === 200 && r.body.status === "run", WAIT, 10);
		await cluster.stop("raffle", "SIGKILL");
		const toldBeforeKill = (await stored(nc, "EntryWon")).filter(e => e.data.drawId === "KILL").length + (await stored(nc, "EntryLost")).filter(e => e.data.drawId === "KILL").length;
		const answer = await pending;
		figures["kill -9: results published before the kill"] = `${toldBeforeKill} of ${users.length}`;
		figures["kill -9: the admin's answer"] = answer.status;
		expect([200, 504]).toContain(answer.status);

		await cluster.start(spec("raffle"));
		await eventually(() => sms("KILL"), n => n === 2 * users.length, WAIT);
		const again = await admin.post(`${API}/raffles/KILL/run`, { winners: N, seed: "another" });
		expect(again.status).toBe(409); // it ran once
		const record = (await admin.get(`${API}/raffles/KILL`)).body.run;
		expect(record).toMatchObject({ seed: "kill-9", winnersRequested: N });
		expect(rederive(record)).toEqual(record.winners);

		// Exactly once: one result per candidate in the streams, one status change per entry, one SMS per change.
		await new Promise(resolve => setTimeout(resolve, 1500));
		const won = (await stored(nc, "EntryWon")).filter(e => e.data.drawId === "KILL").map(e => String(e.data.entryId));
		const lost = (await stored(nc, "EntryLost")).filter(e => e.data.drawId === "KILL").map(e => String(e.data.entryId));
		expect([...won].sort()).toEqual([...record.winners].sort());
		expect(lost).toHaveLength(users.length - N);
		expect(new Set([...won, ...lost]).size).toBe(users.length);
		const results = (await stored(nc, "EntryStatusChanged")).filter(e => e.data.drawId === "KILL" && (e.data.status === "won" || e.data.status === "lost"));
		expect(results).toHaveLength(users.length);
		expect(new Set(results.map(e => e.data.entryId)).size).toBe(users.length);
		const pairs = await allSms("KILL");
		expect(pairs).toHaveLength(2 * users.length);
		expect(new Set(pairs).size).toBe(2 * users.length);
		expect(await count(`${API}/draws?drawId=KILL&status=won`)).toBe(N);
		expect(await count(`${API}/draws?drawId=KILL&status=lost`)).toBe(users.length - N);
		figures["kill -9: after restart"] = `${won.length} won + ${lost.length} lost told once each, ${pairs.length} SMS, run once (second run 409)`;
	});
});
