/**
 * Shared vocabulary of every domain module: decisions, events and domain errors.
 * Plain TypeScript, no Moleculer import: the services translate these into Moleculer errors and messages.
 */

/** An event a command or policy produced, before the store gives it an id. */
export interface EventDraft<T extends string = string, D extends object = Record<string, unknown>> {
	type: T;
	data: D & { orderId: string };
}

/** A published domain event (the message body on its channel). */
export interface DomainEvent<D extends object = Record<string, unknown>> {
	id: string;
	type: string;
	/** `<system>.<context>` that produced it. */
	source: string;
	aggregateId: string;
	occurredAt: string;
	data: D & { orderId: string };
}

/** What a command or policy decided: the new state and the facts it yields. */
export interface Decision<S> {
	state: S;
	events: EventDraft[];
}

export type DomainErrorKind = "IllegalTransition" | "Declined" | "NotFound" | "Invalid" | "Conflict";

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
export function illegalTransition(entity: string, status: string, command: string): DomainError {
	return new DomainError("IllegalTransition", `${entity} is ${status}: cannot ${command}`, { status, command });
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

	isTerminal(status: S): boolean {
		return this.transitions[status].length === 0;
	}
}

/**
 * Forward-only progress for read sides that fold facts arriving on separate channels, in any order:
 * a status only ever moves to one ranked higher, so a late or duplicated fact never moves it back.
 */
export function advance<S extends string>(rank: Readonly<Record<S, number>>, current: S | undefined, next: S): S {
	return current === undefined || rank[next] > rank[current] ? next : current;
}

/** The bookkeeping every aggregate carries: its id, its status, and when it was created and last changed. */
export interface Tracked<S extends string> {
	id: string;
	status: S;
	createdAt: string;
	updatedAt: string;
}

/**
 * A cancellation told by another context. Events travel on separate channels, so it may overtake the order
 * itself: finding nothing, it leaves `marker()` (a cancelled record, so the late arrival is ignored);
 * otherwise the aggregate moves to `to` when its machine allows it (telling `events` of the new state),
 * and stays as it is when not (already finished or cancelled).
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
	const cancelled: A = { ...current, status: to, updatedAt: now };
	return { state: cancelled, events: events(cancelled) };
}
