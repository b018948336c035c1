/**
 * Ready means the whole start is done. Moleculer sets `broker.started` before the middlewares' `started`
 * hooks run, and the channels middleware subscribes its consumer groups in its hook: a process that said
 * ready at `broker.started` could be counted as up and then exit on a failed subscription (seen in a chaos
 * run, NATS just restarted). Here a middleware's `started` hook is held open: the broker says started, and
 * readiness still says no until every hook has finished.
 */
import { ServiceBroker, type Middleware, type ServiceSchema } from "moleculer";
import { config } from "../../config";
import { readiness } from "../../middlewares/health";
import { brokerOptions } from "../../moleculer.config";
import { systemSchemas } from "../support/embedded";

describe("readiness", () => {
	it("stays false while a middleware is still starting, though the broker says started; true once all have", async () => {
		let release!: () => void;
		const held = new Promise<void>(resolve => (release = resolve));
		let holding = false;
		const hold: Middleware = {
			name: "HoldStart",
			async started() {
				holding = true;
				await held;
			}
		};
		const options = brokerOptions(config);
		// Held right after the health middleware (whose server answers /live at once), before the channels'.
		const middlewares = [...(options.middlewares ?? [])];
		const health = middlewares.findIndex(m => typeof m === "object" && m.name === "Health");
		expect(health).toBeGreaterThanOrEqual(0);
		middlewares.splice(health + 1, 0, hold);
		const broker = new ServiceBroker({ ...options, middlewares, nodeID: `ready-${process.pid}` });
		// A context with consumer groups, so the channels middleware has subscriptions to make after the hold.
		const mypage = systemSchemas("flowerdelivery").find(s => s.name === "flowerdelivery.mypage") as ServiceSchema;
		broker.createService(mypage);
		const starting = broker.start();
		try {
			while (!holding) await new Promise(resolve => setTimeout(resolve, 5));
			expect(broker.started).toBe(true);
			const during = readiness(broker, []);
			expect(during.ready).toBe(false);
			expect(during.checks).toMatchObject({ started: true, announced: false });
			release();
			await starting;
			expect(readiness(broker, []).ready).toBe(true);
		} finally {
			release();
			await starting.catch(() => undefined);
			await broker.stop();
		}
	});
});
