/**
 * The reliability suite's scenarios (scripts/reliability/, docs/reliability.md), named once so that a system's
 * manifest can opt a context out of one — only with the reason written down. Plain TypeScript.
 */

/**
 * - `supporting-down`: a context other than the one taking placements is stopped while its upstream keeps
 *   taking requests; after it restarts it catches up, each effect once.
 * - `replicas`: two replicas of every consumer context (sharing the store): every event handled once in effect.
 * - `kill-each`: SIGKILL of each context in turn while sagas flow: nothing lost, nothing doubled, every saga terminal.
 * - `step-down`, `step-saturated`, `step-slow`: each synchronous step of the saga table with its participant
 *   down (503 + Retry-After, fast), saturated (its bulkhead small and full: only successes or 503 +
 *   Retry-After) and slower than its caller's timeout (504 or 503, then the breaker opens and answers fast);
 *   after settling, no orphan side effect.
 * - `rolling-restart`: a second instance started on the same data, ready, then the old one SIGTERMed, under load: 0 failed requests.
 */
export const RELIABILITY_SCENARIOS = ["supporting-down", "replicas", "kill-each", "step-down", "step-saturated", "step-slow", "rolling-restart"] as const;
export type ReliabilityScenario = (typeof RELIABILITY_SCENARIOS)[number];

/** The scenarios whose targets are the steps of the saga table (by name: `pay`, `cancelDelivery`, …), not contexts. */
export const STEP_SCENARIOS = ["step-down", "step-saturated", "step-slow"] as const satisfies readonly ReliabilityScenario[];
export type StepScenario = (typeof STEP_SCENARIOS)[number];

/**
 * What a system declares about the suite: per scenario, the contexts (for the step scenarios: the steps of
 * its saga table, by name) it is not run for, each with its reason — never empty (test/unit/reliability.test.ts).
 */
export interface ReliabilityDeclaration<Context extends string = string> {
	optOut?: { readonly [S in Exclude<ReliabilityScenario, StepScenario>]?: { readonly [T in Context]?: string } } & { readonly [S in StepScenario]?: Readonly<Record<string, string>> };
}

export function isReliabilityScenario(name: string): name is ReliabilityScenario {
	return (RELIABILITY_SCENARIOS as readonly string[]).includes(name);
}

export function isStepScenario(name: string): name is StepScenario {
	return (STEP_SCENARIOS as readonly string[]).includes(name);
}
