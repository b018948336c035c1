/**
 * The embedded default's durable channels: a handler that keeps failing is parked as a dead letter with its
 * error (after CHANNEL_MAX_RETRIES deliveries with back-off), where the operator sees it (`deadletters` in the
 * REPL) and, once the cause is fixed, replays it (`replay <id>`): it is then handled, once.
 */
import { randomUUID } from "node:crypto";
import { ServiceBroker, type Service } from "moleculer";
import { config } from "../../config";
import { publishToChannel } from "../../middlewares/channels";
import { consume } from "../../mixins/consume";
import { brokerOptions } from "../../moleculer.config";
import { replCommands } from "../../services/operations/repl-commands";
import { eventually } from "../support/http";

let broker: ServiceBroker;
let broken = true;
const handled: string[] = [];

beforeAll(async () => {
	broker = new ServiceBroker({ ...brokerOptions({ ...config, channels: { ...config.channels, maxRetries: 3, backoffBaseMs: 10, backoffMaxMs: 20 } }), nodeID: `dead-letters-${process.pid}` });
	broker.createService({
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
	await broker.start();
});
afterAll(() => broker.stop());

async function repl(command: string, args: Record<string, string> = {}): Promise<string> {
	const def = replCommands.find(c => c.command.split(" ")[0] === command);
	if (!def) throw new Error(`no REPL command ${command}`);
	const lines: string[] = [];
	const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
	try {
		await def.action(broker, args as never, {});
	} finally {
		log.mockRestore();
	}
	return lines.join("\n");
}

it("parks a message whose handler keeps failing, shows it with its error, and replays it once fixed", async () => {
	const id = randomUUID();
	await publishToChannel(broker, "test.StockCounted", { id, type: "StockCounted", source: "test", aggregateId: "2", occurredAt: new Date().toISOString(), data: { itemcd: "2" } }, { msgID: id });

	const listed = await eventually(() => repl("deadletters", { system: "test.stock" }), out => out.includes(id), 10000);
	expect(listed).toContain("the stock ledger is unreachable");
	expect(listed).toContain("after 3 deliveries");
	expect(handled).toEqual([]);

	broken = false;
	const letterId = /^(\S+)\s/.exec(listed)![1];
	expect(await repl("replay", { id: letterId })).toBe(`Replayed ${letterId}.`);
	await eventually(async () => handled, h => h.length === 1, 5000);
	expect(handled).toEqual([id]);
	expect(await repl("deadletters")).toBe("No dead letters.");
	expect(await repl("owed")).toBe("Nothing owed: every consumer is up to date.");
	expect(await repl("replay", { id: letterId })).toBe(`No dead letter ${letterId}.`);
});
