/**
 * Domain errors as Moleculer errors (and so as HTTP statuses at the gateway), and the few errors the
 * building blocks answer themselves.
 */
import { Errors } from "moleculer";
import { DomainError } from "../domain";

const STATUS: Record<DomainError["kind"], [number, string]> = {
	IllegalTransition: [409, "ILLEGAL_TRANSITION"],
	Conflict: [409, "CONFLICT"],
	Declined: [402, "PAYMENT_DECLINED"],
	Forbidden: [403, "FORBIDDEN"],
	NotFound: [404, "NOT_FOUND"],
	Invalid: [422, "INVALID"]
};

export function toMoleculerError(err: unknown): unknown {
	if (!(err instanceof DomainError)) return err;
	const [code, type] = STATUS[err.kind];
	return new Errors.MoleculerClientError(err.message, code, type, err.details);
}

export function notFound(entity: string, id: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(`${entity} '${id}' not found`, 404, "NOT_FOUND", { id });
}

export function alreadyExists(entity: string, id: string): Errors.MoleculerClientError {
	return new Errors.MoleculerClientError(`${entity} '${id}' already exists`, 409, "ALREADY_EXISTS", { id });
}

/** A dependency is overloaded or down and nothing was done: the caller may try again after `retryAfter` seconds. */
export function serviceUnavailable(message: string, retryAfter: number, cause?: string): Errors.MoleculerError {
	return new Errors.MoleculerError(message, 503, "SERVICE_UNAVAILABLE", { retryAfter, cause });
}

/**
 * The command may or may not have taken effect (a step timed out or its process went away after the call
 * left): 504, never "not done". Retrying with the same `Idempotency-Key` answers what happened.
 */
export function outcomeUnknown(message: string, cause?: string): Errors.MoleculerError {
	return new Errors.MoleculerError(message, 504, "OUTCOME_UNKNOWN", { outcome: "unknown", cause });
}

/** A 422 naming the field, in the shape the validator answers. */
export function invalidField(field: string, message: string, actual?: unknown): Errors.ValidationError {
	return new Errors.ValidationError(message, "VALIDATION_ERROR", [{ type: "invalid", field, message, actual }]);
}
