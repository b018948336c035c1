/**
 * The embedded default's durable channels keep a message while any group still owes it, or has parked it,
 * and prune it once every group has handled it and CHANNEL_RETENTION_MS has passed (middlewares/local-channels.ts):
 * over a real SQLite file, more handled messages than one pruning batch all go, while the one a group parked
 * and the one a group is still handling stay — the latter until it is handled. On the way, the poison message
 * is redelivered on time (its back-off) while the same group is busy with the held one: a retry used to wait
 * for the next message to wake the group (the pump set its timer only when nothing was in flight).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker, type Service } from "moleculer";
import { config } from "../../config";
import { publishToChannel } from "../../middlewares/channels";
import { LocalDurableAdapter } from "../../middlewares/local-channels";
import { consume } from "../../mixins/consume";
import { brokerOptions } from "../../moleculer.config";
import { eventually } from "../support/http";

const HANDLED = 2100;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "channel-retention-"));
let broker: ServiceBroker;
let release: () => void = () => undefined;
const held = new Promise<void>(resolve => (release = resolve));
const ledger = new Set<string>();
const audit = new Set<string>();

interface Counted {
	ref: string;
	poison?: boolean;
	hold?: boolean;
}

beforeAll(async () => {
	const settings = { ...config, dataDir, channels: { ...config.channels, retentionMs: 1000, maxRetries: 2, backoffBaseMs: 10, backoffMaxMs: 20 } };
	broker = new ServiceBroker({ ...brokerOptions(settings), nodeID: `channel-retention-${process.pid}` });
	broker.createService({
		name: "test.ledger",
		channels: {
			"test.Counted": consume<Service, Counted>(async function (event) {
				ledger.add(event.id);
			}, { key: "ref" })
		}
	});
	// Another group of the channel: parks the poison message, takes its time over the held one.
	broker.createService({
		name: "test.audit",
		channels: {
			"test.Counted": consume<Service, Counted>(async function (event) {
				if (event.data.poison) throw new Error("the audit log refuses it");
				if (event.data.hold) await held;
				audit.add(event.id);
			}, { key: "ref" })
		}
	});
	await broker.start();
});

afterAll(async () => {
	release();
	await broker.stop();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

const adapter = (): LocalDurableAdapter => {
	const a: unknown = (broker as ServiceBroker & { channelAdapter?: unknown }).channelAdapter;
	if (!(a instanceof LocalDurableAdapter)) throw new Error("the embedded default's channels are not in use");
	return a;
};

const publish = (data: Counted) => {
	const id = randomUUID();
	return publishToChannel(broker, "test.Counted", { id, type: "Counted", source: "test", aggregateId: data.ref, occurredAt: new Date().toISOString(), data }, { msgID: id }).then(() => id);
};

it("prunes what every group handled once the retention has passed, and keeps what is parked or still owed", async () => {
	const ids: string[] = [];
	for (let n = 0; n < HANDLED; n++) ids.push(await publish({ ref: `c${n}` }));
	const poison = await publish({ ref: "poison", poison: true });
	const slow = await publish({ ref: "slow", hold: true });
	expect(adapter().retained()).toBe(HANDLED + 2);

	// Every group is done with everything but the poison (parked) and the held one (in flight).
	await eventually(async () => ({ ledger: ledger.size, audit: audit.size, parked: adapter().deadLetters().length }), s => s.ledger === HANDLED + 2 && s.audit === HANDLED && s.parked === 1, 20000);
	expect(adapter().deadLetters().map(d => (d.payload as { id: string }).id)).toEqual([poison]);

	// Aged out (retention 1 s, a prune every second), in more than one batch: only those two stay.
	await eventually(async () => adapter().retained(), n => n === 2, 15000);
	expect(adapter().owed()).toEqual([{ channel: "test.Counted", group: "test.audit", owed: 1 }]);

	// The held one handled: it goes too; the parked one stays until replayed.
	release();
	await eventually(async () => audit.has(slow), done => done, 5000);
	await eventually(async () => adapter().retained(), n => n === 1, 15000);
	expect(adapter().deadLetters()).toHaveLength(1);
	expect(ids.every(id => ledger.has(id) && audit.has(id))).toBe(true);
}, 60000);
