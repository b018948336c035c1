/**
 * The broker config of a context the chaos run or the reliability suite slows down on purpose: the product's
 * own (moleculer.config.ts, unchanged) with one more middleware, innermost, that delays the actions listed in
 * `CHAOS_DELAY=<action>:<ms>,…` before their handler runs (so inside the action's bulkhead, and a delay longer
 * than the caller's timeout makes the work land after the caller gave up). Nothing in the product reads
 * CHAOS_DELAY: only a process started with this file as its config (ContextSpec.config =
 * "scripts/chaos/fault-config.js", compiled under dist/) is slowed.
 *
 *   CHAOS_DELAY=flowerdelivery.payment.pay:1100 moleculer-runner --config dist/scripts/chaos/fault-config.js …
 */
import type { ActionHandler, ActionSchema, BrokerOptions, Middleware } from "moleculer";
import moleculerConfig from "../../moleculer.config";

/** The delays of `CHAOS_DELAY` by action name; throws on a malformed entry (naming it). */
export function parseDelays(text: string | undefined): Map<string, number> {
	const delays = new Map<string, number>();
	for (const entry of (text ?? "").split(",").map(e => e.trim()).filter(Boolean)) {
		const at = entry.lastIndexOf(":");
		const action = entry.slice(0, at);
		const ms = /^\d+$/.test(entry.slice(at + 1)) ? Number(entry.slice(at + 1)) : NaN;
		if (at <= 0 || !/^[\w.$-]+$/.test(action) || !Number.isInteger(ms)) throw new Error(`CHAOS_DELAY: expected <action>:<ms>[,…], got "${entry}"`);
		delays.set(action, ms);
	}
	return delays;
}

/** `next`, run `ms` after it is called. */
export function delayed<T, A extends unknown[], R>(next: (this: T, ...args: A) => R, ms: number): (this: T, ...args: A) => Promise<R> {
	return function (this: T, ...args: A) {
		return new Promise<void>(resolve => setTimeout(resolve, ms)).then(() => next.apply(this, args));
	};
}

/** A localAction middleware: each listed action waits its delay, then runs. */
export function delayMiddleware(delays: ReadonlyMap<string, number>): Middleware {
	return {
		name: "ChaosDelay",
		localAction(next: ActionHandler, action: ActionSchema): ActionHandler {
			const ms = action.name ? delays.get(action.name) : undefined;
			return ms ? delayed(next, ms) : next;
		}
	};
}

/** The product's broker options with the delay middleware first (Moleculer makes the first one the innermost). */
export function withDelays(options: BrokerOptions, delays: ReadonlyMap<string, number>): BrokerOptions {
	return { ...options, middlewares: [delayMiddleware(delays), ...(options.middlewares ?? [])] };
}

/** What moleculer-runner loads (as it loads moleculer.config.ts's default export). */
export default function faultConfig(): BrokerOptions {
	return withDelays(moleculerConfig(), parseDelays(process.env.CHAOS_DELAY));
}
