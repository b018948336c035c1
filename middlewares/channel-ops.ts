/**
 * What an operator asks of the durable channels, whichever adapter this broker has (middlewares/channels.ts):
 * each consumer group's lag, the dead letters, and replaying one after a fix.
 *
 * - embedded default (middlewares/local-channels.ts): deliveries owed per group, dead letters with their
 *   error and delivery count; a replay hands the message to its group again (only that group);
 * - cluster (NATS JetStream): the lag of each durable consumer from the server's consumer info (messages not
 *   delivered yet + delivered and not acknowledged); the dead letters are the messages of the DEAD_LETTER
 *   stream, whose headers name the original channel and group (x-original-channel, x-original-group — the
 *   NATS adapter records no error: the consumer's log and the timeline's failure notice have it); a replay
 *   publishes the message again to its original channel (every group of that channel gets it again — the
 *   others skip it, consumers being idempotent) and removes it from DEAD_LETTER.
 */
import { Adapters } from "@moleculer/channels";
import type { ServiceBroker } from "moleculer";
import { LocalDurableAdapter, type DeadLetter } from "./local-channels";

export type { DeadLetter } from "./local-channels";

/** A consumer group's lag on one channel. */
export interface ConsumerLag {
	channel: string;
	group: string;
	/** Messages it has still to handle. */
	owed: number;
}

export interface ChannelOps {
	/** "local": the embedded default's adapter; "jetstream": NATS JetStream. */
	kind: "local" | "jetstream";
	lag(): Promise<ConsumerLag[]>;
	/** The parked messages, oldest first. */
	deadLetters(): Promise<DeadLetter[]>;
	/** Hands the dead letter `id` to its consumers again: false when there is none. */
	replay(id: string): Promise<boolean>;
}

/** JetStream's headers on a dead letter (the NATS adapter of @moleculer/channels sets them). */
const ORIGINAL_CHANNEL = "x-original-channel";
const ORIGINAL_GROUP = "x-original-group";
/** Dead letters read from the stream at most (the newest): enough for a console, bounded for the server. */
const JETSTREAM_LETTERS_READ = 500;

function adapterOf(broker: ServiceBroker): unknown {
	return (broker as ServiceBroker & { channelAdapter?: unknown }).channelAdapter;
}

function localOps(adapter: LocalDurableAdapter): ChannelOps {
	return {
		kind: "local",
		lag: async () => adapter.owed(),
		deadLetters: async () => adapter.deadLetters(),
		replay: async id => adapter.replay(id)
	};
}

type NatsAdapter = InstanceType<typeof Adapters.NATS>;

/** "DEAD_LETTER:17" → 17 (the stream's sequence). */
function seqOf(id: string, stream: string): number | undefined {
	const m = new RegExp(`^${stream}:(\\d+)$`).exec(id);
	return m ? Number(m[1]) : undefined;
}

function jetStreamOps(adapter: NatsAdapter, deadLetterQueue: string): ChannelOps {
	const stream = deadLetterQueue.split(".").join("_");
	const decode = (data: Uint8Array): unknown => {
		const text = Buffer.from(data).toString("utf8");
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	};
	const read = async (seq: number) => {
		try {
			return await adapter.manager.streams.getMessage(stream, { seq });
		} catch {
			return undefined; // removed (replayed) or never there
		}
	};
	return {
		kind: "jetstream",
		async lag() {
			const lags: ConsumerLag[] = [];
			for (const info of await adapter.manager.streams.list().next()) {
				if (info.config.name === stream) continue;
				const channel = info.config.subjects?.[0] ?? info.config.name;
				for (const consumer of await adapter.manager.consumers.list(info.config.name).next()) {
					lags.push({ channel, group: consumer.config.durable_name ?? consumer.name, owed: consumer.num_pending + consumer.num_ack_pending });
				}
			}
			return lags.sort((a, b) => (a.channel === b.channel ? a.group.localeCompare(b.group) : a.channel.localeCompare(b.channel)));
		},
		async deadLetters() {
			let state: { first_seq: number; last_seq: number; messages: number };
			try {
				state = (await adapter.manager.streams.info(stream)).state;
			} catch {
				return []; // no consumer has dead-lettered anything yet: the stream does not exist
			}
			if (state.messages === 0) return [];
			const letters: DeadLetter[] = [];
			for (let seq = Math.max(state.first_seq, state.last_seq - JETSTREAM_LETTERS_READ + 1); seq <= state.last_seq; seq++) {
				const msg = await read(seq);
				if (!msg) continue;
				letters.push({
					id: `${stream}:${seq}`,
					channel: msg.header?.get(ORIGINAL_CHANNEL) ?? "?",
					group: msg.header?.get(ORIGINAL_GROUP) ?? "?",
					payload: decode(msg.data),
					error: "(not recorded by JetStream: see the consumer's log, or the saga's timeline)",
					deliveries: 0,
					at: msg.time.toISOString()
				});
			}
			return letters;
		},
		async replay(id) {
			const seq = seqOf(id, stream);
			const msg = seq === undefined ? undefined : await read(seq);
			const channel = msg?.header?.get(ORIGINAL_CHANNEL);
			if (!msg || seq === undefined || !channel) return false;
			// No message id: JetStream's de-duplication window would drop a republish under the event's own id.
			await adapter.client.publish(channel, msg.data);
			await adapter.manager.streams.deleteMessage(stream, seq);
			return true;
		}
	};
}

/** This broker's channel operations, or undefined when it has no durable channels. */
export function channelOps(broker: ServiceBroker, deadLetterQueue: string): ChannelOps | undefined {
	const adapter = adapterOf(broker);
	if (adapter instanceof LocalDurableAdapter) return localOps(adapter);
	if (adapter instanceof Adapters.NATS && adapter.manager) return jetStreamOps(adapter, deadLetterQueue);
	return undefined;
}

/** The dead letters of a system or consumer group (`flowerdelivery`, `flowerdelivery.store`; all when absent). */
export function ofSystem(letters: DeadLetter[], system: string | undefined): DeadLetter[] {
	if (!system) return letters;
	return letters.filter(d => d.group === system || d.group.startsWith(`${system}.`) || d.channel.startsWith(`${system}.`));
}
