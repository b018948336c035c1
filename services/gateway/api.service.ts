/**
 * api — the only HTTP entry (moleculer-web): REST per system under /api/<system>, health probes, and one
 * error format ({ name, message, code, type, data }, never a stack trace) with the status the spec names.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors, type Service, type ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { config } from "../../config";
import type { ContextSchema } from "../../mixins/schema";
import { flowerDeliveryRoutes } from "../flowerdelivery/routes";

interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type?: string;
	data?: unknown;
}

/** Errors that mean "a dependency is overloaded or down": answered 503 with Retry-After. */
const UNAVAILABLE = new Set(["SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE", "REQUEST_TIMEOUT", "QUEUE_FULL", "CIRCUIT_BREAKER_OPEN", "SERVICE_UNAVAILABLE"]);

export function toErrorResponse(err: unknown, retryAfter: number): { status: number; body: ErrorBody; retryAfter?: number } {
	if (err instanceof Errors.MoleculerError) {
		const type = err.type;
		if (UNAVAILABLE.has(type) || err.code === 503) {
			const data = typeof err.data === "object" && err.data !== null && "retryAfter" in err.data ? err.data : { retryAfter, cause: type };
			const seconds = typeof data.retryAfter === "number" ? data.retryAfter : retryAfter;
			return { status: 503, retryAfter: seconds, body: { name: "ServiceUnavailableError", message: err.code === 503 ? err.message : "A dependency is overloaded or down: please try again shortly", code: 503, type: "SERVICE_UNAVAILABLE", data } };
		}
		const status = err.code >= 400 && err.code < 600 ? err.code : 500;
		if (status >= 500) return { status, body: { name: err.name, message: "Internal error", code: status, type } };
		return { status, body: { name: err.name, message: err.message, code: status, type, data: err.data } };
	}
	return { status: 500, body: { name: "InternalError", message: "Internal error", code: 500 } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	if (res.headersSent) {
		res.end();
		return;
	}
	res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
	res.end(JSON.stringify(body));
}

interface GatewayVars {
	shuttingDown: boolean;
}
type GatewayService = Service & GatewayVars;

function readiness(broker: ServiceBroker, shuttingDown: boolean): { ready: boolean; checks: Record<string, boolean> } {
	const transit = broker.transit;
	const available = new Set(broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).map(s => s.name));
	const checks: Record<string, boolean> = {
		started: broker.started,
		transporter: transit ? transit.connected : true,
		notShuttingDown: !shuttingDown
	};
	for (const name of config.requiredServices) checks[`service:${name}`] = available.has(name);
	return { ready: Object.values(checks).every(Boolean), checks };
}

const service: ContextSchema<object, object, GatewayVars> = {
	name: "api",
	mixins: [ApiGateway],

	settings: {
		port: config.port,
		ip: "0.0.0.0",
		log4XXResponses: false,
		logRequest: "debug",
		logResponse: "debug",
		routes: [
			{
				path: "/",
				authorization: false,
				mappingPolicy: "restrict",
				aliases: {
					"GET live"(req: IncomingMessage, res: ServerResponse) {
						sendJson(res, 200, { status: "alive" });
					},
					"GET ready"(this: GatewayService, req: IncomingMessage, res: ServerResponse) {
						const r = readiness(this.broker, this.shuttingDown);
						sendJson(res, r.ready ? 200 : 503, { status: r.ready ? "ready" : "not ready", checks: r.checks });
					}
				}
			},
			{
				path: "/api/flowerdelivery",
				mappingPolicy: "restrict",
				aliases: flowerDeliveryRoutes,
				bodyParsers: { json: { strict: true, limit: "64kb" }, urlencoded: { extended: false, limit: "64kb" } },
				mergeParams: true
			}
		],
		onError(this: GatewayService, req: IncomingMessage, res: ServerResponse, err: Error) {
			const { status, body, retryAfter } = toErrorResponse(err, config.resilience.retryAfterSeconds);
			if (status >= 500 && status !== 503) this.logger.error("Request failed", req.method, req.url, err);
			sendJson(res, status, body, retryAfter ? { "Retry-After": String(retryAfter) } : {});
		}
	},

	created(this: GatewayService) {
		this.shuttingDown = false;
	},

	stopped(this: GatewayService) {
		this.shuttingDown = true;
	}
};

export default service;
