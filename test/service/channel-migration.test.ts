/**
 * A channels file made by an earlier version (middlewares/local-channels.ts): deliveries in a rowid table with
 * an index on when they are due. At the first start the rows move into the table keyed by (channel, group,
 * message), WITHOUT ROWID, and nothing owed is lost: the consumer gets the delivery it was owed before, the
 * one waiting for a redelivery keeps its attempts, and a new message still reaches every group (its deliveries
 * written by a trigger of the message's insert, once per message id).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ServiceBroker, type Service } from "moleculer";
import { config } from "../../config";
import { publishToChannel } from "../../middlewares/channels";
import { consume } from "../../mixins/consume";
import { newId } from "../../lib/ids";
import { brokerOptions } from "../../moleculer.config";
import { eventually } from "../support/http";

interface Counted {
	ref: string;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "channel-migration-"));
const file = path.join(dataDir, "channels.sqlite");
const event = (ref: string) => ({ id: newId(), type: "Counted", source: "test", aggregateId: ref, occurredAt: new Date().toISOString(), data: { ref } });
const owed = event("owed-before");
const retrying = event("retrying-before");

beforeAll(() => {
	// The schema as the earlier version wrote it, with a delivery owed to test.ledger and one waiting 10 minutes for a retry.
	const db = new Database(file);
	db.pragma("journal_mode = WAL");
	db.exec(`
		CREATE TABLE channel_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, msg_id TEXT UNIQUE, payload TEXT NOT NULL, headers TEXT NOT NULL, at INTEGER NOT NULL);
		CREATE INDEX channel_messages_at ON channel_messages (at);
		CREATE TABLE channel_groups (channel TEXT NOT NULL, grp TEXT NOT NULL, PRIMARY KEY (channel, grp));
		CREATE TABLE channel_deliveries (grp TEXT NOT NULL, seq INTEGER NOT NULL, channel TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, PRIMARY KEY (grp, seq));
		CREATE INDEX channel_deliveries_due ON channel_deliveries (channel, grp, next_at, seq);
		CREATE TABLE channel_dead_letters (id TEXT PRIMARY KEY, channel TEXT NOT NULL, grp TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL, headers TEXT NOT NULL, error TEXT NOT NULL, deliveries INTEGER NOT NULL, at INTEGER NOT NULL);
	`);
	db.prepare("INSERT INTO channel_groups (channel, grp) VALUES ('test.Counted', 'test.ledger')").run();
	const insert = db.prepare("INSERT INTO channel_messages (channel, msg_id, payload, headers, at) VALUES ('test.Counted', ?, ?, '{}', ?)");
	const a = insert.run(owed.id, JSON.stringify(owed), Date.now()).lastInsertRowid;
	const b = insert.run(retrying.id, JSON.stringify(retrying), Date.now()).lastInsertRowid;
	db.prepare("INSERT INTO channel_deliveries (grp, seq, channel, attempts, next_at) VALUES ('test.ledger', ?, 'test.Counted', 0, 0)").run(a);
	db.prepare("INSERT INTO channel_deliveries (grp, seq, channel, attempts, next_at) VALUES ('test.ledger', ?, 'test.Counted', 2, ?)").run(b, Date.now() + 600_000);
	db.close();
});

let broker: ServiceBroker;
const ledger: string[] = [];
const audit: string[] = [];

beforeAll(async () => {
	broker = new ServiceBroker({ ...brokerOptions({ ...config, dataDir }), nodeID: `channel-migration-${process.pid}` });
	broker.createService({
		name: "test.ledger",
		channels: { "test.Counted": consume<Service, Counted>(async function (e) { ledger.push(e.data.ref); }, { key: "ref" }) }
	});
	broker.createService({
		name: "test.audit",
		channels: { "test.Counted": consume<Service, Counted>(async function (e) { audit.push(e.data.ref); }, { key: "ref" }) }
	});
	await broker.start();
});

afterAll(async () => {
	await broker.stop();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

it("moves the owed deliveries of an earlier file into the new table, and hands them over", async () => {
	await eventually(async () => ledger.includes("owed-before"), ok => ok);
	const fresh = event("after");
	await publishToChannel(broker, "test.Counted", fresh, { msgID: fresh.id });
	await eventually(async () => ledger.includes("after") && audit.includes("after"), ok => ok);
	// A group new to the channel starts from the first retained message, as before.
	expect(audit).toEqual(expect.arrayContaining(["owed-before", "retrying-before", "after"]));
	expect(ledger).not.toContain("retrying-before");

	const db = new Database(file, { readonly: true });
	try {
		const schema = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'channel_deliveries'").get() as { sql: string }).sql;
		expect(schema).toContain("WITHOUT ROWID");
		expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('channel_deliveries_due', 'channel_deliveries_before')").all()).toEqual([]);
		// Still owed to test.ledger: the retry, with its attempts and its time.
		expect(db.prepare("SELECT grp, attempts, next_at > ? AS later FROM channel_deliveries").all(Date.now())).toEqual([{ grp: "test.ledger", attempts: 2, later: 1 }]);
	} finally {
		db.close();
	}
});

it("publishes a message and its deliveries in one statement: the same message id again is owed to no group a second time", async () => {
	const twice = event("twice");
	await publishToChannel(broker, "test.Counted", twice, { msgID: twice.id });
	await publishToChannel(broker, "test.Counted", twice, { msgID: twice.id });
	await eventually(async () => ledger.includes("twice") && audit.includes("twice"), ok => ok);
	const db = new Database(file, { readonly: true });
	try {
		const row = db.prepare("SELECT seq FROM channel_messages WHERE msg_id = ?").all(twice.id) as { seq: number }[];
		expect(row).toHaveLength(1);
		// Handled by both groups, and their deliveries removed (acknowledged after the commit).
		await eventually(async () => (db.prepare("SELECT count(*) AS n FROM channel_deliveries WHERE seq = ?").get(row[0].seq) as { n: number }).n, n => n === 0);
	} finally {
		db.close();
	}
	expect(ledger.filter(r => r === "twice")).toHaveLength(1);
	expect(audit.filter(r => r === "twice")).toHaveLength(1);
});
