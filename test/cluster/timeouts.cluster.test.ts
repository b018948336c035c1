/**
 * A remote call the caller gave up on (its timeout) is over for the caller (middlewares/timeouts.ts): over a
 * real nats-server, a caller with the product's broker options calls a slower action on another node; after
 * the timeout — and after the late answer came — the caller tracks nothing more, so its graceful stop does not
 * wait for `tracking.shutdownTimeout`. Planted: the same options without the middleware keep the timed-out
 * context tracked (Moleculer 0.15's own behaviour), so the test sees the difference.
 */
import { Errors, ServiceBroker, type Context, type Middleware } from "moleculer";
import { config } from "../../config";
import { brokerOptions } from "../../moleculer.config";
import { LocalCluster } from "../../scripts/cluster";

const cluster = new LocalCluster({ basePort: 15850, redis: false });
const SLOW_MS = 600;
const TIMEOUT_MS = 150;

/** What the ContextTracker keeps of a broker: the remote calls it still waits for at a graceful stop. */
const trackedContexts = (broker: ServiceBroker) => (broker as ServiceBroker & { _trackedContexts: Context[] })._trackedContexts;
const trackedOf = (broker: ServiceBroker) => trackedContexts(broker).length;

function options(nodeID: string, planted = false) {
	const url = cluster.natsUrl;
	const base = brokerOptions({ ...config, transporter: url, natsUrl: url });
	const middlewares = (base.middlewares ?? []).filter(m => !planted || typeof m === "string" || (m as Middleware).name !== "ReleaseTimedOutCalls");
	return { ...base, middlewares, nodeID: `${nodeID}-${process.pid}`, logLevel: "error" as const };
}

let callee: ServiceBroker;

beforeAll(async () => {
	await cluster.startServers();
	callee = new ServiceBroker(options("callee"));
	callee.createService({
		name: "test.slow",
		actions: {
			async wait() {
				await new Promise(resolve => setTimeout(resolve, SLOW_MS));
				return "late";
			}
		}
	});
	await callee.start();
}, 30000);

afterAll(async () => {
	await callee?.stop();
	await cluster.stopAll();
});

async function timedOutCall(planted: boolean): Promise<{ error: unknown; trackedAfterAnswer: number; broker: ServiceBroker }> {
	const caller = new ServiceBroker(options(planted ? "planted-caller" : "caller", planted));
	await caller.start();
	await caller.waitForServices("test.slow", 10000);
	const error = await caller.call("test.slow.wait", {}, { timeout: TIMEOUT_MS }).catch((err: unknown) => err);
	// The late answer comes (and is dropped as an orphan): nothing of the call should be left with the caller.
	await new Promise(resolve => setTimeout(resolve, SLOW_MS + 300));
	return { error, trackedAfterAnswer: trackedOf(caller), broker: caller };
}

it("a remote call that timed out is no longer tracked by its caller", async () => {
	const { error, trackedAfterAnswer, broker } = await timedOutCall(false);
	expect(error).toBeInstanceOf(Errors.RequestTimeoutError);
	expect(trackedAfterAnswer).toBe(0);
	// Its caller still calls as before (the breaker counts the timeout; nothing else is left).
	await expect(broker.call("test.slow.wait", {}, { timeout: SLOW_MS * 3 })).resolves.toBe("late");
	expect(trackedOf(broker)).toBe(0);
	await broker.stop();
}, 30000);

it("planted: without the middleware, the timed-out call stays tracked (a graceful stop would wait for it)", async () => {
	const { error, trackedAfterAnswer, broker } = await timedOutCall(true);
	expect(error).toBeInstanceOf(Errors.RequestTimeoutError);
	expect(trackedAfterAnswer).toBe(1);
	// Stopped without the wait: the test is not about the shutdown timeout itself.
	trackedContexts(broker).length = 0;
	await broker.stop();
}, 30000);
