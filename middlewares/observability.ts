/**
 * Observability of every process (see docs/observability.md):
 *
 * - metrics: Moleculer's metrics with the Prometheus reporter on METRICS_PORT (GET /metrics); the gateway
 *   answers the same text on its own port;
 * - traces: Moleculer's tracer with the Jaeger exporter (JAEGER_HOST, JAEGER_PORT; UDP) and the channels'
 *   tracing middleware, so one request's whole saga (HTTP → actions → channel handlers → …) is one trace
 *   whose id is the request id;
 * - logs: JSON lines (LOG_FORMAT=json) whose `requestID` field is the request id, on the lines that are
 *   about one request: failed actions and channel handlers, handled events.
 */
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { Tracing as ChannelTracing } from "@moleculer/channels";
import { Errors, MetricReporters, TracerExporters, type ActionHandler, type ActionSchema, type BrokerOptions, type Context, type Middleware, type Service, type ServiceBroker } from "moleculer";
import type { ObservabilitySettings } from "../config";
import type { ChannelHandler } from "./channels";

// ---------------------------------------------------------------------------------------------- metrics

export function metricsOptions(obs: ObservabilitySettings): BrokerOptions["metrics"] {
	if (obs.metricsPort === undefined) return { enabled: false };
	return { enabled: true, reporter: [{ type: "Prometheus", options: { port: obs.metricsPort, path: "/metrics" } }] };
}

/** The Prometheus text of this broker's metrics (what the reporter serves), or undefined when metrics are off. */
export function prometheusText(broker: ServiceBroker): string | undefined {
	if (!broker.isMetricsEnabled()) return undefined;
	const reporter = broker.metrics.reporter.find(r => r instanceof MetricReporters.Prometheus);
	return reporter instanceof MetricReporters.Prometheus ? reporter.generatePrometheusResponse() : undefined;
}

// ----------------------------------------------------------------------------------------------- traces

/**
 * 32 hex digits for an id: a request id that is a UUID (Moleculer's own) is itself; any other (a client's
 * X-Request-ID such as "order-42") is hashed, so every process derives the same trace id from it.
 */
export function traceHex(id: string): string {
	const hex = id.replace(/-/g, "").toLowerCase();
	return /^[0-9a-f]{32}$/.test(hex) ? hex : createHash("sha256").update(id).digest("hex").slice(0, 32);
}

/**
 * Moleculer's Jaeger exporter, with 128-bit trace ids equal to the request id (a UUID without dashes) and
 * safe for request ids that are not hex (the stock exporter turns "order-42" into an empty id, which would
 * merge unrelated requests into one trace).
 */
export class RequestTraceJaegerExporter extends TracerExporters.Jaeger {
	convertTraceID(id: string | null | undefined): Buffer | null {
		return id ? Buffer.from(traceHex(id), "hex") : null;
	}

	convertSpanID(id: string | null | undefined): Buffer | null {
		return id ? Buffer.from(traceHex(id).slice(0, 16), "hex") : null;
	}
}

export function tracingOptions(obs: ObservabilitySettings): BrokerOptions["tracing"] {
	if (!obs.jaeger) return { enabled: false };
	const exporter = new RequestTraceJaegerExporter({ host: obs.jaeger.host, port: obs.jaeger.port });
	return {
		enabled: true,
		// Decided once, where a request enters; the decision travels with calls and channel messages.
		sampling: { rate: obs.tracingSampleRate },
		actions: true,
		events: false,
		stackTrace: false,
		// Moleculer resolves an exporter instance as is; its option typings list only { type, options }.
		exporter: [exporter as unknown as { type: "Jaeger" }]
	};
}

// ------------------------------------------------------------------------------------------------- logs

/**
 * Structured fields of a log line: `logger.warn("…", logFields({ requestID }))`. The JSON formatter lifts
 * them to top-level fields; the short (console) format prints them as `key=value` after the message.
 */
export class LogFields {
	constructor(readonly fields: Record<string, string | number | boolean | null | undefined>) {}

	[inspect.custom](): string {
		return Object.entries(this.fields)
			.filter(([, v]) => v !== undefined)
			.map(([k, v]) => `${k}=${v}`)
			.join(" ");
	}
}

export const logFields = (fields: LogFields["fields"]) => new LogFields(fields);

/** The request id of a context, as log fields. */
export const requestFields = (ctx: Context | null | undefined, more: LogFields["fields"] = {}) => new LogFields({ requestID: ctx?.requestID ?? undefined, ...more });

type PrintArgs = (args: unknown[]) => unknown[];

/**
 * Moleculer's "json" line (`{ ts, level, msg, nodeID, ns, mod, svc }`) plus the fields of any LogFields
 * argument as top-level keys (e.g. `"requestID": "…"`), so a log collector can filter one request's lines.
 */
export function jsonLogFormatter(this: unknown, type: string, args: unknown[], bindings: Record<string, unknown>, helpers: { printArgs: PrintArgs }): string[] {
	const fields: Record<string, unknown> = {};
	const rest = args.filter(a => {
		if (!(a instanceof LogFields)) return true;
		for (const [k, v] of Object.entries(a.fields)) if (v !== undefined) fields[k] = v;
		return false;
	});
	return [JSON.stringify({ ts: Date.now(), level: type, msg: helpers.printArgs(rest).join(" "), ...bindings, ...fields })];
}

function describe(err: unknown): string {
	if (err instanceof Errors.MoleculerError) return `${err.name} (${err.code}${err.type ? ` ${err.type}` : ""}): ${err.message}`;
	if (err instanceof Error) return `${err.name}: ${err.message}`;
	return String(err);
}

const LOGGED = Symbol("logged");

/**
 * A fault of the service, worth a log line with the request id: not a client's mistake (4xx) and not a
 * deliberate 503 "try again shortly" (logged, with its cause, by the code that decides it).
 */
function isFault(err: unknown): boolean {
	return !(err instanceof Errors.MoleculerError) || (err.code >= 500 && err.code !== 503);
}

type ChannelMiddleware = Middleware & {
	localChannel?: (next: ChannelHandler, chan: { name: string; group: string }) => ChannelHandler;
};

/**
 * Logs, with the request id, what fails inside this process: an action that fails with a fault (see
 * isFault) once per process it passes through, and
 * every failed attempt of a channel handler (the message is redelivered, then dead-lettered).
 */
export function errorLogMiddleware(): ChannelMiddleware {
	return {
		name: "ErrorLog",
		localAction(next: ActionHandler, action: ActionSchema) {
			const name = action.name ?? "?";
			return function (this: Service, ctx: Context) {
				return Promise.resolve(next.call(this, ctx)).catch((err: unknown) => {
					if (isFault(err) && typeof err === "object" && err !== null && !(LOGGED in err)) {
						Object.defineProperty(err, LOGGED, { value: true });
						const logger = action.service?.logger ?? ctx.broker.logger;
						logger.error(`Action '${name}' failed: ${describe(err)}`, requestFields(ctx, { action: name }));
					}
					throw err;
				});
			};
		},
		localChannel(next, chan) {
			return (ctx, raw) =>
				next(ctx, raw).catch((err: unknown) => {
					const event = ctx.params as { id?: unknown } | null;
					const logger = ctx.service?.logger ?? ctx.broker.logger;
					logger.warn(`Channel '${chan.name}' (${chan.group}) handler failed (redelivered, then dead-lettered): ${describe(err)}`, requestFields(ctx, { channel: chan.name, eventId: typeof event?.id === "string" ? event.id : undefined }));
					throw err;
				});
		}
	};
}

/**
 * The channels middleware creates a handler's context without its service; give it the consumer's service
 * (the group defaults to the service's full name) so spans are reported under that service and handlers log
 * with its logger. Must wrap the channels' tracing middleware (be listed after it).
 */
export function channelServiceMiddleware(): ChannelMiddleware {
	let broker: ServiceBroker;
	return {
		name: "ChannelService",
		created(b: ServiceBroker) {
			broker = b;
		},
		localChannel(next, chan) {
			let service: Service | undefined;
			return (ctx, raw) => {
				if (!ctx.service) {
					service ??= broker.getLocalService(chan.group) ?? undefined;
					if (service) ctx.service = service;
				}
				return next(ctx, raw);
			};
		}
	};
}

/**
 * The channel middlewares of observability, in the order they must be listed after the retry middleware:
 * one span per delivered message (the channels' Tracing), wrapped by the one that names its service.
 */
export function channelObservabilityMiddlewares(): Middleware[] {
	return [ChannelTracing() as Middleware, channelServiceMiddleware()];
}
