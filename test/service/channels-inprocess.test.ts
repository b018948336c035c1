/**
 * The embedded default's in-process channels (middlewares/channels.ts): a consumer that is far behind — more
 * messages waiting than its bulkhead's default queue of 100 — still takes every message, once, later. (The
 * adapter does not wait for the event it emits: a full queue would drop the message, only logged.) The
 * consumer is held back by a test middleware while 300 messages are published, then let go.
 */
import { randomUUID } from "node:crypto";
import { ServiceBroker, type Context } from "moleculer";
import { config } from "../../config";
import { publishToChannel, unboundedInProcessQueues } from "../../middlewares/channels";
import { brokerOptions } from "../../moleculer.config";
import { gate } from "../support/gate";
import { eventually } from "../support/http";

const CHANNEL = "inprocess.SomethingHappened";
const GROUP = "inprocess.consumer";

describe("in-process channels: a consumer that is behind", () => {
	const hand = gate();
	const seen: string[] = [];
	let broker: ServiceBroker;

	beforeAll(async () => {
		const options = brokerOptions(config);
		broker = new ServiceBroker({ ...options, middlewares: [hand.middleware, ...(options.middlewares ?? [])], nodeID: `inprocess-${process.pid}`, logLevel: "error" });
		broker.createService({
			name: GROUP,
			channels: {
				[CHANNEL]: {
					async handler(ctx: Context<unknown>) {
						seen.push((ctx.params as { id: string }).id);
					}
				}
			}
		});
		await broker.start();
	});
	afterAll(() => broker.stop());

	it("takes every one of 300 messages published while it was held, each once", async () => {
		hand.hold(CHANNEL, GROUP);
		const ids = Array.from({ length: 300 }, () => randomUUID());
		for (const id of ids) await publishToChannel(broker, CHANNEL, { id, type: "SomethingHappened", data: {} }, { msgID: id });
		// maxInFlight are held in the handler; the rest wait in the consumer's queue (more than its old limit of 100).
		await eventually(async () => hand.held(CHANNEL, GROUP), n => n === config.channels.maxInFlight);
		await hand.release(CHANNEL, GROUP);
		await eventually(async () => seen.length, n => n === ids.length);
		await new Promise(r => setTimeout(r, 100));
		expect([...seen].sort()).toEqual([...ids].sort());
	});

	it("leaves every other service's bulkheads as they are", () => {
		const other = { name: "productorder.notice", events: { x: { bulkhead: { enabled: true, concurrency: 2, maxQueueSize: 5 } } } };
		unboundedInProcessQueues(other);
		expect(other.events.x.bulkhead.maxQueueSize).toBe(5);
		const consumer = { name: "$channel:productorder.notice:productorder.Ordered:productorder.notice", events: { e: { bulkhead: { enabled: true, concurrency: 20 } }, f: { handler: () => undefined } } };
		unboundedInProcessQueues(consumer);
		expect(consumer.events.e.bulkhead).toEqual({ enabled: true, concurrency: 20, maxQueueSize: 0 });
		expect(consumer.events.f).not.toHaveProperty("bulkhead");
	});
});
