/**
 * operations — what the console's panel of contexts shows, read from this broker (any node sees the whole
 * registry):
 *
 *   operations.contexts      nodes and services, up (the registry's heartbeats) and ready (this node's
 *                            probe), circuit breakers, each consumer group's lag, the dead letters counted
 *   operations.deadLetters   the dead letters themselves, with their error (admins only: they carry orders)
 *
 * Circuit breakers are kept by the calling broker (Moleculer's CircuitBreaker middleware): in the embedded
 * default that is every call, in a cluster only the calls of the node answering. Lag and dead letters come
 * from the durable channels (middlewares/channel-ops.ts): the embedded default's SQLite, or JetStream.
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import { readiness } from "../../middlewares/health";
import { channelOps, ofSystem, type ConsumerLag, type DeadLetter } from "../../middlewares/channel-ops";
import type { ContextSchema } from "../../mixins/schema";

export interface NodeState {
	id: string;
	/** This process. */
	local: boolean;
	/** Seen alive by the registry (heartbeats in a cluster; always for this process). */
	up: boolean;
	/** This process's readiness probe (/ready); unknown for other nodes. */
	ready?: boolean;
	services: string[];
}

export interface ServiceState {
	name: string;
	/** Nodes running it, and whether each is available. */
	nodes: { id: string; up: boolean }[];
}

export interface BreakerState {
	action: string;
	node: string;
	/** Moleculer's states: close (calls pass), open (calls fail fast), half_open (one trial call), half_open_wait. */
	state: "close" | "open" | "half_open" | "half_open_wait";
	/** Requests and failures counted in the current window. */
	requests: number;
	failures: number;
}

export interface ContextsState {
	at: string;
	/** The node answering (its breakers, its readiness). */
	node: string;
	nodes: NodeState[];
	services: ServiceState[];
	breakers: BreakerState[];
	channels: {
		/** Which durable channels this broker has: the embedded default's ("local"), JetStream, or none. */
		kind: "local" | "jetstream" | "none";
		/** Every consumer group's lag (groups owing nothing included where the adapter lists them). */
		lag: ConsumerLag[];
		deadLetters: { count: number; byGroup: Record<string, number> };
	};
}

/** The parts of Moleculer's circuit-breaker store (`broker.CircuitBreakerStore`) read here. */
interface BreakerItem {
	ep: { id?: unknown; name?: unknown; action?: { name?: unknown } };
	state: unknown;
	count: unknown;
	failures: unknown;
}

const STATES = new Set(["close", "open", "half_open", "half_open_wait"]);

function breakersOf(broker: unknown): BreakerState[] {
	const store: unknown = typeof broker === "object" && broker !== null && "CircuitBreakerStore" in broker ? broker.CircuitBreakerStore : undefined;
	if (!(store instanceof Map)) return [];
	const out: BreakerState[] = [];
	for (const item of store.values() as IterableIterator<BreakerItem>) {
		const action = item.ep.action?.name;
		const state = item.state;
		if (typeof action !== "string" || typeof state !== "string" || !STATES.has(state)) continue;
		out.push({ action, node: typeof item.ep.id === "string" ? item.ep.id : "?", state: state as BreakerState["state"], requests: Number(item.count) || 0, failures: Number(item.failures) || 0 });
	}
	return out.sort((a, b) => a.action.localeCompare(b.action) || a.node.localeCompare(b.node));
}

/** JetStream answers a consumer list with one request per stream: the panel's polls share one answer a while. */
const LAG_CACHE_MS = 2000;

interface OperationsVars {
	lagCache?: { at: number; lag: Promise<ConsumerLag[]> };
}

type OperationsService = Service & OperationsVars;

const service: ContextSchema<object, object, OperationsVars> = {
	name: "operations",

	actions: {
		contexts: {
			// Anyone the console lets in sees the panel; the dead letters themselves are for admins (deadLetters).
			auth: { roles: ["customer", "admin"] },
			params: { $$strict: true },
			async handler(this: OperationsService): Promise<ContextsState> {
				const broker = this.broker;
				const ready = readiness(broker, config.requiredServices).ready;
				const nodes = broker.registry.getNodeList({ onlyAvailable: false, withServices: true }).map(n => ({
					id: n.id,
					local: n.local,
					up: n.available,
					...(n.local ? { ready } : {}),
					services: [...new Set((n.services ?? []).map(s => String(s.name)).filter(name => !name.startsWith("$")))].sort()
				}));
				const byName = new Map<string, ServiceState>();
				for (const s of broker.registry.getServiceList({ onlyLocal: false, onlyAvailable: false, skipInternal: true })) {
					const entry = byName.get(s.name) ?? { name: s.name, nodes: [] };
					entry.nodes.push({ id: s.nodeID ?? "?", up: s.available });
					byName.set(s.name, entry);
				}
				const channels = channelOps(broker, config.channels.deadLetterQueue);
				let lag: ConsumerLag[] = [];
				let letters: DeadLetter[] = [];
				if (channels) {
					const now = Date.now();
					if (!this.lagCache || now - this.lagCache.at > (channels.kind === "jetstream" ? LAG_CACHE_MS : 0)) this.lagCache = { at: now, lag: channels.lag() };
					[lag, letters] = await Promise.all([this.lagCache.lag, channels.deadLetters()]);
				}
				const byGroup: Record<string, number> = {};
				for (const d of letters) byGroup[d.group] = (byGroup[d.group] ?? 0) + 1;
				return {
					at: new Date().toISOString(),
					node: broker.nodeID,
					nodes: nodes.sort((a, b) => Number(b.local) - Number(a.local) || a.id.localeCompare(b.id)),
					services: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
					breakers: breakersOf(broker),
					channels: { kind: channels?.kind ?? "none", lag, deadLetters: { count: letters.length, byGroup } }
				};
			}
		},

		deadLetters: {
			auth: { roles: ["admin"] },
			params: { $$strict: true, system: { type: "string", min: 1, max: 200, optional: true } },
			async handler(this: OperationsService, ctx: Context<{ system?: string }>): Promise<DeadLetter[]> {
				const channels = channelOps(this.broker, config.channels.deadLetterQueue);
				return channels ? ofSystem(await channels.deadLetters(), ctx.params.system) : [];
			}
		}
	}
};

export default service;
