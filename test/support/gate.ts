/**
 * A test's hand on the timing of a saga: a broker middleware that holds back what one consumer (channel +
 * group) or one action does until the test lets it go, so an interleaving that a crash or a slow network
 * produces (a cancel crossing the rider's start) happens every time, on purpose.
 */
import type { Context, Middleware } from "moleculer";

type Handler = (ctx: Context, raw?: unknown) => Promise<unknown>;

export interface Gate {
	middleware: Middleware;
	/** Hold `channel` for consumer `group` (e.g. "flowerdelivery.DeliveryStarted", "flowerdelivery.order"). */
	hold(channel: string, group: string): void;
	/** Let everything held on `channel`/`group` through, and stop holding it. */
	release(channel: string, group: string): Promise<void>;
	/** Delay every call of `action` by `ms` before its handler runs (it still runs). */
	delay(action: string, ms: number): void;
	/** Messages held right now on `channel`/`group`. */
	held(channel: string, group: string): number;
}

export function gate(): Gate {
	const closed = new Map<string, { waiting: (() => void)[] }>();
	const delays = new Map<string, number>();
	const key = (channel: string, group: string) => `${channel}|${group}`;
	const middleware = {
		name: "TestGate",
		localChannel(next: Handler, chan: { name: string; group: string }) {
			return async (ctx: Context, raw?: unknown) => {
				const g = closed.get(key(chan.name, chan.group));
				if (g) await new Promise<void>(resolve => g.waiting.push(resolve));
				return next(ctx, raw);
			};
		},
		localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
			return async (ctx: Context) => {
				const ms = delays.get(action.name);
				if (ms) await new Promise(resolve => setTimeout(resolve, ms));
				return next(ctx);
			};
		}
	} as Middleware;
	return {
		middleware,
		hold: (channel, group) => void closed.set(key(channel, group), { waiting: [] }),
		async release(channel, group) {
			const g = closed.get(key(channel, group));
			closed.delete(key(channel, group));
			for (const resume of g?.waiting ?? []) resume();
			await new Promise(resolve => setTimeout(resolve, 10));
		},
		delay: (action, ms) => void delays.set(action, ms),
		held: (channel, group) => closed.get(key(channel, group))?.waiting.length ?? 0
	};
}
