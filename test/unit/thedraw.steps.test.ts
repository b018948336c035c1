/**
 * What the caller of a saga's synchronous step learns (mixins/sync-step.ts `callStep`), as The Draw's
 * checkout relies on it twice (order → auth.certify, auth → identity.verifyPassword): a participant that is
 * not there, or whose circuit is open, did not refuse — it did not run (StepNotDone), although Moleculer codes
 * those errors 404; a 4xx answer of the participant is its refusal; a timeout is an unknown outcome.
 */
import { Context, Errors, ServiceBroker } from "moleculer";
import { participant } from "../../domain";
import { callStep, isRefusal, StepNotDone, StepOutcomeUnknown } from "../../mixins/sync-step";

let broker: ServiceBroker;

beforeAll(async () => {
	broker = new ServiceBroker({ logger: false, nodeID: `steps-${process.pid}` });
	broker.createService({
		name: "steps",
		actions: {
			ok: () => ({ certified: true }),
			refuse: () => {
				throw new Errors.MoleculerClientError("not certified", 403, "FORBIDDEN");
			},
			busy: () => {
				throw new Errors.MoleculerError("busy", 503, "SERVICE_UNAVAILABLE");
			},
			slow: () => new Promise(resolve => setTimeout(() => resolve({}), 300))
		}
	});
	await broker.start();
});
afterAll(() => broker.stop());

const call = (action: string, timeoutMs = 1000) => callStep(Context.create(broker), participant<object, unknown>(action), {}, { timeoutMs });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

describe("callStep: refusal, not done, unknown", () => {
	it("answers the participant's answer", async () => {
		await expect(call("steps.ok")).resolves.toEqual({ certified: true });
	});

	it("a 4xx of the participant is its refusal, thrown as it is", async () => {
		const err = await failure(call("steps.refuse"));
		expect(err).toBeInstanceOf(Errors.MoleculerClientError);
		expect(isRefusal(err)).toBe(true);
	});

	it("no instance of the participant (404-coded by Moleculer) is not a refusal: the step did not run", async () => {
		const notFound = new Errors.ServiceNotFoundError({ action: "steps.gone" });
		const notAvailable = new Errors.ServiceNotAvailableError({ action: "steps.gone" });
		expect([notFound.code, notAvailable.code]).toEqual([404, 404]);
		expect([isRefusal(notFound), isRefusal(notAvailable), isRefusal(new Errors.QueueIsFullError({ action: "x" }))]).toEqual([false, false, false]);
		const err = await failure(call("steps.gone"));
		expect(err).toBeInstanceOf(StepNotDone);
		expect((err as StepNotDone).reason).toBe("SERVICE_NOT_FOUND");
	});

	it("the participant's 503 is not done; a timeout is an unknown outcome", async () => {
		expect(await failure(call("steps.busy"))).toBeInstanceOf(StepNotDone);
		const slow = await failure(call("steps.slow", 50));
		expect(slow).toBeInstanceOf(StepOutcomeUnknown);
		expect((slow as StepOutcomeUnknown).reason).toBe("REQUEST_TIMEOUT");
	});
});
