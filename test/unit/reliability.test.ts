/**
 * The reliability suite's plan and checks, without a cluster (the suite itself: test/cluster/reliability.test.ts):
 * every opt-out of every manifest carries a reason and names a real target; every synchronous step of every
 * saga table is exercised or opted out; the checks of the step scenarios fail on planted defects; the fault
 * config delays exactly the actions it lists.
 */
import { RELIABILITY_SCENARIOS, STEP_SCENARIOS } from "../../domain";
import type { SystemManifest } from "../../services/system";
import { SYSTEMS } from "../../services/systems";
import { delayed, delayMiddleware, parseDelays, withDelays } from "../../scripts/chaos/fault-config";
import { driverOf } from "../../scripts/chaos/drivers";
import { consumerContexts, coreContext, optOutProblems, planOf } from "../../scripts/reliability/plan";
import { formatReport } from "../../scripts/reliability/report";
import { STEP_EXERCISES } from "../../scripts/reliability/steps";
import { breakerOpened, groupsOf, handledIn, judgeStepPart, reachedEnough, sizesFromEnv } from "../../scripts/reliability/suite";

const coreOf = (system: SystemManifest) => coreContext(system, driverOf(system.name).placeScope);

describe("reliability suite: the plan from each manifest", () => {
	it.each(SYSTEMS.map(s => ({ name: s.name, system: s })))("$name: every opt-out has a reason and names a target of its scenario", ({ system }) => {
		expect(optOutProblems(system, coreOf(system))).toEqual([]);
		for (const row of planOf(system, coreOf(system))) if (row.skip !== undefined) expect(row.skip.trim().length).toBeGreaterThan(20);
	});

	it.each(SYSTEMS.map(s => ({ name: s.name, system: s })))("$name: every step of its saga table is exercised, or opted out with a reason", ({ name, system }) => {
		for (const scenario of STEP_SCENARIOS) {
			const skipped = system.reliability?.optOut?.[scenario] ?? {};
			const missing = Object.keys(system.saga.steps).filter(step => !STEP_EXERCISES[name]?.[step] && !skipped[step]);
			expect({ scenario, missing }).toEqual({ scenario, missing: [] });
		}
	});

	it.each(SYSTEMS.map(s => ({ name: s.name, system: s })))("$name: every scenario runs for at least one target", ({ system }) => {
		const plan = planOf(system, coreOf(system));
		for (const scenario of RELIABILITY_SCENARIOS) expect(plan.filter(r => r.scenario === scenario && r.skip === undefined).length).toBeGreaterThan(0);
	});

	it("reads the targets from the manifest and the saga table (flower delivery)", () => {
		const flower = SYSTEMS.find(s => s.name === "flowerdelivery")!;
		expect(coreOf(flower)).toBe("order");
		const plan = planOf(flower, "order");
		const of = (scenario: string) => plan.filter(r => r.scenario === scenario).map(r => `${r.target}${r.skip ? " (skipped)" : ""}`);
		expect(of("supporting-down")).toEqual(["payment (skipped)", "store", "delivery", "mypage"]);
		for (const scenario of STEP_SCENARIOS) expect(of(scenario)).toEqual(["pay", "cancelDelivery"]);
		expect(of("kill-each")).toEqual(flower.contexts);
		expect(consumerContexts(flower)).toEqual(["order", "payment", "store", "delivery", "mypage"]);
		// The Draw's auth consumes no event: it has no replicas to share work.
		expect(consumerContexts(SYSTEMS.find(s => s.name === "thedraw")!)).not.toContain("auth");
	});

	it("finds an opt-out without a reason, of an unknown target or scenario (planted)", () => {
		const flower = SYSTEMS.find(s => s.name === "flowerdelivery")!;
		const planted = { ...flower, reliability: { optOut: { "supporting-down": { store: " ", order: "the core context is no supporting context" }, "step-slow": { refund: "no such step" } } } };
		expect(optOutProblems(planted, "order")).toEqual([
			"flowerdelivery: supporting-down of store is opted out without a reason",
			"flowerdelivery: supporting-down has no target \"order\" (it has payment, store, delivery, mypage)",
			"flowerdelivery: step-slow has no target \"refund\" (it has pay, cancelDelivery)"
		]);
		const unknown = { ...flower, reliability: { optOut: JSON.parse('{"soak": {"store": "not a scenario"}}') } };
		expect(optOutProblems(unknown, "order")).toEqual(['flowerdelivery: opt-out of an unknown scenario "soak"']);
	});
});

describe("reliability suite: the step checks bite (planted answers)", () => {
	const a = (status: number, ms: number, retryAfter = status === 503, cause = "") => ({ status, ms, retryAfter, cause });

	it("down: only fast 503s with Retry-After pass", () => {
		expect(judgeStepPart("step-down", [a(503, 20), a(503, 30)], [201], 610)).toEqual([]);
		expect(judgeStepPart("step-down", [a(503, 20), a(500, 30)], [201], 610)).toHaveLength(1);
		expect(judgeStepPart("step-down", [a(503, 20, false)], [201], 610)).toHaveLength(1);
		expect(judgeStepPart("step-down", [a(503, 2500)], [201], 610)).toHaveLength(1);
		expect(judgeStepPart("step-down", [], [201], 610)).toEqual(["step-down: no shot was fired"]);
	});

	it("saturated: successes and 503s with Retry-After, some of each", () => {
		expect(judgeStepPart("step-saturated", [a(201, 250), a(503, 5), a(503, 6)], [201], 610)).toEqual([]);
		expect(judgeStepPart("step-saturated", [a(201, 250), a(503, 5), a(504, 700)], [201], 610)).toHaveLength(1);
		expect(judgeStepPart("step-saturated", [a(201, 250), a(201, 300)], [201], 610)).toEqual(["no shot was turned away (503): the bulkhead was never full"]);
		expect(judgeStepPart("step-saturated", [a(503, 5), a(503, 6)], [201], 610)).toEqual(["no shot got through the bulkhead"]);
		expect(judgeStepPart("step-saturated", [a(409, 30), a(503, 5)], [200, 409], 610)).toEqual([]);
	});

	it("slow: timeouts (504 or 503), then the breaker answers fast", () => {
		expect(judgeStepPart("step-slow", [a(503, 620), a(504, 615), a(503, 4), a(503, 3)], [201], 610)).toEqual([]);
		expect(judgeStepPart("step-slow", [a(503, 620), a(503, 640), a(503, 650)], [201], 610)).toEqual([expect.stringContaining("the breaker never opened")]);
		expect(judgeStepPart("step-slow", [a(503, 5), a(503, 4)], [201], 610)).toEqual([expect.stringContaining("not slower than its caller")]);
		expect(judgeStepPart("step-slow", [a(503, 620), a(201, 900), a(503, 4)], [201], 610)).toEqual([expect.stringContaining("expected 504 or 503")]);
		// A refusal of the caller itself (409: the saga moved on) never reached the step: not judged, unless every shot was one.
		expect(judgeStepPart("step-slow", [a(504, 620), a(409, 4), a(503, 3)], [200, 409], 610, [409])).toEqual([]);
		expect(judgeStepPart("step-slow", [a(504, 620), a(409, 4), a(503, 3)], [200, 409], 610)).toEqual([expect.stringContaining("got 409")]);
		expect(judgeStepPart("step-down", [a(409, 4)], [200, 409], 610, [409])).toEqual([expect.stringContaining("none reached the step")]);
		// The breaker is seen open at the first fast 503 after a timeout, not at a fast one before it.
		expect(breakerOpened([a(503, 3), a(504, 640), a(503, 700), a(503, 5), a(503, 2)], 610)).toEqual({ at: 3, fastestMs: 2 });
		expect(breakerOpened([a(503, 3), a(504, 640)], 610)).toBeUndefined();
	});

	it("one after the other, shots are fired until enough reached the step (the caller's own refusals do not count)", () => {
		const until = { wanted: 3, refusals: [409] };
		expect(reachedEnough([a(504, 620), a(409, 4), a(504, 620)], until)).toBe(false);
		expect(reachedEnough([a(504, 620), a(409, 4), a(504, 620), a(503, 3)], until)).toBe(true);
		expect(reachedEnough([a(409, 4), a(409, 4), a(409, 4)], until)).toBe(false);
		expect(reachedEnough([a(409, 4), a(409, 4), a(409, 4)], { wanted: 3, refusals: [] })).toBe(true);
	});
});

describe("reliability suite: helpers", () => {
	it("counts the events a log says were handled after an offset", () => {
		const line = (eventId: string) => JSON.stringify({ level: "debug", msg: `handled OrderPlaced ${eventId}`, handled: "OrderPlaced", eventId, key: "o1" });
		const before = `${line("e1")}\nnot json\n`;
		const log = `${before}${line("e2")}\n{"level":"info","msg":"x"}\n${line("e3")}\n`;
		expect(handledIn(log)).toEqual(["e1", "e2", "e3"]);
		expect(handledIn(log, before.length)).toEqual(["e2", "e3"]);
	});

	it("runs consecutive step scenarios as one group (one audit after them)", () => {
		expect(groupsOf(RELIABILITY_SCENARIOS)).toEqual([["supporting-down"], ["replicas"], ["kill-each"], ["step-down", "step-saturated", "step-slow"], ["rolling-restart"]]);
		expect(groupsOf(["step-slow", "replicas", "step-down"])).toEqual([["step-slow"], ["replicas"], ["step-down"]]);
	});

	it("reads sizes from RELIABILITY_* and refuses a malformed one", () => {
		expect(sizesFromEnv({ RELIABILITY_KILL_SAGAS: "200" }).killSagas).toBe(200);
		expect(() => sizesFromEnv({ RELIABILITY_BURST: "lots" })).toThrow("RELIABILITY_BURST");
	});

	it("prints each row, a skip with its reason and a failure under its row", () => {
		const text = formatReport({
			system: "flowerdelivery",
			seed: "1",
			ms: 61000,
			rows: [
				{ scenario: "supporting-down", target: "payment", skip: "synchronous step of placing", ok: true, figures: {}, failures: [] },
				{ scenario: "supporting-down", target: "store", ok: false, figures: { "placed while down": "3/3" }, failures: ["lost ×1"] }
			]
		});
		expect(text).toContain("SKIP  opted out: synchronous step of placing");
		expect(text).toContain("FAIL  placed while down: 3/3");
		expect(text).toContain("✗ lost ×1");
		expect(text.split("\n")[0]).toContain("FAIL");
	});
});

describe("fault config (scripts/chaos/fault-config.ts)", () => {
	it("parses CHAOS_DELAY and refuses a malformed entry", () => {
		expect([...parseDelays("flowerdelivery.payment.pay:300, warehouse.warehouse.book:1200")]).toEqual([
			["flowerdelivery.payment.pay", 300],
			["warehouse.warehouse.book", 1200]
		]);
		expect(parseDelays(undefined).size).toBe(0);
		for (const bad of ["pay", "pay:", ":300", "pay:-1", "pay:1.5", "pay:ten"]) expect(() => parseDelays(bad)).toThrow("CHAOS_DELAY");
	});

	it("delays the listed actions only, and puts its middleware innermost", async () => {
		const delays = parseDelays("a.b.slow:120");
		const handler = async (x: number) => x + 1;
		const t = Date.now();
		await expect(delayed(handler, delays.get("a.b.slow")!)(1)).resolves.toBe(2);
		expect(Date.now() - t).toBeGreaterThanOrEqual(110);
		expect(delays.get("a.b.fast")).toBeUndefined();
		expect(delayMiddleware(delays).name).toBe("ChaosDelay");
		const options = withDelays({ middlewares: ["Bulkhead"] }, delays);
		expect((options.middlewares ?? []).map(m => (typeof m === "string" ? m : m.name))).toEqual(["ChaosDelay", "Bulkhead"]);
	});
});
