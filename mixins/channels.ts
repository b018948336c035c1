/**
 * Channel handler factory for consumers of domain events: checks the envelope and the consumer's contract,
 * then hands the event to the service. Used by every context so consumers look the same everywhere.
 */
import Validator, { type ValidationError, type ValidationRule } from "fastest-validator";
import type { Context, Service } from "moleculer";
import type { DomainEvent } from "../services/shared/domain";
import { PoisonMessageError } from "../config/channels";
import { requestFields } from "../config/observability";
import type { ChannelDefinition } from "./schema";

export class MalformedEventError extends PoisonMessageError {
	constructor(channel: string) {
		super(`Malformed event on '${channel}': expected { id, type, data: { orderId } }`);
		this.name = "MalformedEventError";
	}
}

/**
 * What a consumer needs from an event's `data` beyond the correlation key `orderId` (always required): one
 * fastest-validator rule per field it reads. Typed against the payload its handler reads, so every field the
 * handler relies on has a rule. Not strict (fields it does not read may come and go: a tolerant reader) and
 * never converting (the handler gets the event exactly as it was published).
 */
export type DataContract<D extends object = Record<string, unknown>> = { [K in Exclude<keyof D, "orderId">]-?: ValidationRule };

/** A contract whatever the payload type: how it is kept on a channel definition and checked. */
export type EventContract = Readonly<Record<string, ValidationRule>>;

/** One field of an event that breaks a consumer's contract. */
export interface ContractBreach {
	/** Path inside the event's `data` ("qty", "items[0].name"). */
	field: string;
	message: string;
	actual?: unknown;
}

// fastest-validator's own enumValue message puts the allowed values where the wrong one should be.
const validator = new Validator({ messages: { enumValue: "The '{field}' field must be one of: {expected}." } });

/** The check of a contract: the breaches of `data` (none: it holds). Does not touch `data`. */
export function compileContract(contract: EventContract): (data: unknown) => ContractBreach[] {
	const check = validator.compile({ ...contract, orderId: { type: "string", empty: false } });
	return data => {
		// Checked on a copy: even a converting rule cannot change what the handler gets.
		const result = check(structuredClone(data));
		if (result === true) return [];
		if (!Array.isArray(result)) throw new Error("event contracts must be synchronous (no $$async rules)");
		return result.map((e: ValidationError) => ({ field: e.field, message: e.message ?? e.type, actual: e.actual }));
	};
}

/** A message whose data lacks what its consumer needs: a poison message, refused before anything is applied. */
export class ContractViolationError extends PoisonMessageError {
	constructor(
		readonly eventType: string,
		readonly eventId: string,
		readonly consumer: string,
		readonly breaches: ContractBreach[]
	) {
		const fields = breaches.map(b => `data.${b.field}: ${b.message}${b.actual === undefined ? "" : ` (got ${JSON.stringify(b.actual)})`}`);
		super(`Event ${eventType} '${eventId}' breaks the contract of its consumer '${consumer}': ${fields.join("; ")}`);
		this.name = "ContractViolationError";
	}
}

function isDomainEvent(p: unknown): p is DomainEvent {
	if (typeof p !== "object" || p === null) return false;
	const e = p as Partial<DomainEvent>;
	return typeof e.id === "string" && typeof e.type === "string" && typeof e.data === "object" && e.data !== null && typeof e.data.orderId === "string";
}

export interface ConsumeOptions<D extends object> {
	/** What this consumer needs from the event's data beyond `orderId` (default: nothing more). */
	contract?: DataContract<D>;
}

/** `on("OrderPlaced", async function (event, ctx) { … }, { contract: { storeName: "string" } })` */
export function consume<TThis extends Service, D extends object = Record<string, unknown>>(
	handle: (this: TThis, event: DomainEvent<D>, ctx: Context<unknown>) => Promise<unknown>,
	opts: ConsumeOptions<D> = {}
): ChannelDefinition<TThis> {
	const contract: EventContract = opts.contract ?? {};
	const breachesOf = compileContract(contract);
	return {
		contract,
		async handler(this: TThis, ctx: Context<unknown>) {
			const event = ctx.params;
			if (!isDomainEvent(event)) throw new MalformedEventError(ctx.eventName ?? "channel");
			const breaches = breachesOf(event.data);
			if (breaches.length > 0) throw new ContractViolationError(event.type, event.id, this.fullName, breaches);
			await handle.call(this, event as DomainEvent<D>, ctx);
			this.logger.debug(`handled ${event.type} ${event.id} for order ${event.data.orderId}`, requestFields(ctx));
		}
	};
}
