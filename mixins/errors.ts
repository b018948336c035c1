/**
 * Translation of domain errors into Moleculer errors (and so into HTTP statuses at the gateway).
 */
import { Errors } from "moleculer";
import { DomainError } from "../services/shared/domain";

const STATUS: Record<DomainError["kind"], [number, string]> = {
	IllegalTransition: [409, "ILLEGAL_TRANSITION"],
	Conflict: [409, "CONFLICT"],
	Declined: [402, "PAYMENT_DECLINED"],
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

/** A dependency is overloaded or down: the caller should come back after `retryAfter` seconds. */
export function serviceUnavailable(message: string, retryAfter: number, cause?: string): Errors.MoleculerError {
	return new Errors.MoleculerError(message, 503, "SERVICE_UNAVAILABLE", { retryAfter, cause });
}
