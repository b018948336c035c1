/**
 * The Draw's SMS through the webhook provider (OUTBOUND_PROVIDER=webhook), pointed at a real HTTP server in
 * this test that plays an SMS gateway: it refuses the first two attempts of every message (500) and counts
 * what it receives by Idempotency-Key. Every change of an entry's status makes one SMS; each is retried by
 * redelivery until the gateway takes it, and is taken exactly once — never two per key — and SmsSent is
 * told once per SMS.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceSchema } from "moleculer";
import { config } from "../../config";
import type { DomainEvent } from "../../domain";
import type { DrawEvents } from "../../services/thedraw/events";
import { actors, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { client, eventually, type Client } from "../support/http";

const API = "/api/thedraw";
const REFUSED_ATTEMPTS = 2;

interface Received {
	attempts: number;
	accepted: number;
	body: { id: string; channel: string; recipient: string; address?: string; text: string };
}

const received = new Map<string, Received>();
const smsSent = new Map<string, number>();
let gateway: http.Server;
let as: Actors;
let admin: Client;
let stop: () => Promise<void>;
const saved = { ...config.outbound };

/** A consumer of SmsSent in the same broker, counting each message's fact. */
const probe: ServiceSchema = {
	name: "test.smsprobe",
	channels: {
		"thedraw.SmsSent": {
			async handler(ctx) {
				const event = ctx.params as DomainEvent<DrawEvents["SmsSent"]>;
				smsSent.set(event.data.messageId, (smsSent.get(event.data.messageId) ?? 0) + 1);
			}
		}
	}
};

beforeAll(async () => {
	gateway = http.createServer((req, res) => {
		let raw = "";
		req.on("data", chunk => (raw += chunk));
		req.on("end", () => {
			const key = String(req.headers["idempotency-key"]);
			const seen = received.get(key) ?? { attempts: 0, accepted: 0, body: JSON.parse(raw) as Received["body"] };
			seen.attempts++;
			received.set(key, seen);
			if (seen.attempts <= REFUSED_ATTEMPTS) {
				res.writeHead(500).end("gateway busy");
				return;
			}
			seen.accepted++;
			res.writeHead(200, { "Content-Type": "application/json" }).end('{"queued":true}');
		});
	});
	await new Promise<void>(resolve => gateway.listen(0, "127.0.0.1", resolve));
	config.outbound.provider = "webhook";
	config.outbound.webhookUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
	const app = await startEmbedded([...systemSchemas("thedraw"), probe]);
	stop = app.stop;
	as = actors(client(app.baseUrl));
	admin = as.admin();
});

afterAll(async () => {
	await stop();
	Object.assign(config.outbound, saved);
	await new Promise(resolve => gateway.close(resolve));
});

const entry = (userId: string) => ({ itemNo: "1111", price: "100000", drawDate: "2021-08-28", size: "275", drawId: "SMS", drawName: "NIKE jordan 1", userId, phone: "010-1234-5678" });

describe("SMS through a webhook that fails first", () => {
	it("one SMS per status change, retried until the gateway takes it, taken once per key; SmsSent once each", async () => {
		const ids: string[] = [];
		for (const user of ["sms-a", "sms-b", "sms-c", "sms-d"]) {
			const res = await as.customer(user).post(`${API}/draws`, entry(user));
			expect(res.status).toBe(201);
			ids.push(res.body.id);
		}
		expect((await as.customer("sms-d").del(`${API}/draws/${ids[3]}`)).status).toBe(200);
		await eventually(() => admin.get(`${API}/raffles/SMS`), r => r.status === 200 && r.body.entries.length === 4 && r.body.cancelled.length === 1);
		expect((await admin.post(`${API}/raffles/SMS/run`, { winners: 1, seed: "sms" })).status).toBe(200);

		// 4 applied + 1 cancelled + 3 results: 8 changes, 8 SMS.
		const changes = 8;
		const sent = await eventually(
			() => admin.get(`${API}/notifications?drawId=SMS&status=sent&pageSize=100`),
			r => r.status === 200 && r.body.total === changes,
			30000
		);
		await new Promise(resolve => setTimeout(resolve, 500)); // anything still on its way would land now
		expect(received.size).toBe(changes);
		for (const [key, r] of received) {
			expect({ key, accepted: r.accepted, attempts: r.attempts }).toEqual({ key, accepted: 1, attempts: REFUSED_ATTEMPTS + 1 });
			expect(r.body).toMatchObject({ id: key, channel: "thedraw.sms", address: "010-1234-5678" });
		}
		// The log: each SMS once, sent, after its retries, with the spec's fields.
		const rows = sent.body.rows as { id: string; userId: string; phone: string; entryId: string; message: string; sentAt: string; attempts: number; entryStatus: string }[];
		expect(rows.map(r => r.id).sort()).toEqual([...received.keys()].sort());
		for (const r of rows) {
			expect(r).toMatchObject({ phone: "010-1234-5678", attempts: REFUSED_ATTEMPTS + 1 });
			expect(typeof r.sentAt).toBe("string");
			expect(received.get(r.id)?.body.text).toBe(r.message);
		}
		const byEntry = new Map<string, string[]>();
		for (const r of rows) byEntry.set(r.entryId, [...(byEntry.get(r.entryId) ?? []), r.entryStatus].sort());
		expect(byEntry.get(ids[3])).toEqual(["applied", "cancelled"]);
		const results = ids.slice(0, 3).map(id => byEntry.get(id));
		expect(results.filter(s => s?.join() === "applied,won")).toHaveLength(1);
		expect(results.filter(s => s?.join() === "applied,lost")).toHaveLength(2);

		await eventually(async () => smsSent.size, n => n === changes);
		expect([...smsSent.values()].every(n => n === 1)).toBe(true);
		expect([...smsSent.keys()].sort()).toEqual([...received.keys()].sort());
	});
});
