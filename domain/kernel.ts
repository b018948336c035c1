/**
 * The shared kernel of every domain module: decisions, events, domain errors, state machines and
 * forward-only folds. Plain TypeScript with no import at all: the services translate these into Moleculer
 * errors and messages.
 */

/** An event a command or policy produced, before the store gives it an id. Its data carries the correlation keys its system names. */
export interface EventDraft<T extends string = string, D extends object = Record<string, unknown>> {
	type: T;
	data: D;
}

/** A published domain event (the message body on its channel `<system>.<type>`). */
export interface DomainEvent<D extends object = Record<string, unknown>> {
	id: string;
	type: string;
	/** `<system>.<context>` that produced it. */
	source: string;
	/** The id of the aggregate that produced it. */
	aggregateId: string;
	/** That aggregate's version once it had produced it: increases along one aggregate's history. */
	version?: number;
	occurredAt: string;
	data: D;
}

/** What a command or policy decided: the new state and the facts it yields. */
export interface Decision<S> {
	state: S;
	events: EventDraft[];
}

/** The events of a system by type, each with its payload: `type Events = { OrderPlaced: { orderId: string; … } }`. */
export type EventMap = Record<string, object>;

/** A typed constructor of a system's events: `const event = eventsOf<FlowerEvents>(); event("OrderPlaced", { … })`. */
export function eventsOf<E extends EventMap>() {
	return <T extends keyof E & string>(type: T, data: E[T]): EventDraft<T, E[T]> => ({ type, data });
}

export type DomainErrorKind = "IllegalTransition" | "Declined" | "NotFound" | "Invalid" | "Conflict" | "Forbidden";

export class DomainError extends Error {
	constructor(
		readonly kind: DomainErrorKind,
		message: string,
		readonly details: Record<string, unknown> = {}
	) {
		super(message);
		this.name = "DomainError";
	}
}

/** A transition the state machine does not allow: answered 409 with the current status. */
export function illegalTransition(entity: string, status: string, command: string, details: Record<string, unknown> = {}): DomainError {
	return new DomainError("IllegalTransition", `${entity} is ${status}: cannot ${command}`, { status, command, ...details });
}

/** A lookup table from status to the statuses it may move to, checked in one place. */
export class StateMachine<S extends string> {
	constructor(
		readonly entity: string,
		private readonly transitions: Readonly<Record<S, readonly S[]>>
	) {}

	can(from: S, to: S): boolean {
		return this.transitions[from].includes(to);
	}

	/** Returns `to`, or throws IllegalTransition naming the current status. */
	move(from: S, to: S, command: string): S {
		if (!this.can(from, to)) throw illegalTransition(this.entity, from, command);
		return to;
	}
}

/**
 * Forward-only progress for folds of facts arriving on separate channels, in any order: a status only ever
 * moves to one ranked higher, so a late or duplicated fact never moves it back.
 */
export function advance<S extends string>(rank: Readonly<Record<S, number>>, current: S | undefined, next: S): S {
	return current === undefined || rank[next] > rank[current] ? next : current;
}

/** The later of two instants (ISO strings): timestamps folded from events never go back. */
export function later(a: string, b: string): string {
	return b > a ? b : a;
}

/** The earlier of two instants: when something was first seen, whatever arrived first. */
export function earlier(a: string, b: string): string {
	return b < a ? b : a;
}

/** The bookkeeping every aggregate carries: its id, its status, and when it was created and last changed. */
export interface Tracked<S extends string> {
	id: string;
	status: S;
	createdAt: string;
	updatedAt: string;
}

/** `current` with `patch` applied and `updatedAt` moved to `now` unless it is already later. */
export function touch<T extends { updatedAt: string }>(current: T, now: string, patch: Partial<T> = {}): T {
	return { ...current, ...patch, updatedAt: later(current.updatedAt, now) };
}

/**
 * A cancellation told by another context. Events travel on separate channels, so it may overtake the record
 * itself: finding nothing, it leaves `marker()` (a cancelled record, so the late arrival only fills in its
 * details); otherwise the aggregate moves to `to` when its machine allows it (telling `events` of the new
 * state), and stays as it is when not (already finished or cancelled).
 */
export function cancelOrMark<S extends string, A extends Tracked<S>>(
	machine: StateMachine<S>,
	current: A | null,
	to: S,
	now: string,
	marker: () => A,
	events: (cancelled: A) => EventDraft[] = () => []
): Decision<A> | null {
	if (!current) return { state: marker(), events: [] };
	if (!machine.can(current.status, to)) return null;
	const cancelled: A = touch(current, now, { status: to } as Partial<A>);
	return { state: cancelled, events: events(cancelled) };
}
