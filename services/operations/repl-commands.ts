/**
 * The operator's REPL commands (`npm run repl`, moleculer-repl custom commands, registered through the broker's
 * `replOptions` in moleculer.config.ts):
 *   deadletters [group]   the messages parked after their handler kept failing (or refused as poison), with the error
 *   replay <id>           hands a parked message to its consumer group again, after a fix
 *   owed                  deliveries still owed to each consumer group (its lag)
 * They read the embedded default's durable channels (middlewares/local-channels.ts); in a cluster the dead
 * letters are on the JetStream DEAD_LETTER stream (`nats stream view DEAD_LETTER`).
 */
import type { ServiceBroker } from "moleculer";
import type ServiceBrokerNs = require("moleculer/src/service-broker");
import { LocalDurableAdapter, type DeadLetter } from "../../middlewares/local-channels";

type ReplCommand = ServiceBrokerNs.ReplCustomCommand;

/** A command's argument by name (moleculer-repl passes the parsed params, which its typings call string[]). */
function arg(args: unknown, name: string): string | undefined {
	const value: unknown = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
	return typeof value === "string" ? value : undefined;
}

function localAdapter(broker: ServiceBroker): LocalDurableAdapter | undefined {
	const adapter: unknown = (broker as ServiceBroker & { channelAdapter?: unknown }).channelAdapter;
	return adapter instanceof LocalDurableAdapter ? adapter : undefined;
}

/** The dead letters of `group` (all when absent), as the REPL prints them. */
export function deadLettersOf(broker: ServiceBroker, group?: string): DeadLetter[] | undefined {
	return localAdapter(broker)?.deadLetters().filter(d => !group || d.group === group || d.group.startsWith(`${group}.`));
}

const inCluster = "This process's channels are on NATS JetStream: the dead letters are on its DEAD_LETTER stream (e.g. `nats stream view DEAD_LETTER`).";

export const replCommands: ReplCommand[] = [
	{
		command: "deadletters [group]",
		description: "List the messages parked after their handler kept failing (a consumer group, or a system's prefix)",
		async action(broker, args) {
			const letters = deadLettersOf(broker, arg(args, "group"));
			if (!letters) return void console.log(inCluster);
			if (letters.length === 0) return void console.log("No dead letters.");
			for (const d of letters) {
				const event = d.payload as { type?: string; id?: string };
				console.log(`${d.id}  ${d.at}  ${d.channel} → ${d.group}  ${event.type ?? "?"} ${event.id ?? ""}  after ${d.deliveries} deliveries\n    ${d.error}`);
			}
		}
	},
	{
		command: "replay <id>",
		description: "Hand a parked message (an id from `deadletters`) to its consumer group again",
		async action(broker, args) {
			const adapter = localAdapter(broker);
			if (!adapter) return void console.log(inCluster);
			const id = arg(args, "id") ?? "";
			console.log(adapter.replay(id) ? `Replayed ${id}.` : `No dead letter ${id}.`);
		}
	},
	{
		command: "owed",
		description: "Deliveries still owed to each consumer group (its lag)",
		async action(broker) {
			const adapter = localAdapter(broker);
			if (!adapter) return void console.log(inCluster);
			const owed = adapter.owed();
			console.log(owed.length ? owed.map(o => `${o.channel} → ${o.group}: ${o.owed}`).join("\n") : "Nothing owed: every consumer is up to date.");
		}
	}
];
