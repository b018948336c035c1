/**
 * A saga's synchronous steps, both sides. A step is a typed participant (domain/saga.ts: an action of
 * another context with its request and answer types), called with the caller timeout, through the broker's
 * circuit breaker, into the callee's bulkhead. What the caller learns is one of:
 * - the answer, or the participant's refusal (a 4xx: declined, not certified, cannot cancel …), final;
 * - `StepNotDone`: the call never ran (breaker open, no instance, bulkhead full, the callee said 503);
 * - `StepOutcomeUnknown`: it may have run (timeout, the callee's process went away, a fault).
 *
 * Blocks built on it:
 * - `syncPlacement` (the caller of a placement step, e.g. order → payment): the aggregate is stored pending
 *   (no event yet), the step is called, and the aggregate is established or closed as failed with the
 *   compensation its domain names (an effect that lands late is undone). With an Idempotency-Key the
 *   request resumes or replays: a pending placement calls its (idempotent) step again, a finished one answers
 *   its first result, one that failed and may be tried again starts a new attempt under a new id.
 * - `cancelAtPivot` (a cancel before a saga's pivot): the pivot's owner accepts or refuses it synchronously;
 *   the cancel and its compensations follow the acceptance only.
 * - `syncStep` (the callee): the action behind the step bulkhead.
 */
import { newId } from "../lib/ids";
import { Errors, type ActionParams, type ActionSchema, type Context, type Service } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { config } from "../config";
import { DomainError, type Decision, type Participant, type PlacementOutcome } from "../domain";
import { assertInScope } from "../lib/access";
import { invalidField, outcomeUnknown, serviceUnavailable, toMoleculerError } from "../lib/errors";
import { requestFields } from "../middlewares/observability";
import type { AggregateMethods } from "./aggregate.mixin";
import { creatingRequest, idFor } from "./idempotency";
import { defineMixin } from "./schema";

/** The step did not run: nothing was done there. */
export class StepNotDone extends Error {
	constructor(
		readonly action: string,
		readonly reason: string
	) {
		super(`${action} did not run (${reason})`);
		this.name = "StepNotDone";
	}
}

/** The step may or may not have run. */
export class StepOutcomeUnknown extends Error {
	constructor(
		readonly action: string,
		readonly reason: string
	) {
		super(`${action}: outcome unknown (${reason})`);
		this.name = "StepOutcomeUnknown";
	}
}

/** Errors raised before the call reached the callee's handler. */
const NOT_SENT = new Set(["CIRCUIT_BREAKER_OPEN", "SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE", "QUEUE_FULL"]);
/**
 * Errors of a call that was sent and may have run, though their code is 503: Moleculer rejects the pending
 * requests of a node that left (REQUEST_REJECTED) — the callee may have committed before it went away.
 */
const SENT_THEN_LOST = new Set(["REQUEST_REJECTED"]);

/**
 * The participant refused: a client error of the callee (its answer, final). Not the 4xx Moleculer raises
 * itself before the call reaches a handler (no endpoint: 404 SERVICE_NOT_FOUND / SERVICE_NOT_AVAILABLE, also
 * what an open circuit answers; a full bulkhead: 429 QUEUE_FULL): nobody refused, the step did not run.
 */
export function isRefusal(err: unknown): err is Errors.MoleculerError {
	return err instanceof Errors.MoleculerError && err.code >= 400 && err.code < 500 && !NOT_SENT.has(err.type);
}

export interface StepOptions {
	/** Caller-side timeout (default SYNC_STEP_TIMEOUT_MS). */
	timeoutMs?: number;
}

/** Calls the step; throws its refusal as it is, or StepNotDone / StepOutcomeUnknown. */
export async function callStep<Req extends object, Res>(ctx: Context, step: Participant<Req, Res>, request: Req, opts: StepOptions = {}): Promise<Res> {
	try {
		return await ctx.call<Res, Req>(step.action, request, { timeout: opts.timeoutMs ?? config.resilience.stepTimeoutMs, retries: 0 });
	} catch (err) {
		if (isRefusal(err)) throw err;
		const type = err instanceof Errors.MoleculerError ? err.type : "UNKNOWN";
		if (SENT_THEN_LOST.has(type)) throw new StepOutcomeUnknown(step.action, type);
		if (NOT_SENT.has(type) || (err instanceof Errors.MoleculerError && err.code === 503)) throw new StepNotDone(step.action, type);
		throw new StepOutcomeUnknown(step.action, type);
	}
}

// ---- the caller of a placement step ------------------------------------------------------------------

/** What the domain decides at each point of a placement. */
export interface PlacementRules<S, I, Req extends object, Res> {
	/** The new aggregate, waiting for its step: it must publish nothing yet. */
	start(id: string, input: I, now: string): Decision<S>;
	/** The request of the step for this aggregate. */
	request(pending: S): Req;
	/** The step succeeded: the aggregate is established (null: it is not pending any more). */
	succeeded(pending: S, answer: Res, now: string): Decision<S> | null;
	/** The step refused (`reason`: its error type), did not run or may have run: not established, with the compensation its domain names (null when no longer pending). */
	failed(pending: S, reason: string, now: string): Decision<S> | null;
	/** What the aggregate has come to (see PlacementOutcome); a refusal answers its DomainError again. */
	outcome(current: S): PlacementOutcome<DomainError>;
}

export interface PlacementOptions<S, I, Req extends object, Res> {
	/** The step (domain/saga.ts participant), e.g. `<system>.payment.pay`. */
	step: Participant<Req, Res>;
	rules: PlacementRules<S, I, Req, Res>;
	/** Where a placed aggregate is read: the `Location` of the 201. */
	location(id: string): string;
	/** The status of an aggregate waiting for its step (stale ones are closed as failed). */
	pendingStatus: string;
	/** What a placement is, for the 503's message ("the order was not placed"). */
	what: string;
	/** What the step is, for the same message ("Payment is busy or unavailable"). */
	stepTitle: string;
}

export interface PlacementMethods<S, I> {
	/** Places `input` with its step; answers the established aggregate (201) or throws the refusal / 503 / 422. */
	place(ctx: Context<unknown, ContextResponseMeta>, input: I): Promise<S>;
	failPlacement(id: string, reason: string, ctx?: Context): Promise<S | null>;
	closeStalePlacements(): Promise<number>;
}

interface PlacementVars {
	staleTimer?: NodeJS.Timeout;
}

type Placing<S, I> = Service & AggregateMethods<S> & PlacementMethods<S, I> & PlacementVars;

/** A key may open at most this many attempts (each one failed in a way that may be tried again). */
const MAX_ATTEMPTS = 20;

/** Mixin factory for the caller of a placement step; use it after `aggregateStore` (it commits through it). */
export function syncPlacement<S extends { id: string; createdAt: string }, I, Req extends object, Res>(opts: PlacementOptions<S, I, Req, Res>) {
	const { rules } = opts;
	const now = () => new Date().toISOString();

	async function runStep(this: Placing<S, I>, ctx: Context<unknown, ContextResponseMeta>, pending: S): Promise<S> {
		const id = pending.id;
		let answer: Res;
		try {
			answer = await callStep(ctx, opts.step, rules.request(pending));
		} catch (err) {
			const reason = isRefusal(err) ? err.type : err instanceof StepNotDone || err instanceof StepOutcomeUnknown ? err.reason : "UNKNOWN";
			const closed = await this.failPlacement(id, reason, ctx);
			if (!closed) throw err;
			if (isRefusal(err) && rules.outcome(closed) !== "established") throw err;
			return answerFor.call(this, ctx, closed, reason);
		}
		const placed = await this.commit(id, current => (current ? rules.succeeded(current, answer, now()) : null), { ctx });
		if (!placed) throw new Error(`placement ${id} vanished`);
		return answerFor.call(this, ctx, placed);
	}

	/** The answer a placement that came to `current` gives (`cause`: why its step failed, when it did). */
	function answerFor(this: Placing<S, I>, ctx: Context<unknown, ContextResponseMeta>, current: S, cause = "PLACEMENT_FAILED"): S {
		const outcome = rules.outcome(current);
		if (outcome === "established") {
			ctx.meta.$statusCode = 201;
			ctx.meta.$location = opts.location(current.id);
			return current;
		}
		if (outcome instanceof DomainError) throw toMoleculerError(outcome);
		this.logger.warn(`Placement ${current.id} failed (${cause}): answering 503`, requestFields(ctx));
		throw serviceUnavailable(`${opts.stepTitle} is busy or unavailable: ${opts.what} was not placed, please try again shortly`, config.resilience.retryAfterSeconds, cause);
	}

	return defineMixin<PlacementMethods<S, I> & AggregateMethods<S>, PlacementVars>({
		methods: {
			async place(this: Placing<S, I>, ctx: Context<unknown, ContextResponseMeta>, input: I): Promise<S> {
				const request = creatingRequest(ctx);
				if (!request) {
					const id = newId();
					const { state } = await this.create(id, ctx, at => rules.start(id, input, at), { fresh: true });
					return runStep.call(this, ctx, state);
				}
				for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
					const id = idFor(this.fullName, request, attempt);
					const doc = await this.loadDoc(id);
					if (doc && doc.request?.fingerprint !== request.fingerprint) throw invalidField("Idempotency-Key", "The Idempotency-Key was used with another request: send a new key for a new request");
					// The first time, or a repeat whose first attempt was not stored: start it (a concurrent repeat replays).
					const { state, replayed } = doc ? { state: doc.state, replayed: true } : await this.create(id, ctx, at => rules.start(id, input, at));
					if (!replayed) return runStep.call(this, ctx, state);
					const outcome = rules.outcome(state);
					if (outcome === "retry") continue; // that attempt failed and said so: a new one
					if (outcome === "pending") return runStep.call(this, ctx, state); // resume: the step is idempotent
					return answerFor.call(this, ctx, state);
				}
				throw new Errors.MoleculerClientError(`This Idempotency-Key has had ${MAX_ATTEMPTS} failed attempts: send a new key`, 409, "TOO_MANY_ATTEMPTS");
			},

			async failPlacement(this: Placing<S, I>, id: string, reason: string, ctx?: Context): Promise<S | null> {
				return this.commit(id, current => current && rules.failed(current, reason, now()), { ctx });
			},

			async closeStalePlacements(this: Placing<S, I>): Promise<number> {
				const cutoff = new Date(Date.now() - config.pendingPlacementTimeoutMs).toISOString();
				const page = await this.findPage({ query: { status: opts.pendingStatus }, page: 1, pageSize: 100, sort: { createdAt: 1 } });
				let closed = 0;
				for (const pending of page.rows) {
					if (pending.createdAt >= cutoff) continue;
					await this.failPlacement(pending.id, "PLACEMENT_ABANDONED");
					closed++;
				}
				return closed;
			}
		},

		started(this: Placing<S, I>) {
			this.staleTimer = setInterval(() => {
				this.closeStalePlacements().catch(err => this.logger.warn("Closing stale placements failed; will retry", err));
			}, Math.max(1000, Math.floor(config.pendingPlacementTimeoutMs / 2)));
		},

		stopped(this: Placing<S, I>) {
			clearInterval(this.staleTimer);
		}
	});
}

// ---- a cancel before the pivot -----------------------------------------------------------------------

/** The pivot owner's refusal of a cancel: its own status (e.g. the delivery's "Started"). */
export interface CancelRefusal {
	status: string;
}

export interface PivotCancelRules<S, Req extends object> {
	/** Refuses at once what the aggregate itself already rules out (throws a domain error: 409 + status). */
	check(current: S): void;
	/** The owner's step request. */
	request(current: S): Req;
	/** The owner refused: the domain's 409, with the status the aggregate is really in. */
	refused(current: S, refusal: CancelRefusal): DomainError;
	/** The owner accepted: the cancel and the compensations it starts (null: already cancelled). */
	cancel(current: S, now: string): Decision<S> | null;
}

/**
 * A cancel the pivot's owner decides: 409 when the aggregate or the owner refuses it, 503 + Retry-After when
 * the owner cannot be asked (nothing done), 504 "outcome unknown" when it was asked and did not answer (its
 * acceptance, if any, still arrives as an event and completes the cancel). On acceptance the aggregate is
 * cancelled; should this process die first, the owner's event does it.
 */
export async function cancelAtPivot<S extends object, Req extends object>(
	svc: Service & AggregateMethods<S>,
	ctx: Context,
	id: string,
	step: Participant<Req, unknown>,
	rules: PivotCancelRules<S, Req>
): Promise<S | null> {
	const current = await svc.loadExisting(id);
	assertInScope(ctx, current, `'${id}'`);
	try {
		rules.check(current);
	} catch (err) {
		throw toMoleculerError(err);
	}
	try {
		await callStep(ctx, step, rules.request(current));
	} catch (err) {
		if (isRefusal(err) && err.code === 409) {
			const status = typeof err.data === "object" && err.data !== null && typeof (err.data as { status?: unknown }).status === "string" ? (err.data as { status: string }).status : "unknown";
			throw toMoleculerError(rules.refused(current, { status }));
		}
		if (err instanceof StepNotDone) throw serviceUnavailable(`${step.action} cannot be asked now: nothing was cancelled, please try again shortly`, config.resilience.retryAfterSeconds, err.reason);
		if (err instanceof StepOutcomeUnknown) throw outcomeUnknown(`${step.action} did not answer: the cancel may have been accepted; retry to learn`, err.reason);
		throw err;
	}
	return svc.commit(id, latest => (latest ? rules.cancel(latest, new Date().toISOString()) : null), { ctx });
}

// ---- the callee --------------------------------------------------------------------------------------

/** The seeds' overload scenarios: the step's work is done, its answer comes late (PAYMENT_LATENCY_MS). */
export function simulatedLatency([min, max]: [number, number]): Promise<void> {
	if (max === 0) return Promise.resolve();
	return new Promise(resolve => setTimeout(resolve, min + Math.random() * (max - min)));
}

/**
 * The action a step calls: behind the step bulkhead (SYNC_STEP_CONCURRENCY in flight, SYNC_STEP_QUEUE
 * waiting; a full queue answers QUEUE_FULL before the handler runs), strict params, and no `auth`: callable
 * from inside the system only (the gateway gets 403).
 */
export function syncStep<TThis, P extends object>(params: ActionParams, handler: (this: TThis, ctx: Context<P>) => Promise<unknown>): ActionSchema<TThis> {
	return {
		params: { $$strict: true, ...params },
		bulkhead: { enabled: true, ...config.resilience.stepBulkhead },
		handler
	};
}
