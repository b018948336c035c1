/**
 * The one place where the environment is read. Everything else receives typed settings from here.
 *
 * A variable that names a server (TRANSPORTER, MONGO_URI, REDIS_URL) switches the matching part from its
 * embedded default to that server; a malformed value is a start-up error naming the variable.
 */
export interface PaymentSimulation {
	/** Uniform latency injected into every payment, [min, max] ms; [0, 0] = none. */
	latencyMs: [number, number];
	/** Amounts above this are declined (0 = no limit). Amounts <= 0 are always declined. */
	declineAbove: number;
}

export interface ResilienceSettings {
	/** Caller-side timeout of a saga's synchronous step (order → payment, order → auth, delivery → warehouse), ms. */
	stepTimeoutMs: number;
	/** Seconds a client is told to wait (Retry-After) when a dependency is overloaded or down. */
	retryAfterSeconds: number;
	circuitBreaker: {
		threshold: number;
		windowTime: number;
		minRequestCount: number;
		halfOpenTime: number;
	};
	/** Concurrency guard (bulkhead) on each action that is a saga's synchronous step: in flight + waiting. */
	stepBulkhead: { concurrency: number; maxQueueSize: number };
	/** Broker-wide default request timeout (ms). */
	requestTimeoutMs: number;
	/** Retries for idempotent calls only (reads). */
	readRetries: number;
}

export interface ChannelSettings {
	/** Messages a consumer handles at once. */
	maxInFlight: number;
	/** Redeliveries before a message goes to the dead-letter stream. */
	maxRetries: number;
	/** First back-off delay (ms) before a failed message is redelivered; doubles each time. */
	backoffBaseMs: number;
	backoffMaxMs: number;
	deadLetterQueue: string;
	/** How long JetStream waits for an ack before redelivering (a crashed consumer's messages come back after this). */
	ackWaitMs: number;
	/** Embedded default: how long messages every group has handled are kept for groups that subscribe later (ms). */
	retentionMs: number;
}

/** Where customers' messages (notices, SMS, KakaoTalk) go: the outbound adapter (lib/outbound.ts). */
export interface OutboundSettings {
	/** "record": kept in the sending context's log only (the default); "webhook": POSTed to `webhookUrl`. */
	provider: "record" | "webhook";
	webhookUrl: string | undefined;
	/** How long one send may take before it counts as failed (it is retried: the message is redelivered). */
	timeoutMs: number;
}

export interface ObservabilitySettings {
	/** Port of the Prometheus reporter's GET /metrics (undefined = metrics off). The gateway also answers GET /metrics. */
	metricsPort: number | undefined;
	/** Jaeger agent (UDP, thrift emitBatch) receiving the spans; undefined = tracing off. */
	jaeger: { host: string; port: number } | undefined;
	/** Share of requests traced, 0..1 (decided once per request at its entry; the whole saga follows). */
	tracingSampleRate: number;
}

export interface IdentitySettings {
	/** JWT_PRIVATE_KEYS: PEM block(s) or private JWK(s) (the first signs); undefined = embedded: generated at start. */
	privateKeys: string | undefined;
	/** IDENTITY_ACCOUNTS as given (a JSON list the identity context reads); undefined = embedded: the demo accounts. */
	accounts: string | undefined;
	/** `iss` of the tokens, checked by the gateway. */
	issuer: string;
	tokenTtlSeconds: number;
	/** How long the gateway keeps the fetched JWKS before it fetches it again (ms). */
	jwksCacheMs: number;
}

export interface RateLimitSettings {
	windowMs: number;
	/** Requests per window per client on /api/** (0 = no limit). */
	apiLimit: number;
	/** Requests per window per address on /oauth/token (0 = no limit): password guessing. */
	tokenLimit: number;
	/** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
	trustProxy: boolean;
}

/** The timeline of every saga (services/timeline) and the console that shows it (services/gateway/console.ts). */
export interface TimelineSettings {
	/** Facts kept per saga's timeline (the latest; older ones are counted as dropped). */
	maxEntries: number;
	/** Live console streams (Server-Sent Events) one gateway holds open at once, and per user. */
	maxStreams: number;
	maxStreamsPerUser: number;
}

export interface AppConfig {
	nodeID: string | undefined;
	namespace: string;
	port: number;
	/** Port of the /live and /ready server of a process without the gateway (undefined = none). */
	healthPort: number | undefined;
	/** Liveness fails when the transporter has been lost longer than this (ms). */
	maxDisconnectedMs: number;
	/** undefined = embedded (no transporter, all contexts in one process). */
	transporter: string | undefined;
	/** NATS URL used by the channels adapter (JetStream) when the transporter is NATS. */
	natsUrl: string | undefined;
	mongoUri: string | undefined;
	redisUrl: string | undefined;
	/** Where the embedded store keeps its data (a SQLite file, or NeDB files), or ":memory:" to keep aggregates in memory. */
	dataDir: string;
	/** The embedded store when MONGO_URI is not set: "sqlite" (durable, fast: the default) or "nedb" (moleculer-db's reference adapter). */
	embeddedStore: "sqlite" | "nedb";
	/** SQLite's durability: "normal" survives a crash of the process (the default), "full" the machine's too. */
	sqliteSynchronous: "normal" | "full";
	logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
	logFormat: "short" | "json";
	outboxSweepMs: number;
	/** How long a placement may stay PaymentPending before it is closed as failed (ms). */
	pendingPlacementTimeoutMs: number;
	/** Services that must be discovered before the gateway reports ready. */
	requiredServices: string[];
	resilience: ResilienceSettings;
	channels: ChannelSettings;
	payment: PaymentSimulation;
	outbound: OutboundSettings;
	observability: ObservabilitySettings;
	identity: IdentitySettings;
	rateLimit: RateLimitSettings;
	timeline: TimelineSettings;
}

export class ConfigError extends Error {
	constructor(variable: string, problem: string) {
		super(`Configuration error in ${variable}: ${problem}`);
		this.name = "ConfigError";
	}
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < min) throw new ConfigError(name, `expected a number >= ${min}, got "${raw}"`);
	return value;
}

function url(env: Env, name: string, schemes: string[]): string | undefined {
	const raw = env[name];
	if (raw === undefined || raw === "") return undefined;
	let parsed: URL;
	try {
		parsed = new URL(raw.split(",")[0]);
	} catch {
		throw new ConfigError(name, `"${raw}" is not a URL`);
	}
	const scheme = parsed.protocol.replace(/:$/, "");
	if (!schemes.includes(scheme)) throw new ConfigError(name, `scheme "${scheme}" is not one of ${schemes.join(", ")}`);
	return raw;
}

function range(env: Env, name: string): [number, number] {
	const raw = env[name];
	if (raw === undefined || raw === "" || raw === "0") return [0, 0];
	const m = /^(\d+)(?:-(\d+))?$/.exec(raw.trim());
	if (!m) throw new ConfigError(name, `expected "MIN-MAX" milliseconds, got "${raw}"`);
	const min = Number(m[1]);
	const max = m[2] === undefined ? min : Number(m[2]);
	if (max < min) throw new ConfigError(name, `MAX is below MIN in "${raw}"`);
	return [min, max];
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `expected one of ${allowed.join(", ")}, got "${raw}"`);
	return raw as T;
}

function rate(env: Env, name: string, fallback: number): number {
	const value = int(env, name, fallback);
	if (value > 1) throw new ConfigError(name, `expected a number between 0 and 1, got "${env[name]}"`);
	return value;
}

function outbound(env: Env): OutboundSettings {
	const provider = oneOf(env, "OUTBOUND_PROVIDER", ["record", "webhook"] as const, "record");
	const webhookUrl = url(env, "OUTBOUND_WEBHOOK_URL", ["http", "https"]);
	if (provider === "webhook" && !webhookUrl) throw new ConfigError("OUTBOUND_WEBHOOK_URL", 'is required with OUTBOUND_PROVIDER="webhook"');
	return { provider, webhookUrl, timeoutMs: int(env, "OUTBOUND_TIMEOUT_MS", 3000, 1) };
}

export function loadConfig(env: Env = process.env): AppConfig {
	const transporter = url(env, "TRANSPORTER", ["nats"]);
	return {
		nodeID: env.NODE_ID || undefined,
		namespace: env.NAMESPACE || "",
		port: int(env, "PORT", 3000),
		healthPort: env.HEALTH_PORT ? int(env, "HEALTH_PORT", 0) : undefined,
		maxDisconnectedMs: int(env, "MAX_DISCONNECTED_MS", 60000, 1000),
		transporter,
		natsUrl: transporter,
		mongoUri: url(env, "MONGO_URI", ["mongodb", "mongodb+srv"]),
		redisUrl: url(env, "REDIS_URL", ["redis", "rediss"]),
		dataDir: env.DATA_DIR || "./data",
		embeddedStore: oneOf(env, "EMBEDDED_STORE", ["sqlite", "nedb"] as const, "sqlite"),
		sqliteSynchronous: oneOf(env, "SQLITE_SYNCHRONOUS", ["normal", "full"] as const, "normal"),
		logLevel: oneOf(env, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace"] as const, "info"),
		logFormat: oneOf(env, "LOG_FORMAT", ["short", "json"] as const, transporter ? "json" : "short"),
		outboxSweepMs: int(env, "OUTBOX_SWEEP_MS", 1000, 50),
		pendingPlacementTimeoutMs: int(env, "PENDING_PLACEMENT_TIMEOUT_MS", 30000, 1000),
		requiredServices: (env.REQUIRED_SERVICES || "")
			.split(",")
			.map(s => s.trim())
			.filter(Boolean),
		resilience: {
			// SYNC_STEP_*: every synchronous step; PAYMENT_*: their first name (payment was the only step), still read.
			stepTimeoutMs: int(env, "SYNC_STEP_TIMEOUT_MS", int(env, "PAYMENT_TIMEOUT_MS", 610, 1), 1),
			retryAfterSeconds: int(env, "RETRY_AFTER_SECONDS", 5, 1),
			circuitBreaker: {
				threshold: int(env, "CB_THRESHOLD", 0.5),
				windowTime: int(env, "CB_WINDOW_SECONDS", 10, 1),
				minRequestCount: int(env, "CB_MIN_REQUESTS", 20, 1),
				halfOpenTime: int(env, "CB_HALF_OPEN_MS", 3000, 100)
			},
			stepBulkhead: {
				concurrency: int(env, "SYNC_STEP_CONCURRENCY", int(env, "PAYMENT_CONCURRENCY", 50, 1), 1),
				maxQueueSize: int(env, "SYNC_STEP_QUEUE", int(env, "PAYMENT_QUEUE", 100, 0), 0)
			},
			requestTimeoutMs: int(env, "REQUEST_TIMEOUT_MS", 5000, 1),
			readRetries: int(env, "READ_RETRIES", 2)
		},
		channels: {
			maxInFlight: int(env, "CHANNEL_MAX_IN_FLIGHT", 20, 1),
			maxRetries: int(env, "CHANNEL_MAX_RETRIES", 5),
			backoffBaseMs: int(env, "CHANNEL_BACKOFF_MS", 200, 1),
			backoffMaxMs: int(env, "CHANNEL_BACKOFF_MAX_MS", 10000, 1),
			deadLetterQueue: env.CHANNEL_DEAD_LETTER || "DEAD_LETTER",
			ackWaitMs: int(env, "CHANNEL_ACK_WAIT_MS", 30000, 100),
			retentionMs: int(env, "CHANNEL_RETENTION_MS", 86_400_000, 1000)
		},
		payment: {
			latencyMs: range(env, "PAYMENT_LATENCY_MS"),
			declineAbove: int(env, "PAYMENT_DECLINE_ABOVE", 0)
		},
		outbound: outbound(env),
		observability: {
			metricsPort: env.METRICS_PORT ? int(env, "METRICS_PORT", 0) : undefined,
			jaeger: env.JAEGER_HOST ? { host: env.JAEGER_HOST, port: int(env, "JAEGER_PORT", 6832, 1) } : undefined,
			tracingSampleRate: rate(env, "TRACING_SAMPLE_RATE", 1)
		},
		identity: {
			privateKeys: env.JWT_PRIVATE_KEYS || undefined,
			accounts: env.IDENTITY_ACCOUNTS?.trim() ? env.IDENTITY_ACCOUNTS : undefined,
			issuer: env.JWT_ISSUER || "moleculer-eventdriven",
			tokenTtlSeconds: int(env, "ACCESS_TOKEN_TTL_SECONDS", 3600, 30),
			jwksCacheMs: int(env, "JWKS_CACHE_SECONDS", 300, 1) * 1000
		},
		rateLimit: {
			windowMs: int(env, "RATE_LIMIT_WINDOW_MS", 60000, 1000),
			apiLimit: int(env, "RATE_LIMIT_PER_WINDOW", 1200),
			tokenLimit: int(env, "RATE_LIMIT_TOKEN_PER_WINDOW", 30),
			trustProxy: oneOf(env, "RATE_LIMIT_TRUST_PROXY", ["true", "false"] as const, "false") === "true"
		},
		timeline: {
			maxEntries: int(env, "TIMELINE_MAX_ENTRIES", 200, 1),
			maxStreams: int(env, "CONSOLE_MAX_STREAMS", 1000, 1),
			maxStreamsPerUser: int(env, "CONSOLE_MAX_STREAMS_PER_USER", 10, 1)
		}
	};
}

/** The configuration of this process, read once. */
export const config: AppConfig = loadConfig();
