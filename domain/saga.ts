/**
 * A saga written down: which context tells which fact, who listens, what undoes what, which synchronous
 * steps it takes and where its pivot is. Each system keeps its table in its manifest
 * (services/<system>/saga.ts); the contract test, the docs, the cluster launcher and the reliability suite
 * read it. Plain TypeScript.
 */
import type { EventMap } from "./kernel";

/**
 * A synchronous step of a saga: one action of another context, named once with what it takes and what it
 * answers (as FTGO's service proxies name each endpoint with its types). Calls go through the broker's
 * timeout, circuit breaker and the callee's bulkhead.
 */
export interface Participant<Req extends object = object, Res = unknown> {
	/** `<system>.<context>.<action>`. */
	readonly action: string;
	/** For the compiler only: the request and answer types. */
	readonly signature?: (request: Req) => Res;
}

export function participant<Req extends object, Res>(action: string): Participant<Req, Res> {
	return { action };
}

export type RequestOf<P> = P extends Participant<infer R, unknown> ? R : never;
export type AnswerOf<P> = P extends Participant<never, infer A> ? A : never;

/** One fact of a saga: who tells it, who listens, what it undoes. */
export interface SagaEvent<C extends string, D extends object> {
	producer: C;
	consumers: readonly C[];
	/** The payload fields that address aggregates (default: the saga's `keys`, each of which it must carry). */
	keys?: readonly (keyof D & string)[];
	/** The fact whose effect this one undoes (a compensation). */
	compensates?: string;
	/** Why it exists when the spec's list of events does not name it. */
	beyondSpec?: string;
}

/** A synchronous step: who calls whom, and what the caller tells when it failed after it may have had an effect. */
export interface SagaStep<C extends string, E extends EventMap> {
	caller: C;
	owner: C;
	participant: Participant<never, unknown>;
	/** The fact the caller tells when the step failed or timed out, so that an effect that landed late is undone. */
	compensation?: keyof E & string;
}

/**
 * The step after which a saga can only go forward (a rider leaving with the goods, a raffle run, a receipt
 * booked). It is owned by one context; a cancel before it is a request this context accepts or refuses
 * (its `cancel` step), and refunds or releases follow its answer — never a stale copy of its state.
 */
export interface SagaPivot<C extends string, E extends EventMap> {
	/** In the business's words. */
	description: string;
	owner: C;
	/** The fact the owner tells once the pivot is passed. */
	event: keyof E & string;
	/** The owner's step (in `steps`) that answers a cancel; absent when the owner is the cancelled aggregate itself. */
	cancel?: string;
}

export interface Saga<C extends string, E extends EventMap> {
	/** The correlation keys of the system (shared/specs: "Correlation keys"). */
	keys: readonly string[];
	/**
	 * The event data field naming the customer a saga belongs to (`userName`, `customerName`, `customer`,
	 * `userId`): the timeline's owner of a saga, who may read it. Absent: the first of OWNER_FIELDS an event carries.
	 */
	owner?: { [T in keyof E]: keyof E[T] & string }[keyof E];
	events: { [T in keyof E & string]: SagaEvent<C, E[T]> };
	steps: Readonly<Record<string, SagaStep<C, E>>>;
	pivots: readonly SagaPivot<C, E>[];
}

/** `defineSaga<Context, Events>()({ … })`: the table, checked against the system's contexts and events. */
export function defineSaga<C extends string, E extends EventMap>() {
	return <T extends Saga<C, E>>(saga: T): T => saga;
}

/**
 * What an aggregate created by a placement step has come to, for a repeat of its request (same
 * Idempotency-Key): still waiting on its step (resume it), established (answer it), failed in a way that may
 * be tried again (a new attempt), or refused (answer the same refusal again).
 */
export type PlacementOutcome<E = unknown> = "pending" | "established" | "retry" | E;

/** Any system's saga, as the code around the systems reads it (names as strings). */
export interface SagaTable {
	keys: readonly string[];
	owner?: string;
	events: Readonly<Record<string, { producer: string; consumers: readonly string[]; keys?: readonly string[]; compensates?: string; beyondSpec?: string }>>;
	steps: Readonly<Record<string, { caller: string; owner: string; participant: Participant<never, unknown>; compensation?: string }>>;
	pivots: readonly { description: string; owner: string; event: string; cancel?: string }[];
}

/** Where a saga's owner is looked for when its table names no `owner` field: the names the seeds use. */
export const OWNER_FIELDS: readonly string[] = ["userName", "customerName", "customer", "userId"];

/**
 * What one consumer did with one event, told fire-and-forget (a Moleculer event, not a channel) after its
 * handler ran, so that the timeline can show who handled a fact and where it waits or failed. Never
 * business state: a lost notice only leaves a step shown as "no notice yet".
 */
export interface ConsumerOutcome {
	eventId: string;
	/** The event's type (`OrderPlaced`). */
	type: string;
	/** The system whose channel carried it (`<system>.<type>`). */
	system: string;
	/** The consuming service, `<system>.<context>` (its consumer group). */
	consumer: string;
	outcome: "handled" | "failed";
	/** When the handler finished (ISO). */
	at: string;
	/** The delivery this was (1 = first), when the adapter counts them. */
	attempt?: number;
	/** Why it failed (`Name: message`). */
	error?: string;
	/** The failure parked the event as a dead letter (poison, or the last redelivery). */
	deadLettered?: boolean;
	/** The correlation key the consumer addressed its aggregate by, and its value. */
	key?: { field: string; value: string };
}
