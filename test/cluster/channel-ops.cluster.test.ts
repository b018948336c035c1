/**
 * The operator's channel commands on NATS JetStream (middlewares/channel-ops.ts), from another node than the
 * consumer's, as `npm run repl` with TRANSPORTER does: a handler that keeps failing is redelivered, then parked
 * on the DEAD_LETTER stream (headers name its channel and group); `deadletters` lists it, `replay <id>`
 * publishes it again to its channel once the cause is fixed — handled then, once, by the group that failed,
 * and delivered again to the channel's other groups (idempotent consumers skip it) —; `owed` and the panel of
 * contexts read each durable consumer's lag from the server.
 */
import { randomUUID } from "node:crypto";
import { ServiceBroker, type Service, type ServiceSchema } from "moleculer";
import { config } from "../../config";
import { publishToChannel } from "../../middlewares/channels";
import { consume } from "../../mixins/consume";
import { brokerOptions } from "../../moleculer.config";
import operations from "../../services/operations/operations.service";
import { replCommands } from "../../services/operations/repl-commands";
import { LocalCluster } from "../../scripts/cluster";
import { eventually } from "../support/http";

const cluster = new LocalCluster({ basePort: 15700, redis: false });
let consumers: ServiceBroker;
let operator: ServiceBroker;
let broken = true;
const handled: string[] = [];
const audited: string[] = [];

function options(nodeID: string) {
	const url = cluster.natsUrl;
	const settings = { ...config, transporter: url, natsUrl: url, channels: { ...config.channels, maxRetries: 2, backoffBaseMs: 20, backoffMaxMs: 50, ackWaitMs: 2000 } };
	return { ...brokerOptions(settings), nodeID, logLevel: "warn" as const };
}

beforeAll(async () => {
	await cluster.startServers();
	consumers = new ServiceBroker(options(`consumers-${process.pid}`));
	consumers.createService({
		name: "test.stock",
		channels: {
			"test.StockCounted": consume<Service, { itemcd: string }>(
				async function (event) {
					if (broken) throw new Error("the stock ledger is unreachable");
					handled.push(event.id);
				},
				{ key: "itemcd" }
			)
		}
	});
	// Another group of the same channel: it handles every delivery (and counts them).
	consumers.createService({
		name: "test.audit",
		channels: {
			"test.StockCounted": consume<Service, { itemcd: string }>(async function (event) {
				audited.push(event.id);
			}, { key: "itemcd" })
		}
	});
	operator = new ServiceBroker(options(`operator-${process.pid}`));
	operator.createService(operations as ServiceSchema);
	await Promise.all([consumers.start(), operator.start()]);
	await operator.waitForServices(["test.stock", "test.audit"], 15000);
}, 60000);

afterAll(async () => {
	await Promise.all([consumers?.stop(), operator?.stop()]);
	await cluster.stopAll();
});

async function repl(command: string, args: Record<string, string> = {}): Promise<string> {
	const def = replCommands.find(c => c.command.split(" ")[0] === command);
	if (!def) throw new Error(`no REPL command ${command}`);
	const lines: string[] = [];
	const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
	try {
		await def.action(operator, args as never, {});
	} finally {
		log.mockRestore();
	}
	return lines.join("\n");
}

it("lists a message parked on DEAD_LETTER, replays it to its channel once fixed (handled once), and reads every consumer's lag", async () => {
	const id = randomUUID();
	await publishToChannel(consumers, "test.StockCounted", { id, type: "StockCounted", source: "test.stock", aggregateId: "2", occurredAt: new Date().toISOString(), data: { itemcd: "2" } }, { msgID: id });

	const listed = await eventually(() => repl("deadletters", { system: "test" }), out => out.includes(id), 20000);
	expect(listed).toMatch(new RegExp(`^DEAD_LETTER:\\d+ {2}\\S+ {2}test\\.StockCounted → test\\.stock {2}StockCounted ${id}`));
	expect(listed).toContain("not recorded by JetStream");
	expect(await repl("deadletters", { system: "test.audit" })).toBe("No dead letters.");
	expect(handled).toEqual([]);
	expect(audited).toEqual([id]);

	const panel = await operator.call<{ channels: { kind: string; lag: { channel: string; group: string; owed: number }[]; deadLetters: { count: number } } }, object>("operations.contexts", {});
	expect(panel.channels.kind).toBe("jetstream");
	expect(panel.channels.lag).toEqual(expect.arrayContaining([{ channel: "test.StockCounted", group: "test_stock", owed: 0 }, { channel: "test.StockCounted", group: "test_audit", owed: 0 }]));
	expect(panel.channels.deadLetters.count).toBe(1);

	broken = false;
	const letter = listed.split(" ")[0];
	expect(await repl("replay", { id: letter })).toBe(`Replayed ${letter}.`);
	await eventually(async () => handled, h => h.length === 1, 15000);
	expect(handled).toEqual([id]);
	// The channel's other group gets it again (a consumer of this codebase is idempotent: it skips it).
	await eventually(async () => audited, a => a.length === 2, 15000);
	expect(await repl("deadletters")).toBe("No dead letters.");
	expect(await repl("replay", { id: letter })).toBe(`No dead letter ${letter}.`);
	expect(await eventually(() => repl("owed"), out => out === "Nothing owed: every consumer is up to date.", 15000)).toBe("Nothing owed: every consumer is up to date.");
});
