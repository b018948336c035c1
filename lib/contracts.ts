/**
 * Event contracts: what a consumer needs from an event's data, as fastest-validator rules, checked before
 * its handler runs. A message that breaks them is a poison message: no retry can fix it, so it goes to the
 * dead-letter stream at once (middlewares/channels.ts).
 */
import Validator, { type ValidationError, type ValidationRule } from "fastest-validator";

/**
 * A message no retry can fix (malformed, or breaking its consumer's contract): it goes to the dead-letter
 * stream at once instead of being redelivered `maxRetries` times first.
 */
export class PoisonMessageError extends Error {
	override name = "PoisonMessageError";
}

export class MalformedEventError extends PoisonMessageError {
	constructor(channel: string) {
		super(`Malformed event on '${channel}': expected { id, type, data: { … } }`);
		this.name = "MalformedEventError";
	}
}

/**
 * What a consumer needs from an event's `data`: one fastest-validator rule per field its handler reads
 * (typed against that payload, so every field the handler relies on has a rule), except the correlation key
 * `K` the consumer addresses its aggregate by, which is always required (a non-empty string). Not strict
 * (fields it does not read may come and go: a tolerant reader) and never converting (the handler gets the
 * event exactly as it was published).
 */
export type DataContract<D extends object = Record<string, unknown>, K extends PropertyKey = never> = { [F in Exclude<keyof D, K>]-?: ValidationRule };

/** A contract whatever the payload type: how it is kept on a channel definition and checked. */
export type EventContract = Readonly<Record<string, ValidationRule>>;

/** The contract of a consumer addressing its aggregate by `key`: the key is required, as a non-empty string. */
export function withKey(contract: EventContract, key: string | undefined): EventContract {
	return key === undefined ? contract : { ...contract, [key]: { type: "string", empty: false } };
}

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
	const check = validator.compile({ ...contract });
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
