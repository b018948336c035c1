/**
 * A system's manifest: everything the rest of the product needs to know about a system, said once in its
 * folder (services/<system>/system.ts) — its contexts, HTTP routes, API docs, the demo accounts it needs and
 * its saga. services/systems.ts lists the manifests; the gateway (routes, docs), identity (demo accounts),
 * the embedded test support, the cluster launcher, the Helm chart's context list and the contract test read
 * that list. Adding a system is its folder plus one line there.
 */
import type { AccountEntry, EventMap, ReliabilityDeclaration, Saga, SagaTable } from "../domain";
import type { ApiDocs } from "../lib/openapi";

/** A system as it is written (its contexts and events typed), see `SystemManifest` for how it is read. */
export interface SystemDefinition<C extends string, E extends EventMap> {
	/** `/api/<name>`, `<name>.<context>` services, `<name>.<EventType>` channels. */
	name: string;
	title: string;
	/** What it is, in a sentence or two (the OpenAPI tag's description). */
	description: string;
	/** Its bounded contexts: `services/<name>/<context>.service.ts` each (one process each in a cluster). */
	contexts: readonly C[];
	/** HTTP routes under `/api/<name>`, by context: `"POST /orders": "place"` calls `<name>.order.place`. */
	routes: { readonly [K in C]?: Readonly<Record<string, string>> };
	docs: ApiDocs;
	/** The accounts a new user needs to try every flow (seeded in the embedded default only). */
	accounts: readonly AccountEntry[];
	saga: Saga<C, E>;
	/** A walkthrough beyond the README, if any. */
	guide?: string;
	/**
	 * The reliability suite (docs/reliability.md): contexts — for the step scenarios, steps of `saga.steps` — it is not
	 * run for, each with the reason (e.g. a synchronous participant of placing, whose being down is step-down's).
	 */
	reliability?: ReliabilityDeclaration<C>;
}

/** Any system, as the gateway, the launcher, the chart and the tests read it. */
export interface SystemManifest extends Omit<SystemDefinition<string, EventMap>, "saga" | "routes" | "reliability"> {
	routes: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;
	saga: SagaTable;
	reliability?: ReliabilityDeclaration;
}

/** A system's manifest, checked against its contexts and its events. */
export function defineSystem<C extends string, E extends EventMap>(manifest: SystemDefinition<C, E>): SystemManifest {
	return manifest;
}

/** The gateway aliases of a system: `"POST /orders": "flowerdelivery.order.place"`. */
export function aliasesOf(system: SystemManifest): Record<string, string> {
	const aliases: Record<string, string> = {};
	for (const context of system.contexts) {
		for (const [route, action] of Object.entries(system.routes[context] ?? {})) aliases[route] = `${system.name}.${context}.${action}`;
	}
	return aliases;
}

/** `<system>/<context>`: the SERVICES value (moleculer-runner) of one context. */
export const servicesOf = (system: SystemManifest, context: string) => `${system.name}/${context}`;
