/**
 * Durable domain events over @moleculer/channels.
 *
 * - cluster: NATS JetStream (the same server as the transporter). Streams are created before the first
 *   publish, new consumer groups start from the first retained message (deliver_policy "all"), failed
 *   handlers are redelivered with exponential back-off and then moved to a dead-letter stream;
 * - embedded: the in-process adapter (Moleculer balanced events), with in-process retries and back-off; a
 *   consumer that is behind queues what it has not taken yet (in memory), as JetStream keeps it.
 */
import { Adapters, Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { Middleware, ServiceBroker, Context } from "moleculer";
import type { AppConfig } from "../config";
import { PoisonMessageError, type EventContract } from "../lib/contracts";

export type ChannelHandler = (ctx: Context<unknown>, raw?: unknown) => Promise<void>;

/** What a service declares under its `channels` key (types/moleculer.d.ts), one per channel it consumes. */
export interface ChannelDefinition<TThis = unknown> {
	group?: string;
	maxInFlight?: number;
	maxRetries?: number;
	/** What the consumer needs from the event's data (mixins/consume.ts): checked before the handler runs. */
	contract?: EventContract;
	handler(this: TThis, ctx: Context<unknown>, raw?: unknown): Promise<void> | void;
}

type ChannelMiddleware = Middleware & {
	localChannel?: (next: ChannelHandler, chan: { name: string; group: string }) => ChannelHandler;
};

/** The part of the channels adapter the outbox relay and the retry middleware rely on. */
interface ChannelAdapter {
	connected: boolean;
	stopping?: boolean;
	createStream?: (streamName: string, subjects: string[], opts: object) => Promise<unknown>;
	/** JetStream: publishes the message to the channel's dead-letter stream (the adapter acks it afterwards). */
	moveToDeadLetter?: (chan: object, message: unknown) => Promise<void>;
	metricsIncrement?: (metric: string, chan: object) => void;
}

interface ChannelBroker {
	sendToChannel(name: string, payload: unknown, opts?: PublishOptions): Promise<void>;
	channelAdapter: ChannelAdapter;
}

export interface PublishOptions {
	/** JetStream de-duplication id: the event id. */
	msgID?: string;
	headers?: Record<string, string>;
}

function hasChannels(broker: ServiceBroker | ChannelBroker): broker is ChannelBroker {
	return "sendToChannel" in broker && "channelAdapter" in broker;
}

export class ChannelNotReadyError extends Error {
	constructor(reason: string) {
		super(`Channel adapter cannot publish: ${reason}`);
		this.name = "ChannelNotReadyError";
	}
}

const ensuredStreams = new WeakMap<object, Set<string>>();

/**
 * Publishes one message and resolves only when the adapter accepted it. A publish the adapter would skip
 * silently (stopping, not connected) is an error here, so the caller never counts it as published.
 */
export async function publishToChannel(broker: ServiceBroker, channel: string, payload: unknown, opts: PublishOptions): Promise<void> {
	if (!hasChannels(broker)) throw new ChannelNotReadyError("the channels middleware is not installed");
	const adapter = broker.channelAdapter;
	if (!adapter.connected || adapter.stopping) throw new ChannelNotReadyError(adapter.stopping ? "stopping" : "not connected");
	if (adapter.createStream) {
		// JetStream answers "no responders" to a publish on a subject no stream captures yet.
		let known = ensuredStreams.get(adapter);
		if (!known) ensuredStreams.set(adapter, (known = new Set()));
		if (!known.has(channel)) {
			await adapter.createStream(channel.split(".").join("_"), [channel], {});
			known.add(channel);
		}
	}
	if (adapter.stopping) throw new ChannelNotReadyError("stopping");
	await broker.sendToChannel(channel, payload, opts);
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
	return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

interface JetStreamMessage {
	nak(delayMs?: number): void;
	info: { redeliveryCount: number };
}

function isJetStreamMessage(raw: unknown): raw is JetStreamMessage {
	return typeof raw === "object" && raw !== null && "nak" in raw && "info" in raw;
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/**
 * Retry with back-off for channel handlers.
 * JetStream: the message is NAK'ed with a growing delay (the adapter then counts redeliveries and moves
 * the message to the dead-letter stream after `maxRetries`). In-process adapter: retried in place.
 */
export function channelRetryMiddleware(settings: AppConfig["channels"]): ChannelMiddleware {
	return {
		name: "ChannelRetry",
		localChannel(next, chan) {
			return async (ctx, raw) => {
				if (isJetStreamMessage(raw)) {
					try {
						return await next(ctx, raw);
					} catch (err) {
						const adapter = hasChannels(ctx.broker) ? ctx.broker.channelAdapter : undefined;
						if (err instanceof PoisonMessageError && adapter?.moveToDeadLetter) {
							ctx.broker.logger.error(`Channel '${chan.name}' (${chan.group}): poison message moved to the dead-letter stream: ${err.message}`);
							adapter.metricsIncrement?.("moleculer.channels.messages.errors.total", chan);
							await adapter.moveToDeadLetter(chan, raw);
							return; // handled: the adapter acks it
						}
						const attempt = raw.info.redeliveryCount;
						if (attempt < settings.maxRetries) raw.nak(backoffDelay(attempt, settings.backoffBaseMs, settings.backoffMaxMs));
						throw err;
					}
				}
				for (let attempt = 1; ; attempt++) {
					try {
						return await next(ctx, raw);
					} catch (err) {
						if (err instanceof PoisonMessageError) {
							ctx.broker.logger.error(`Channel '${chan.name}' (${chan.group}): poison message, not retried; dead-lettered to the log`, ctx.params, err);
							throw err;
						}
						if (attempt > settings.maxRetries) {
							ctx.broker.logger.error(`Channel '${chan.name}' (${chan.group}): giving up after ${attempt} attempts; message dead-lettered to the log`, ctx.params, err);
							throw err;
						}
						await sleep(backoffDelay(attempt, settings.backoffBaseMs, settings.backoffMaxMs));
					}
				}
			};
		}
	};
}

/** The services the in-process adapter creates, one per consumer group and channel (its default prefix). */
const IN_PROCESS_CONSUMER = /^\$channel:/;

/**
 * The in-process adapter hands each message to its consumer as a Moleculer event, through a bulkhead of
 * `maxInFlight` whose queue would otherwise be the broker's default (`maxQueueSize` 100); and it does not
 * wait for the event, so a message arriving at a full queue would be dropped, only logged. Its consumers'
 * queues are unbounded instead (0): a consumer that is behind takes every message, later.
 */
export function unboundedInProcessQueues(schema: { name?: unknown; events?: Record<string, unknown> }): void {
	if (typeof schema.name !== "string" || !IN_PROCESS_CONSUMER.test(schema.name)) return;
	for (const event of Object.values(schema.events ?? {})) {
		if (typeof event !== "object" || event === null || !("bulkhead" in event)) continue;
		const { bulkhead } = event;
		if (typeof bulkhead === "object" && bulkhead !== null && "enabled" in bulkhead && bulkhead.enabled === true) Object.assign(bulkhead, { maxQueueSize: 0 });
	}
}

export function channelsMiddleware(cfg: AppConfig): Middleware {
	const common = {
		maxInFlight: cfg.channels.maxInFlight,
		maxRetries: cfg.channels.maxRetries,
		deadLettering: { enabled: true, queueName: cfg.channels.deadLetterQueue }
	};
	const adapter = cfg.natsUrl
		? new Adapters.NATS({
				...common,
				nats: {
					url: cfg.natsUrl,
					connectionOptions: { maxReconnectAttempts: -1 },
					consumerOptions: { config: { deliver_policy: "all", ack_wait: cfg.channels.ackWaitMs * 1_000_000 } }
				}
		  })
		: new Adapters.Fake({ ...common, deadLettering: { enabled: false } });
	const middleware: Middleware = ChannelsMiddleware({
		// The generated typings list only config objects, while the middleware also takes an adapter instance.
		adapter: adapter as unknown as string,
		schemaProperty: "channels",
		sendMethodName: "sendToChannel",
		adapterPropertyName: "channelAdapter",
		channelHandlerTrigger: "emitLocalChannelHandler",
		context: true
	});
	if (!cfg.natsUrl) middleware.serviceCreating = (_service: unknown, schema: { name?: unknown; events?: Record<string, unknown> }) => unboundedInProcessQueues(schema);
	return middleware;
}
