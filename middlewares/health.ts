/**
 * Liveness and readiness of a broker, shared by the gateway's /live and /ready and by the small health
 * server every other process opens on HEALTH_PORT (for Kubernetes probes and the local cluster launcher).
 *
 * ready = started (every middleware too: channels subscribed, then the node announced), transporter
 * connected, required services discovered, and not shutting down: on SIGTERM the broker's `stopping` hook
 * turns readiness false before anything else stops.
 */
import http from "node:http";
import type { Middleware, ServiceBroker } from "moleculer";

interface HealthState {
	stopping: boolean;
	/** Other nodes have been told about this node's services (so they can route requests to it). */
	announced: boolean;
	/** When the transporter was first seen disconnected (ms), for liveness. */
	disconnectedSince?: number;
	/** The NATS client's own view: false between its "disconnect" and "reconnect" (Moleculer keeps
	 *  `transit.connected` true while the client reconnects). */
	natsUp: boolean;
}

interface NatsStatus {
	type: string;
}

/** The NATS transporter's client, when there is one (its status stream says when the connection is lost). */
function natsClientOf(broker: ServiceBroker): { status(): AsyncIterable<NatsStatus> } | undefined {
	const tx: unknown = broker.transit?.tx;
	if (typeof tx !== "object" || tx === null || !("client" in tx)) return undefined;
	const client: unknown = tx.client;
	if (typeof client !== "object" || client === null || !("status" in client) || typeof client.status !== "function") return undefined;
	return client as { status(): AsyncIterable<NatsStatus> };
}

function transporterUp(broker: ServiceBroker): boolean {
	return broker.transit ? broker.transit.connected && stateOf(broker).natsUp : true;
}

const states = new WeakMap<ServiceBroker, HealthState>();

function stateOf(broker: ServiceBroker): HealthState {
	let s = states.get(broker);
	if (!s) states.set(broker, (s = { stopping: false, announced: false, natsUp: true }));
	return s;
}

export interface Readiness {
	ready: boolean;
	checks: Record<string, boolean>;
}

export function readiness(broker: ServiceBroker, requiredServices: string[]): Readiness {
	const state = stateOf(broker);
	const available = new Set(broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).map(s => s.name));
	const checks: Record<string, boolean> = {
		started: broker.started,
		transporter: transporterUp(broker),
		announced: state.announced,
		notShuttingDown: !state.stopping
	};
	for (const name of requiredServices) checks[`service:${name}`] = available.has(name);
	return { ready: Object.values(checks).every(Boolean), checks };
}

/** Alive unless the transporter has been lost for longer than `maxDisconnectedMs` (then a restart may help). */
export function liveness(broker: ServiceBroker, maxDisconnectedMs: number): { alive: boolean; disconnectedMs: number } {
	const state = stateOf(broker);
	const connected = transporterUp(broker);
	if (connected || state.stopping) state.disconnectedSince = undefined;
	else state.disconnectedSince ??= Date.now();
	const disconnectedMs = state.disconnectedSince ? Date.now() - state.disconnectedSince : 0;
	return { alive: disconnectedMs <= maxDisconnectedMs, disconnectedMs };
}

export interface HealthOptions {
	port: number | undefined;
	requiredServices: string[];
	maxDisconnectedMs: number;
}

function send(res: http.ServerResponse, ok: boolean, body: object): void {
	res.writeHead(ok ? 200 : 503, { "Content-Type": "application/json; charset=utf-8" });
	res.end(JSON.stringify(body));
}

/** Tracks shutdown for readiness and, when a port is given, serves GET /live and GET /ready on it. */
export function healthMiddleware(opts: HealthOptions): Middleware {
	let server: http.Server | undefined;
	return {
		name: "Health",
		created(broker: ServiceBroker) {
			stateOf(broker);
		},
		async started(broker: ServiceBroker) {
			const state = stateOf(broker);
			const nats = natsClientOf(broker);
			if (nats) {
				void (async () => {
					for await (const status of nats.status()) {
						if (status.type === "disconnect") state.natsUp = false;
						else if (status.type === "reconnect") state.natsUp = true;
					}
				})();
			}
			if (opts.port === undefined) return;
			server = http.createServer((req, res) => {
				if (req.url === "/live") {
					const l = liveness(broker, opts.maxDisconnectedMs);
					return send(res, l.alive, { status: l.alive ? "alive" : "transporter lost", ...l });
				}
				if (req.url === "/ready") {
					const r = readiness(broker, opts.requiredServices);
					return send(res, r.ready, { status: r.ready ? "ready" : "not ready", checks: r.checks });
				}
				send(res, false, { status: "not found" });
			});
			await new Promise<void>(resolve => server!.listen(opts.port, "0.0.0.0", resolve));
		},
		async stopping(broker: ServiceBroker) {
			stateOf(broker).stopping = true;
		},
		async stopped() {
			if (server) await new Promise<void>(resolve => server!.close(() => resolve()));
		}
	};
}

/**
 * Ready only once the whole start is done: placed last among the middlewares, its `started` hook runs after
 * every other one. Moleculer sets `broker.started` before the middlewares' `started` hooks, and the channels
 * middleware subscribes its consumer groups in its hook; a process that said ready before that could be
 * counted as up and then exit on a failed subscription (NATS just restarted), a start Kubernetes would
 * retry but no one would know to. Then it announces the node's services to the others, which Moleculer
 * does debounced (transit.serviceChangedDebounceTime, 1 s): until they know, they can't route to it, so a
 * rolling update never stops the old instance while the new one is still unknown to its callers.
 */
export function readyMiddleware(): Middleware {
	return {
		name: "Ready",
		async started(broker: ServiceBroker) {
			if (broker.transit) await broker.registry.discoverer.sendLocalNodeInfo();
			stateOf(broker).announced = true;
		}
	};
}
