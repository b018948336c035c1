/**
 * api — the only HTTP entry (moleculer-web): REST per system under /api/<system>, health probes, and one
 * error format ({ name, message, code, type, data }, never a stack trace) with the status the spec names.
 * Identity (docs/identity.md): `/oauth/token` and `/.well-known/jwks.json` are open; every `/api/**` route
 * needs a bearer token (services/gateway/auth.ts) and is rate limited per client (429 + Retry-After), except
 * the API's own docs: `/api/openapi.json` and `/api/docs` (services/gateway/docs.ts). Beside the systems:
 * `/api/timeline` (every saga's timeline: services/timeline), `/api/operations` (the panel of contexts:
 * services/operations) and the live console at `/console` (services/gateway/console.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Errors, type Context, type Service } from "moleculer";
import ApiGateway, { type ApiSettingsSchema } from "moleculer-web";
import { config } from "../../config";
import { liveness, readiness } from "../../middlewares/health";
import { prometheusText, requestFields } from "../../middlewares/observability";
import { invalidField } from "../../lib/errors";
import { documented, ERROR_BODY, s } from "../../lib/openapi";
import { IDEMPOTENCY_HEADER, keyProblem } from "../../mixins/idempotency";
import type { ContextSchema } from "../../mixins/schema";
import { identityDocs } from "../identity/openapi";
import { operationsDocs } from "../operations/openapi";
import { aliasesOf, type SystemManifest } from "../system";
import { SYSTEMS } from "../systems";
import { timelineDocs } from "../timeline/openapi";
import { gatewayAuth, rateLimit, retryAfterOf } from "./auth";
import { consoleFeed, consoleRoute } from "./console";
import { docsRoute } from "./docs";

// The probes' answers (both statuses answer the same shape).
const liveBody = s.object<{ status: "alive" | "transporter lost"; alive: boolean; disconnectedMs: number }>({
	status: s.oneOf({ alive: true, "transporter lost": true }),
	alive: s.boolean(),
	disconnectedMs: s.integer({ minimum: 0, description: "How long the transporter has been lost (0: connected)." })
});
const readyBody = s.object<{ status: "ready" | "not ready"; checks: Record<string, boolean> }>({
	status: s.oneOf({ ready: true, "not ready": true }),
	checks: s.untyped<Record<string, boolean>>({ type: "object", description: "started, transporter, announced, notShuttingDown, and `service:<name>` per required service.", additionalProperties: { type: "boolean" } })
});

interface ErrorBody {
	name: string;
	message: string;
	code: number;
	type?: string;
	data?: unknown;
}

/** Errors that mean "a dependency is overloaded or down, and nothing was done": answered 503 with Retry-After. */
const UNAVAILABLE = new Set(["SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE", "QUEUE_FULL", "CIRCUIT_BREAKER_OPEN", "SERVICE_UNAVAILABLE"]);
/** Errors after which a command may or may not have taken effect: its context timed out or went away mid-call. */
const UNKNOWN_OUTCOME = new Set(["REQUEST_TIMEOUT", "REQUEST_REJECTED", "OUTCOME_UNKNOWN"]);

/**
 * The answer of a failed request. `reads`: the request changes nothing (GET), so a timeout is a plain 503
 * (try again); for a command it is a 504 with `data.outcome: "unknown"` — it may have committed, and a retry
 * with the same Idempotency-Key answers what happened.
 */
export function toErrorResponse(err: unknown, retryAfter: number, reads = false): { status: number; body: ErrorBody; retryAfter?: number } {
	if (err instanceof Errors.MoleculerError) {
		const type = err.type;
		if (!reads && UNKNOWN_OUTCOME.has(type)) {
			const cause = type === "OUTCOME_UNKNOWN" && typeof err.data === "object" && err.data !== null && "cause" in err.data ? err.data.cause : type;
			const message = type === "OUTCOME_UNKNOWN" ? err.message : "The request timed out or its service went away: it may or may not have been done; retry with the same Idempotency-Key to learn which";
			return { status: 504, body: { name: "OutcomeUnknownError", message, code: 504, type: "OUTCOME_UNKNOWN", data: { outcome: "unknown", cause } } };
		}
		if (UNAVAILABLE.has(type) || UNKNOWN_OUTCOME.has(type) || err.code === 503) {
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

/**
 * JSON bodies: a `__proto__` key would reach the params through Object.assign as a prototype, not as a field
 * the validator sees; such a body is refused (400) before it gets anywhere.
 */
function refuseProtoKeys(key: string, value: unknown): unknown {
	if (key === "__proto__") throw new SyntaxError('"__proto__" is not allowed as a key');
	return value;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	if (res.headersSent) {
		res.end();
		return;
	}
	res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
	res.end(JSON.stringify(body));
}

const BODY_PARSERS = { json: { strict: true, limit: "64kb", reviver: refuseProtoKeys }, urlencoded: { extended: false, limit: "64kb" } };

interface GatewayMeta {
	idempotencyKey?: string;
}

/**
 * The routes of one system under `/api/<name>` (its manifest's routes): bearer token, rate limit, and the
 * `Idempotency-Key` of a creating POST handed to the action (mixins/idempotency.ts).
 */
function systemRoute(system: SystemManifest) {
	return {
		path: `/api/${system.name}`,
		authentication: true,
		rateLimit: rateLimit("api", config.rateLimit.apiLimit, config.rateLimit, config.redisUrl, true),
		mappingPolicy: "restrict" as const,
		aliases: aliasesOf(system),
		bodyParsers: BODY_PARSERS,
		mergeParams: true,
		onBeforeCall(ctx: Context<unknown, GatewayMeta>, route: unknown, req: IncomingMessage) {
			const key = req.headers[IDEMPOTENCY_HEADER];
			if (key === undefined) return;
			const value = Array.isArray(key) ? key.join(",") : key;
			const problem = keyProblem(value);
			if (problem) throw invalidField("Idempotency-Key", `The Idempotency-Key header ${problem}`, value.slice(0, 300));
			ctx.meta.idempotencyKey = value;
		}
	};
}

/**
 * moleculer-web, but listening only once every service of this process has started (`$broker.started`): in the
 * embedded default the gateway would otherwise take requests — and answer 503 — while the contexts beside it
 * are still starting. In a cluster its process holds the gateway alone (and /ready stays the cluster's signal).
 */
const { started: _listenAtOnce, ...GatewayWithoutListen } = ApiGateway;

interface Listening {
	server: Server;
	settings: ApiSettingsSchema;
}

function listenWhenStarted(this: Service & Listening): Promise<void> {
	return new Promise((resolve, reject) => {
		this.server.once("error", reject);
		this.server.listen(this.settings.port, this.settings.ip, () => {
			const addr = this.server.address() as AddressInfo;
			this.logger.info(`API Gateway listening on http://${addr.address}:${addr.port}`);
			resolve();
		});
	});
}

/** Read-only routes of a context beside the systems (`/api/timeline`, `/api/operations`): bearer token, rate limit. */
function readRoute(path: string, aliases: Record<string, string>) {
	return {
		path,
		authentication: true,
		rateLimit: rateLimit("api", config.rateLimit.apiLimit, config.rateLimit, config.redisUrl, true),
		mappingPolicy: "restrict" as const,
		aliases,
		bodyParsers: BODY_PARSERS,
		mergeParams: true
	};
}

const service: ContextSchema<object, ApiSettingsSchema> = {
	name: "api",
	mixins: [GatewayWithoutListen, gatewayAuth(config), consoleFeed(config.timeline, SYSTEMS)],

	events: {
		"$broker.started": {
			handler(this: Service & Listening) {
				return listenWhenStarted.call(this).catch(err => this.broker.fatal(`Server listening error on port ${this.settings.port}.`, err, true));
			}
		}
	},

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
					"GET live": documented(
						{ summary: "Liveness (the Helm probe)", responses: { 200: { description: "The process is alive.", schema: liveBody }, 503: { description: "The transporter has been lost too long.", schema: liveBody } } },
						function (this: Service, req: IncomingMessage, res: ServerResponse) {
							const l = liveness(this.broker, config.maxDisconnectedMs);
							sendJson(res, l.alive ? 200 : 503, { status: l.alive ? "alive" : "transporter lost", ...l });
						}
					),
					// The Prometheus text of this process's metrics (also served by the reporter on METRICS_PORT).
					"GET metrics": documented(
						{ summary: "Prometheus metrics", responses: { 200: { description: "Metrics in the Prometheus text format.", contentType: "text/plain" }, 404: { description: "Metrics are off (METRICS_PORT not set).", schema: ERROR_BODY } } },
						function (this: Service, req: IncomingMessage, res: ServerResponse) {
							const text = prometheusText(this.broker);
							if (text === undefined) return sendJson(res, 404, { name: "NotFoundError", message: "Metrics are off: set METRICS_PORT to enable them", code: 404, type: "METRICS_DISABLED" });
							res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
							res.end(text);
						}
					),
					"GET ready": documented(
						{ summary: "Readiness (the Helm probe)", responses: { 200: { description: "Started, connected, required services discovered.", schema: readyBody }, 503: { description: "Not ready (or shutting down).", schema: readyBody } } },
						function (this: Service, req: IncomingMessage, res: ServerResponse) {
							const r = readiness(this.broker, config.requiredServices);
							sendJson(res, r.ready ? 200 : 503, { status: r.ready ? "ready" : "not ready", checks: r.checks });
						}
					)
				}
			},
			// The API's OpenAPI document and its docs page, open to anyone (services/gateway/docs.ts).
			docsRoute({ base: "/api", docs: [identityDocs, ...SYSTEMS.map(system => system.docs), timelineDocs, operationsDocs], systems: SYSTEMS }),
			// The live console (its page, its script and style, its event stream) and what it reads.
			consoleRoute(),
			readRoute("/api/timeline", { "GET /": "timeline.systems", "GET /:system": "timeline.list", "GET /:system/:key": "timeline.get" }),
			readRoute("/api/operations", { "GET /contexts": "operations.contexts", "GET /deadletters": "operations.deadLetters" }),
			{
				// OAuth2 token endpoint (form or JSON; HTTP Basic for machine clients), rate limited per address.
				path: "/oauth",
				mappingPolicy: "restrict",
				aliases: { "POST /token": "identity.token" },
				bodyParsers: { json: { strict: true, limit: "16kb", reviver: refuseProtoKeys }, urlencoded: { extended: false, limit: "16kb" } },
				rateLimit: rateLimit("token", config.rateLimit.tokenLimit, config.rateLimit, config.redisUrl, false),
				onBeforeCall(ctx: Context<unknown, { authorization?: string }>, route: unknown, req: IncomingMessage) {
					if (typeof req.headers.authorization === "string") ctx.meta.authorization = req.headers.authorization;
				}
			},
			{
				path: "/.well-known",
				mappingPolicy: "restrict",
				aliases: { "GET /jwks.json": "identity.jwks" }
			},
			...SYSTEMS.map(systemRoute)
		],
		onError(this: Service, req: IncomingMessage, res: ServerResponse, err: Error) {
			const { status, body, retryAfter } = toErrorResponse(err, config.resilience.retryAfterSeconds, req.method === "GET" || req.method === "HEAD");
			if (status >= 500 && status !== 503) this.logger.error("Request failed", req.method, req.url, err, requestFields((req as IncomingMessage & { $ctx?: Context }).$ctx));
			const headers: Record<string, string> = retryAfter ? { "Retry-After": String(retryAfter) } : {};
			if (status === 429) {
				headers["Retry-After"] = String(retryAfterOf(req));
				body.type = body.type ?? "RATE_LIMIT_EXCEEDED";
			}
			if (status === 413) body.type = "PAYLOAD_TOO_LARGE"; // body-parser's "entity.too.large"
			const challenge = (body.data as { challenge?: unknown } | undefined)?.challenge;
			if (status === 401) headers["WWW-Authenticate"] = typeof challenge === "string" ? challenge : 'Bearer realm="api"';
			sendJson(res, status, body, headers);
		}
	}
};

export default service;
