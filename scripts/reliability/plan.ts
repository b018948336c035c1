/**
 * What the reliability suite runs for a system, read from its manifest and its saga table
 * (services/<system>/system.ts) — nothing here names a system:
 * - supporting-down: every context but the core one (the one taking placements);
 * - replicas: every context the saga table names as a consumer of some event;
 * - kill-each and rolling-restart: every context;
 * - step-down, step-saturated, step-slow: every step of the saga table (its owner is the participant faulted).
 * A target the manifest opts out of (`reliability.optOut[scenario][target]`) is skipped with its reason.
 * Plain functions, unit-tested (test/unit/reliability.test.ts).
 */
import { RELIABILITY_SCENARIOS, type ReliabilityScenario } from "../../domain";
import type { SystemManifest } from "../../services/system";

export interface PlanRow {
	scenario: ReliabilityScenario;
	/** A context, or for the step scenarios a step of the saga table. */
	target: string;
	/** Why the manifest opts it out (absent: it runs). */
	skip?: string;
}

/** The context that takes the system's placements, from the scope of its placing service (`flowerdelivery.order` → `order`). */
export function coreContext(system: SystemManifest, placeScope: string): string {
	const [name, context] = placeScope.split(".");
	if (name !== system.name || !system.contexts.includes(context)) throw new Error(`${placeScope} is no context of ${system.name}`);
	return context;
}

/** The contexts that consume at least one event of the saga table. */
export function consumerContexts(system: SystemManifest): string[] {
	const consumers = new Set(Object.values(system.saga.events).flatMap(e => e.consumers));
	return system.contexts.filter(c => consumers.has(c));
}

/** The targets of a scenario, before opt-outs. */
export function targetsOf(system: SystemManifest, core: string, scenario: ReliabilityScenario): string[] {
	switch (scenario) {
		case "supporting-down":
			return system.contexts.filter(c => c !== core);
		case "replicas":
			return consumerContexts(system);
		case "kill-each":
		case "rolling-restart":
			return [...system.contexts];
		case "step-down":
		case "step-saturated":
		case "step-slow":
			return Object.keys(system.saga.steps);
	}
}

/** Every scenario × target of a system (of `scenarios`, default all), each run or skipped with the manifest's reason. */
export function planOf(system: SystemManifest, core: string, scenarios: readonly ReliabilityScenario[] = RELIABILITY_SCENARIOS): PlanRow[] {
	const optOut = system.reliability?.optOut ?? {};
	return scenarios.flatMap(scenario => {
		const reasons: Readonly<Record<string, string | undefined>> = optOut[scenario] ?? {};
		return targetsOf(system, core, scenario).map(target => {
			const skip = reasons[target];
			return skip === undefined ? { scenario, target } : { scenario, target, skip };
		});
	});
}

/** What is wrong with a manifest's opt-outs: an empty reason, an unknown scenario, a target the scenario does not have. */
export function optOutProblems(system: SystemManifest, core: string): string[] {
	const problems: string[] = [];
	for (const [scenario, reasons] of Object.entries(system.reliability?.optOut ?? {})) {
		if (!(RELIABILITY_SCENARIOS as readonly string[]).includes(scenario)) {
			problems.push(`${system.name}: opt-out of an unknown scenario "${scenario}"`);
			continue;
		}
		const targets = targetsOf(system, core, scenario as ReliabilityScenario);
		for (const [target, reason] of Object.entries(reasons ?? {})) {
			if (typeof reason !== "string" || reason.trim() === "") problems.push(`${system.name}: ${scenario} of ${target} is opted out without a reason`);
			if (!targets.includes(target)) problems.push(`${system.name}: ${scenario} has no target "${target}" (it has ${targets.join(", ")})`);
		}
	}
	return problems;
}
