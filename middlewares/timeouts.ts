/**
 * A remote call that the caller gave up on (its timeout) is over for the caller: this middleware ends it
 * there. Without it, Moleculer 0.15 leaves it open: on the timeout its ErrorHandler drops the pending request
 * from the transit without settling it, so the promise that the ContextTracker (inside Timeout) waits on
 * never settles, even when the late answer comes (an orphan by then). The context stays tracked, and a
 * graceful stop of the caller waits the whole `tracking.shutdownTimeout` for it. Placed just outside Timeout
 * (moleculer.config.ts), it rejects that pending request with the timeout's error as the timeout happens:
 * the tracker lets the context go, and the late answer is still dropped as an orphan.
 */
import { Errors, type Context, type Middleware, type ServiceBroker } from "moleculer";

export function releaseTimedOutCalls(): Middleware {
	let broker: ServiceBroker | undefined;
	return {
		name: "ReleaseTimedOutCalls",
		created(b: ServiceBroker) {
			broker = b;
		},
		remoteAction(handler: (ctx: Context) => Promise<unknown>) {
			return (ctx: Context) =>
				handler(ctx).catch((err: unknown) => {
					if (err instanceof Errors.RequestTimeoutError) {
						const transit = broker?.transit;
						const pending = transit?.pendingRequests.get(ctx.id);
						if (transit && pending) {
							transit.removePendingRequest(ctx.id);
							pending.reject(err);
						}
					}
					throw err;
				});
		}
	};
}
