/**
 * callStep (mixins/sync-step.ts), the caller's side of every synchronous step, as the warehouse's receive uses
 * it: what the caller learns of a call, with two real brokers over Moleculer's in-memory transporter —
 * the answer; a refusal (the callee's 4xx, as it is); not done (no such service, the callee's own 503); outcome
 * unknown (a timeout, and the callee's node leaving while the call was in flight: REQUEST_REJECTED, which
 * Moleculer codes 503 but which may follow a commit).
 */
import { Errors, ServiceBroker, type Context } from "moleculer";
import { participant } from "../../domain";
import { callStep, StepNotDone, StepOutcomeUnknown } from "../../mixins/sync-step";

const step = (action: string) => participant<{ n: number }, { n: number }>(action);

/** What the caller learned: the answer, or the kind of failure and its reason. */
async function learn(caller: ServiceBroker, action: string, timeoutMs = 2000): Promise<unknown> {
	return caller.call("caller.run", { action, timeoutMs });
}

describe("callStep: what a caller learns of a synchronous step", () => {
	let callee: ServiceBroker;
	let caller: ServiceBroker;
	let release: (() => void) | undefined;
	const started: string[] = [];

	beforeAll(async () => {
		const options = { transporter: "Fake", logger: false, heartbeatInterval: 1 } as const;
		callee = new ServiceBroker({ ...options, nodeID: `callee-${process.pid}` });
		caller = new ServiceBroker({ ...options, nodeID: `caller-${process.pid}` });
		callee.createService({
			name: "step",
			actions: {
				ok: (ctx: Context<{ n: number }>) => ({ n: ctx.params.n + 1 }),
				refuse: () => {
					throw new Errors.MoleculerClientError("no", 409, "ILLEGAL_TRANSITION", { status: "received" });
				},
				busy: () => {
					throw new Errors.MoleculerError("busy", 503, "SERVICE_UNAVAILABLE");
				},
				slow: () => new Promise(resolve => setTimeout(() => resolve({ n: 0 }), 500)),
				// Commits, then its node goes away before it answers.
				hang: () => {
					started.push("hang");
					return new Promise(resolve => (release = () => resolve({ n: 0 })));
				}
			}
		});
		caller.createService({
			name: "caller",
			actions: {
				async run(ctx: Context<{ action: string; timeoutMs: number }>) {
					try {
						return { answer: await callStep(ctx, step(ctx.params.action), { n: 1 }, { timeoutMs: ctx.params.timeoutMs }) };
					} catch (err) {
						if (err instanceof StepNotDone) return { notDone: err.reason };
						if (err instanceof StepOutcomeUnknown) return { unknown: err.reason };
						if (err instanceof Errors.MoleculerError) return { refused: err.code, type: err.type, data: err.data };
						throw err;
					}
				}
			}
		});
		await Promise.all([callee.start(), caller.start()]);
		await caller.waitForServices(["step"], 5000);
	});
	afterAll(async () => {
		release?.();
		await Promise.all([caller.stop(), callee.stop().catch(() => undefined)]);
	});

	it("the answer, and the participant's refusal as it is (final)", async () => {
		expect(await learn(caller, "step.ok")).toEqual({ answer: { n: 2 } });
		expect(await learn(caller, "step.refuse")).toEqual({ refused: 409, type: "ILLEGAL_TRANSITION", data: { status: "received" } });
	});

	it("not done: no such action, or the callee said 503 itself", async () => {
		expect(await learn(caller, "step.none")).toEqual({ notDone: "SERVICE_NOT_FOUND" });
		expect(await learn(caller, "step.busy")).toEqual({ notDone: "SERVICE_UNAVAILABLE" });
	});

	it("outcome unknown: the caller's timeout", async () => {
		expect(await learn(caller, "step.slow", 100)).toEqual({ unknown: "REQUEST_TIMEOUT" });
	});

	it("outcome unknown: the callee's node left while the call was in flight (REQUEST_REJECTED, code 503)", async () => {
		const pending = learn(caller, "step.hang", 10000);
		while (!started.includes("hang")) await new Promise(r => setTimeout(r, 10));
		// The handler ran (it may have committed); its node goes away without answering.
		await callee.transit!.sendDisconnectPacket();
		caller.registry.nodes.disconnected(callee.nodeID, false);
		expect(await pending).toEqual({ unknown: "REQUEST_REJECTED" });
	});
});
