/**
 * Stored orders for the growth figures: a DATA_DIR whose store.sqlite holds N flower orders and their
 * payments, shaped exactly as the store writes them.
 *
 * How "exactly" is made sure of: the documents are not written from a reading of the code but cloned from
 * documents the product itself wrote. `captureTemplates` starts the embedded default on an empty DATA_DIR and
 * drives three real orders through the API — one left Placed, one accepted, decorated and delivered (so it
 * folded four facts: four event ids in `processed`, version 6), one cancelled and refunded — reads the lists
 * a customer reads (their expression indexes are made then, as a running product makes them) and waits for
 * a sweep of stale placements (its indexes too). That DATA_DIR is the base of every level. `populate` then
 * clones the three order documents and their payments N times in one transaction (better-sqlite3): new ids,
 * new event ids, 50,000 customers, 200 shops, creation times spread over the past year (every other
 * timestamp keeps its distance to it), life cycles mixed 85 % delivered, 10 % cancelled, 5 % placed, outboxes
 * empty (nothing left to relay, as in a settled store). The store, delivery and MyPage of those orders are
 * not populated: the growth is the order store's (and the payment store's).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Backlog, call, demoToken, drain, startEmbedded, until } from "./support";

const API = "/api/flowerdelivery";
const ORDERS = "flowerdelivery.order";
const PAYMENTS = "flowerdelivery.payment";

export type Life = "placed" | "delivered" | "cancelled";

export interface Templates {
	/** The documents as the product wrote them (JSON text), by life cycle. */
	orders: Record<Life, string>;
	payments: Record<Life, string>;
	/** The base DATA_DIR (the three orders and the indexes a running product made). */
	baseDir: string;
}

/** Starts the product on `baseDir` (empty), drives three orders through their life cycles, stops it, and reads what it stored. */
export async function captureTemplates(baseDir: string, port: number): Promise<Templates> {
	fs.rmSync(baseDir, { recursive: true, force: true });
	// A short pending timeout: the stale-placement sweep runs every second here (its indexes exist before the data).
	const app = await startEmbedded({ port, dataDir: baseDir, env: { PENDING_PLACEMENT_TIMEOUT_MS: "2000" }, logFile: `${baseDir}.log` });
	const ids = {} as Record<Life, string>;
	try {
		const [lkj, shop, rider] = await Promise.all([demoToken(app.url, "LKJ"), demoToken(app.url, "kjshop"), demoToken(app.url, "rider")]);
		const place = async () => {
			const res = await call(app.url, "POST", `${API}/orders`, lkj, { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" });
			if (res.status !== 201) throw new Error(`template order: ${res.status} ${res.text}`);
			return String(res.body.id);
		};
		ids.placed = await place();
		ids.delivered = await place();
		ids.cancelled = await place();
		const storeOrder = (id: string) => until(() => call(app.url, "GET", `${API}/ordermanagements/${id}`, shop), r => r.status === 200, `store order ${id}`);
		await storeOrder(ids.delivered);
		for (const step of ["accept", "decorate"]) {
			const res = await call(app.url, "POST", `${API}/ordermanagements/${ids.delivered}/${step}`, shop);
			if (res.status !== 200) throw new Error(`template ${step}: ${res.status} ${res.text}`);
		}
		await until(() => call(app.url, "GET", `${API}/deliveries/${ids.delivered}`, rider), r => r.status === 200 && r.body.status === "Requested", "the delivery requested");
		for (const step of ["start", "complete"]) {
			const res = await call(app.url, "POST", `${API}/deliveries/${ids.delivered}/${step}`, rider);
			if (res.status !== 200) throw new Error(`template ${step}: ${res.status} ${res.text}`);
		}
		await storeOrder(ids.cancelled);
		const cancelled = await call(app.url, "DELETE", `${API}/orders/${ids.cancelled}`, lkj);
		if (cancelled.status !== 200) throw new Error(`template cancel: ${cancelled.status} ${cancelled.text}`);
		await until(() => call(app.url, "GET", `${API}/orders/${ids.delivered}`, lkj), r => r.body.status === "Delivered", "the order delivered");
		await until(() => call(app.url, "GET", `${API}/payments/${ids.cancelled}`, lkj), r => r.body.status === "Cancelled", "the payment refunded");
		// What a customer reads (the lists make their indexes: userName, createdAt), then a stale sweep (status).
		await call(app.url, "GET", `${API}/orders?pageSize=10`, lkj);
		await call(app.url, "GET", `${API}/payments?pageSize=10`, lkj);
		await call(app.url, "GET", `${API}/myPages?pageSize=10`, lkj);
		const backlog = new Backlog([baseDir]);
		await drain(() => backlog.count(), 30000);
		await new Promise(r => setTimeout(r, 2500));
	} finally {
		await app.stop();
	}
	const db = new Database(path.join(baseDir, "store.sqlite"), { readonly: true });
	const read = (table: string, id: string): string => {
		const row = db.prepare(`SELECT doc FROM "${table}" WHERE _id = ?`).get(id) as { doc: string } | undefined;
		if (!row) throw new Error(`template ${table} ${id} not stored`);
		return row.doc;
	};
	const t: Templates = {
		orders: { placed: read(ORDERS, ids.placed), delivered: read(ORDERS, ids.delivered), cancelled: read(ORDERS, ids.cancelled) },
		payments: { placed: read(PAYMENTS, ids.placed), delivered: read(PAYMENTS, ids.delivered), cancelled: read(PAYMENTS, ids.cancelled) },
		baseDir
	};
	db.close();
	for (const life of ["placed", "delivered", "cancelled"] as Life[]) {
		const o = JSON.parse(t.orders[life]);
		if (o.outbox.length !== 0) throw new Error(`template order ${life} still has events to relay`);
	}
	return t;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Slot = { kind: "id" } | { kind: "event"; n: number } | { kind: "user" } | { kind: "shop" } | { kind: "time"; offsetMs: number };

/**
 * A template document compiled into literal parts and slots: every JSON string that is the order id, an
 * event id, the customer, the shop or a timestamp becomes a slot; the rest is kept byte for byte.
 */
function compile(doc: string, orderId: string, originMs: number): { parts: string[]; slots: Slot[] } {
	const parts: string[] = [];
	const slots: Slot[] = [];
	const events = new Map<string, number>();
	let last = 0;
	// Every JSON string literal of the document (the template has no escapes in the strings that become slots).
	const re = /"((?:[^"\\]|\\.)*)"/g;
	for (let m = re.exec(doc); m; m = re.exec(doc)) {
		const value = m[1];
		const after = doc[m.index + m[0].length];
		if (after === ":") continue; // a key
		let slot: Slot | undefined;
		if (value === orderId) slot = { kind: "id" };
		else if (UUID.test(value)) {
			if (!events.has(value)) events.set(value, events.size);
			slot = { kind: "event", n: events.get(value)! };
		} else if (value === "LKJ") slot = { kind: "user" };
		else if (value === "KJSHOP") slot = { kind: "shop" };
		else if (ISO.test(value)) slot = { kind: "time", offsetMs: Date.parse(value) - originMs };
		if (!slot) continue;
		parts.push(doc.slice(last, m.index + 1));
		slots.push(slot);
		last = m.index + m[0].length - 1;
	}
	parts.push(doc.slice(last));
	return { parts, slots };
}

function render(t: { parts: string[]; slots: Slot[] }, v: { id: string; events: string[]; user: string; shop: string; originMs: number }): string {
	let out = t.parts[0];
	for (let i = 0; i < t.slots.length; i++) {
		const s = t.slots[i];
		out += s.kind === "id" ? v.id : s.kind === "event" ? v.events[s.n] : s.kind === "user" ? v.user : s.kind === "shop" ? v.shop : new Date(v.originMs + s.offsetMs).toISOString();
		out += t.parts[i + 1];
	}
	return out;
}

export interface Populated {
	orders: number;
	seconds: number;
	storeMiB: number;
	/** A few of the ids written (the suite reads them back through the API). */
	sample: string[];
	byLife: Record<Life, number>;
}

/** Copies the base DATA_DIR to `dataDir` and adds `n` orders and their payments to its store.sqlite, in one transaction. */
export function populate(t: Templates, dataDir: string, n: number): Populated {
	fs.rmSync(dataDir, { recursive: true, force: true });
	fs.cpSync(t.baseDir, dataDir, { recursive: true });
	const started = performance.now();
	const byLife: Record<Life, number> = { placed: 0, delivered: 0, cancelled: 0 };
	const sample: string[] = [];
	if (n > 0) {
		const db = new Database(path.join(dataDir, "store.sqlite"));
		// Loading only: no rollback journal to speak of, no fsync, a large cache; WAL again afterwards (the product's mode).
		db.pragma("journal_mode = MEMORY");
		db.pragma("synchronous = OFF");
		db.pragma("cache_size = -524288");
		const compiled = {} as Record<Life, { order: ReturnType<typeof compile>; payment: ReturnType<typeof compile> }>;
		for (const life of ["placed", "delivered", "cancelled"] as Life[]) {
			const order = JSON.parse(t.orders[life]) as { _id: string; state: { createdAt: string } };
			const origin = Date.parse(order.state.createdAt);
			compiled[life] = { order: compile(t.orders[life], order._id, origin), payment: compile(t.payments[life], order._id, origin) };
		}
		const insertOrder = db.prepare(`INSERT INTO "${ORDERS}" (_id, doc) VALUES (?, ?)`);
		const insertPayment = db.prepare(`INSERT INTO "${PAYMENTS}" (_id, doc) VALUES (?, ?)`);
		const year = 365 * 24 * 3600 * 1000;
		const from = Date.now() - year - 3600_000;
		db.transaction(() => {
			for (let i = 0; i < n; i++) {
				const k = i % 20;
				const life: Life = k < 17 ? "delivered" : k < 19 ? "cancelled" : "placed";
				byLife[life]++;
				const id = randomUUID();
				const v = { id, events: [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()], user: `customer${(i * 7919) % 50000}`, shop: `SHOP${i % 200}`, originMs: from + Math.floor((i * year) / n) };
				insertOrder.run(id, render(compiled[life].order, v));
				insertPayment.run(id, render(compiled[life].payment, v));
				if (i % Math.max(1, Math.floor(n / 5)) === 0) sample.push(id);
			}
		})();
		db.pragma("journal_mode = WAL");
		db.close();
	}
	const storeMiB = fs.statSync(path.join(dataDir, "store.sqlite")).size / 2 ** 20;
	return { orders: n, seconds: (performance.now() - started) / 1000, storeMiB, sample, byLife };
}

/** How SQLite answers the queries the order context keeps issuing on a large store (EXPLAIN QUERY PLAN). */
export function queryPlans(dataDir: string): Record<string, string[]> {
	const db = new Database(path.join(dataDir, "store.sqlite"), { readonly: true });
	const e = (f: string) => `json_extract(doc, '$.${f}')`;
	const plans: Record<string, string> = {
		"stale-placement sweep (every 15 s)": `SELECT doc FROM "${ORDERS}" WHERE ${e("state.status")} = 'PaymentPending' ORDER BY ${e("state.createdAt")} ASC LIMIT 100 OFFSET 0`,
		"its count": `SELECT count(*) AS n FROM "${ORDERS}" WHERE ${e("state.status")} = 'PaymentPending'`,
		"outbox sweep (every 1 s)": `SELECT doc FROM "${ORDERS}" WHERE pending LIMIT 100 OFFSET 0`,
		"a customer's GET /orders": `SELECT doc FROM "${ORDERS}" WHERE ${e("state.userName")} = 'customer1' ORDER BY ${e("state.createdAt")} DESC LIMIT 10 OFFSET 0`,
		"a placement's load and conditional update": `SELECT doc FROM "${ORDERS}" WHERE _id = 'x'`
	};
	const out: Record<string, string[]> = {};
	for (const [what, sql] of Object.entries(plans)) {
		try {
			out[what] = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map(r => r.detail);
		} catch (err) {
			out[what] = [`(${String(err)})`];
		}
	}
	out.indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").all(ORDERS) as { name: string }[]).map(r => r.name);
	db.close();
	return out;
}
