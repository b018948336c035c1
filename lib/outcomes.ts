/**
 * Consumer outcome notices: after a consumer's handler ran (mixins/consume.ts), a Moleculer event says what
 * it did with the event — handled, or failed (and whether the failure parked it as a dead letter) — so the
 * timeline (services/timeline) shows, per fact, which consumer handled it and where it waits.
 *
 * Fire-and-forget on purpose (`broker.broadcast`, not a channel): a notice is an observation for people, never
 * business state; one that is lost leaves a step shown as "no notice yet", nothing more. Moleculer sends an
 * event only to the nodes that listen to it, so without a timeline a notice costs one local dispatch.
 */
import type { ServiceBroker } from "moleculer";
import type { ConsumerOutcome } from "../domain";

/** The Moleculer event carrying a `ConsumerOutcome`. */
export const OUTCOME_EVENT = "channels.outcome";

/** `Name: message` of an error, short enough for a notice. */
export function errorText(err: unknown): string {
	const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
	return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** Tells `notice` to whoever listens; never throws, never waits. */
export function tellOutcome(broker: ServiceBroker, notice: ConsumerOutcome): void {
	try {
		void Promise.resolve(broker.broadcast(OUTCOME_EVENT, notice)).catch(() => undefined);
	} catch {
		/* a notice that cannot be told is not the handler's failure */
	}
}
