/**
 * The operator's REPL commands (`npm run repl`, moleculer-repl custom commands, registered through the broker's
 * `replOptions` in moleculer.config.ts):
 *   saga <system> <key>    one saga's timeline: every fact in order, who told it, what each consumer did with it
 *   deadletters [system]   the messages parked after their handler kept failing (or refused as poison), with the
 *                          error (a system's name, or one consumer group)
 *   replay <id>            hands a parked message to its consumers again, after a fix
 *   owed                   messages still owed to each consumer group (its lag)
 *   raffle verify <drawId> recomputes a raffle's run and says whether it matches (The Draw's action
 *                          `thedraw.raffle.verify`, where The Draw runs)
 * Dead letters, replay and lag work on the embedded default's durable channels and on NATS JetStream
 * (middlewares/channel-ops.ts); the saga is read from the timeline context (services/timeline).
 */
import { Errors, type ServiceBroker } from "moleculer";
import type ServiceBrokerNs = require("moleculer/src/service-broker");
import { config } from "../../config";
import { channelOps, ofSystem, type ChannelOps } from "../../middlewares/channel-ops";

type ReplCommand = ServiceBrokerNs.ReplCustomCommand;

/** The action The Draw answers `raffle verify` with (shared/specs/thedraw.md: a run recomputed from its record). */
export const RAFFLE_VERIFY = "thedraw.raffle.verify";

/** A command's argument by name (moleculer-repl passes the parsed params, which its typings call string[]). */
function arg(args: unknown, name: string): string | undefined {
	const value: unknown = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
	return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

const ops = (broker: ServiceBroker): ChannelOps | undefined => channelOps(broker, config.channels.deadLetterQueue);
const noChannels = "This process has no durable channels (the channels middleware is not installed).";

const unreachable = (err: unknown): boolean => err instanceof Errors.MoleculerError && ["SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE"].includes(err.type);

interface Outcome {
	outcome: "handled" | "failed";
	attempts?: number;
	error?: string;
	deadLettered?: boolean;
}

interface Entry {
	at: string;
	type: string;
	producer: string;
	eventId: string;
	consumers: string[];
	outcomes: Record<string, Outcome>;
	compensates?: string;
	pivot?: boolean;
}

interface Saga {
	id: string;
	owner?: string;
	last: string;
	entries: Entry[];
	dropped: number;
	compensated: boolean;
	pivotPassed: boolean;
	waiting: number;
	failing: number;
	deadLettered: number;
}

function outcomeText(consumer: string, o: Outcome | undefined): string {
	if (!o) return `${consumer} … no notice yet`;
	const tries = o.attempts && o.attempts > 1 ? ` after ${o.attempts} deliveries` : "";
	if (o.outcome === "handled") return `${consumer} ✓ handled${tries}`;
	return `${consumer} ✗ failed${tries}${o.deadLettered ? " [dead letter]" : ""}: ${o.error ?? "?"}`;
}

/** A saga's timeline as the REPL prints it. */
export function sagaText(saga: Saga): string {
	const standing = [`latest ${saga.last}`, saga.pivotPassed ? "pivot passed" : "", saga.compensated ? "compensated" : "", saga.waiting ? `${saga.waiting} waiting` : "", saga.failing ? `${saga.failing} failing` : "", saga.deadLettered ? `${saga.deadLettered} dead-lettered` : ""].filter(Boolean);
	const lines = [`${saga.id}${saga.owner ? `  (owner ${saga.owner})` : ""}  ${standing.join(", ")}`];
	if (saga.dropped) lines.push(`  … ${saga.dropped} earlier facts not kept`);
	for (const e of saga.entries) {
		const marks = [e.compensates ? `undoes ${e.compensates}` : "", e.pivot ? "pivot" : ""].filter(Boolean);
		lines.push(`  ${e.at}  ${e.type} by ${e.producer}${marks.length ? ` (${marks.join(", ")})` : ""}  ${e.eventId}`);
		const others = Object.keys(e.outcomes).filter(c => !e.consumers.includes(c));
		for (const consumer of [...e.consumers, ...others]) lines.push(`      → ${outcomeText(consumer, e.outcomes[consumer])}`);
	}
	return lines.join("\n");
}

export const replCommands: ReplCommand[] = [
	{
		command: "saga <system> <key>",
		description: "Print a saga's timeline: every fact in order, who told it, and what each consumer did with it",
		async action(broker, args) {
			const system = arg(args, "system") ?? "";
			const key = arg(args, "key") ?? "";
			try {
				console.log(sagaText(await broker.call<Saga, { system: string; key: string }>("timeline.get", { system, key })));
			} catch (err) {
				if (unreachable(err)) return void console.log("The timeline context is not running (it is one of the services `npm start` loads: services/timeline).");
				if (err instanceof Errors.MoleculerError && [404, 422].includes(err.code)) return void console.log(err.code === 404 ? `No saga ${system}/${key} in the timeline.` : `${err.message} ${JSON.stringify(err.data)}`);
				throw err;
			}
		}
	},
	{
		command: "deadletters [system]",
		description: "List the messages parked after their handler kept failing, with the error (a system, or one consumer group)",
		async action(broker, args) {
			const channels = ops(broker);
			if (!channels) return void console.log(noChannels);
			const letters = ofSystem(await channels.deadLetters(), arg(args, "system"));
			if (letters.length === 0) return void console.log("No dead letters.");
			for (const d of letters) {
				const event = d.payload as { type?: string; id?: string };
				const after = d.deliveries ? `  after ${d.deliveries} deliveries` : "";
				console.log(`${d.id}  ${d.at}  ${d.channel} → ${d.group}  ${event.type ?? "?"} ${event.id ?? ""}${after}\n    ${d.error}`);
			}
		}
	},
	{
		command: "replay <id>",
		description: "Hand a parked message (an id from `deadletters`) to its consumers again",
		async action(broker, args) {
			const channels = ops(broker);
			if (!channels) return void console.log(noChannels);
			const id = arg(args, "id") ?? "";
			console.log((await channels.replay(id)) ? `Replayed ${id}.` : `No dead letter ${id}.`);
		}
	},
	{
		command: "owed",
		description: "Messages still owed to each consumer group (its lag)",
		async action(broker) {
			const channels = ops(broker);
			if (!channels) return void console.log(noChannels);
			const owed = (await channels.lag()).filter(o => o.owed > 0);
			console.log(owed.length ? owed.map(o => `${o.channel} → ${o.group}: ${o.owed}`).join("\n") : "Nothing owed: every consumer is up to date.");
		}
	},
	{
		command: "raffle verify <drawId>",
		description: "Recompute a raffle's run from its record and say whether it matches (where The Draw runs)",
		async action(broker, args) {
			if (arg(args, "verify") !== "verify") return void console.log("Usage: raffle verify <drawId>");
			const drawId = arg(args, "drawId") ?? "";
			try {
				const result = await broker.call<unknown, { drawId: string }>(RAFFLE_VERIFY, { drawId });
				const matches = typeof result === "object" && result !== null && "matches" in result ? result.matches : undefined;
				if (typeof matches === "boolean") console.log(matches ? `The run of ${drawId} matches its record.` : `The run of ${drawId} does NOT match its record.`);
				console.log(JSON.stringify(result, null, 2));
			} catch (err) {
				if (unreachable(err)) return void console.log(`The Draw is not running here: no service answers ${RAFFLE_VERIFY}.`);
				if (err instanceof Errors.MoleculerError && err.code < 500) return void console.log(`${err.message}${err.data ? ` ${JSON.stringify(err.data)}` : ""}`);
				throw err;
			}
		}
	}
];
