/**
 * Consumers of domain events, declared rather than written: `consume()` checks the envelope and the
 * consumer's contract, then hands the event to the service; `policy()` is a consumer whose effect is a
 * decision of one aggregate, addressed by the correlation key the consumer names. Used by every context so
 * consumers look the same everywhere. After each handler, a consumer tells what it did with the event
 * (handled, or failed — and whether that parked it as a dead letter): a fire-and-forget notice
 * (lib/outcomes.ts) the timeline shows beside the fact.
 */
import type { Context, Service } from "moleculer";
import { config } from "../config";
import type { ConsumerOutcome, Decision, DomainEvent } from "../domain";
import { compileContract, ContractViolationError, MalformedEventError, PoisonMessageError, withKey, type DataContract, type EventContract } from "../lib/contracts";
import { errorText, tellOutcome } from "../lib/outcomes";
import type { ChannelDefinition } from "../middlewares/channels";
import { requestFields } from "../middlewares/observability";
import type { AggregateMethods } from "./aggregate.mixin";

/** The fields of `D` that hold strings: what a consumer may address its aggregate by. */
export type KeyOf<D> = string extends keyof D ? string : { [K in keyof D]-?: D[K] extends string ? K : never }[keyof D] & string;

/** How a consumer reads an event: the key addressing its aggregate (required) and what else it needs (`contract`). */
export type ConsumeOptions<D extends object> = {
	[K in KeyOf<D>]: {
		/** The correlation key of the aggregate the event addresses (`orderId`, `itemcd`, `drawId`, …). */
		key: K;
		/** What the consumer needs from the event's data beyond the key (default: nothing more). */
		contract?: DataContract<D, K>;
		/** Tell no outcome notice for this consumer (the timeline's own consumers: it would only tell itself). */
		quiet?: boolean;
	};
}[KeyOf<D>];

function isDomainEvent(p: unknown): p is DomainEvent {
	if (typeof p !== "object" || p === null) return false;
	const e = p as Partial<DomainEvent>;
	return typeof e.id === "string" && typeof e.type === "string" && typeof e.data === "object" && e.data !== null && !Array.isArray(e.data);
}

/** The delivery a raw channel message is (1 = first), when its adapter counts them (JetStream, the local adapter). */
function attemptOf(raw: unknown): number | undefined {
	if (typeof raw !== "object" || raw === null || !("info" in raw)) return undefined;
	const info: unknown = raw.info;
	const count = typeof info === "object" && info !== null && "redeliveryCount" in info ? info.redeliveryCount : undefined;
	return typeof count === "number" ? count : undefined;
}

/**
 * Whether a failure parks the message as a dead letter rather than a redelivery: a poison message at once,
 * any other after the last delivery the retry middleware allows (middlewares/channels.ts, both adapters).
 */
function parks(err: unknown, attempt: number | undefined): boolean {
	if (err instanceof PoisonMessageError) return true;
	return attempt !== undefined && (config.channels.maxRetries <= 0 || attempt >= config.channels.maxRetries);
}

/** `consume(async function (event, ctx) { … }, { key: "orderId", contract: { storeName: "string" } })` */
export function consume<TThis extends Service, D extends object = Record<string, unknown>>(
	handle: (this: TThis, event: DomainEvent<D>, ctx: Context<unknown>) => Promise<unknown>,
	opts: ConsumeOptions<D>
): ChannelDefinition<TThis> {
	const contract: EventContract = withKey(opts.contract ?? {}, opts.key);
	const breachesOf = compileContract(contract);
	return {
		contract,
		async handler(this: TThis, ctx: Context<unknown>, raw?: unknown) {
			const event = ctx.params;
			if (!isDomainEvent(event)) throw new MalformedEventError(ctx.eventName ?? "channel");
			const value = event.data[opts.key];
			const key = String(value);
			const attempt = attemptOf(raw);
			const tell = (outcome: ConsumerOutcome["outcome"], err?: unknown) => {
				if (opts.quiet) return;
				const system = (typeof event.source === "string" && event.source.includes(".") ? event.source : this.fullName).split(".")[0];
				tellOutcome(this.broker, {
					eventId: event.id,
					type: event.type,
					system,
					consumer: this.fullName,
					outcome,
					at: new Date().toISOString(),
					...(attempt !== undefined ? { attempt } : {}),
					...(err !== undefined ? { error: errorText(err), deadLettered: parks(err, attempt) } : {}),
					...(typeof value === "string" ? { key: { field: opts.key, value } } : {})
				});
			};
			const breaches = breachesOf(event.data);
			if (breaches.length > 0) {
				const refused = new ContractViolationError(event.type, event.id, this.fullName, breaches);
				tell("failed", refused);
				throw refused;
			}
			try {
				await handle.call(this, event as DomainEvent<D>, ctx);
			} catch (err) {
				tell("failed", err);
				throw err;
			}
			tell("handled");
			// One structured line per handled event (fields, not wording, are what tools and tests read).
			this.logger.debug(`handled ${event.type} ${event.id} for ${opts.key} ${key}`, requestFields(ctx, { handled: event.type, eventId: event.id, key }));
		}
	};
}

/**
 * A policy: whenever an event arrives on this channel, the aggregate it addresses (by `opts.key`) decides what
 * follows. Applied at most once per event, exactly (the event id is the causation id). An event breaking the
 * contract is refused before the aggregate is even loaded.
 */
export function policy<S, D extends object = Record<string, unknown>>(
	decide: (current: S | null, event: DomainEvent<D>) => Decision<S> | null,
	opts: ConsumeOptions<D>
): ChannelDefinition<Service & AggregateMethods<S>> {
	return consume<Service & AggregateMethods<S>, D>(async function (event, ctx) {
		const id = (event.data as Record<string, unknown>)[opts.key];
		await this.commit(String(id), current => decide(current, event), { ctx, causationId: event.id });
	}, opts);
}
