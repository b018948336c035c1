/**
 * Moleculer runner configuration: the broker options of every process, built from the environment (config/).
 *   npm start                → every context in one process, embedded default (no servers needed)
 *   SERVICES=… TRANSPORTER=… → the chosen contexts, clustered over NATS (one per process in Kubernetes)
 * The embedded default and the cluster differ only by environment variables. A factory (moleculer-runner
 * calls the default export), because middlewares keep per-broker state: each broker gets its own.
 */
import type { BrokerOptions, Errors } from "moleculer";
import { config, type AppConfig } from "./config";
import { redisOptions } from "./lib/redis";
import { accessMiddleware } from "./middlewares/access";
import { channelRetryMiddleware, channelsMiddleware } from "./middlewares/channels";
import { healthMiddleware, readyMiddleware } from "./middlewares/health";
import { channelObservabilityMiddlewares, errorLogMiddleware, jsonLogFormatter, metricsOptions, tracingOptions } from "./middlewares/observability";
import { releaseTimedOutCalls } from "./middlewares/timeouts";
import { replCommands } from "./services/operations/repl-commands";

/**
 * Moleculer's internal middlewares (innermost first), with one change: Timeout wraps inside CircuitBreaker.
 * In the stock order the breaker sits inside the timeout and never sees a caller-side timeout (it sees the
 * late reply, as a success), so a dependency that is merely slow would never trip it. Here a timed-out call
 * is a failure of that endpoint: enough of them open the circuit and later calls fail fast (503 upstream).
 */
export const INTERNAL_MIDDLEWARES = [
	"ActionHook",
	"Validator",
	"Bulkhead",
	"Cacher",
	"ContextTracker",
	"Timeout",
	"CircuitBreaker",
	"Retry",
	"Fallback",
	"ErrorHandler",
	"Tracing",
	"Metrics",
	"Debounce",
	"Throttle"
];

export function brokerOptions(config: AppConfig): BrokerOptions {
	return {
		namespace: config.namespace,
		nodeID: config.nodeID,
		logger: {
			type: "Console",
			options: {
				// JSON lines with the request id as a field where a line is about one request (config/observability.ts).
				formatter: config.logFormat === "json" ? jsonLogFormatter : "short",
				colors: config.logFormat !== "json",
				objectPrinter: config.logFormat === "json" ? undefined : null
			}
		},
		logLevel: config.logLevel,
		transporter: config.transporter ? { type: "NATS", options: { url: config.transporter } } : null,
		serializer: "JSON",
		cacher: config.redisUrl ? { type: "Redis", options: { redis: redisOptions(config.redisUrl), prefix: "cache" } } : "Memory",

		requestTimeout: config.resilience.requestTimeoutMs,
		// Retries are opted into per call (only idempotent calls set `retries`).
		retryPolicy: { enabled: false, retries: 0, delay: 100, maxDelay: 1000, factor: 2, check: (err: Error) => !!(err as Errors.MoleculerRetryableError).retryable },
		circuitBreaker: {
			enabled: true,
			threshold: config.resilience.circuitBreaker.threshold,
			windowTime: config.resilience.circuitBreaker.windowTime,
			minRequestCount: config.resilience.circuitBreaker.minRequestCount,
			halfOpenTime: config.resilience.circuitBreaker.halfOpenTime,
			// Trip on failures of the called endpoint itself: errors >= 500 and a full bulkhead queue. A declined
			// payment (402) is an answer, not a fault; a 503 that a healthy service returns because *its*
			// dependency is down is that dependency's failure, counted by that service's own breaker.
			check: (err: Error) => {
				const e = err as Errors.MoleculerError;
				if (e.type === "QUEUE_FULL") return true;
				// Likewise a 504 "outcome unknown": the step it waited for did not answer (that step's breaker counts it).
				if (e.type === "SERVICE_UNAVAILABLE" || e.type === "OUTCOME_UNKNOWN") return false;
				return typeof e.code !== "number" || e.code >= 500;
			}
		},
		// Per-action bulkheads are declared where they matter (payment); this is the broker-wide default.
		bulkhead: { enabled: false, concurrency: 10, maxQueueSize: 100 },
		registry: { strategy: "RoundRobin", preferLocal: true },
		tracking: { enabled: true, shutdownTimeout: 10000 },
		validator: true,
		// The operator's commands in `npm run repl` (services/operations/repl-commands.ts).
		replOptions: { customCommands: replCommands },
		metrics: metricsOptions(config.observability),
		tracing: tracingOptions(config.observability),

		// Our middlewares first (innermost, as Moleculer places user middlewares), then the internal ones.
		internalMiddlewares: false,
		middlewares: [
			healthMiddleware({ port: config.healthPort, requiredServices: config.requiredServices, maxDisconnectedMs: config.maxDisconnectedMs }),
			channelsMiddleware(config),
			// Channel handler wrappers, innermost first: failure log per attempt, retry, span per message.
			errorLogMiddleware(),
			channelRetryMiddleware(config.channels),
			...channelObservabilityMiddlewares(),
			// Who may call an action (its `auth` rule) and on which rows: the one access check (lib/access.ts).
			accessMiddleware(),
			// Last of ours: ready (and announced) only once every other middleware has started (channels subscribed).
			readyMiddleware(),
			// Just outside Timeout: a remote call its caller gave up on stops being tracked (middlewares/timeouts.ts).
			...INTERNAL_MIDDLEWARES.flatMap(name => (name === "Timeout" ? [name, releaseTimedOutCalls()] : [name]))
		]
	};
}

/** What moleculer-runner loads: the options of this process, from its environment. */
export default function moleculerConfig(): BrokerOptions {
	return brokerOptions(config);
}
