/**
 * The gateway's side of identity: every `/api/**` request needs a valid bearer token, verified against the
 * identity context's public keys (fetched with the `identity.jwks` action and cached, so any number of
 * gateway replicas agree and none holds a secret); and the per-client rate limits of the routes.
 *
 * Authorization (roles, ownership) is not decided here: the access middleware does it where each action
 * runs (lib/access.ts, middlewares/access.ts). The gateway only says who is calling (`ctx.meta.user`).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Redis from "ioredis";
import type { Context, Service, ServiceBroker, ServiceSchema } from "moleculer";
import type { JSONWebKeySet } from "jose";
import type { AppConfig, RateLimitSettings } from "../../config";
import { redisOptions } from "../../lib/redis";
import { unauthorized } from "../../lib/access";
import { defineMixin } from "../../mixins/schema";
import type { Principal } from "../../domain";
import { TokenError, TokenVerifier } from "../../lib/tokens";

/**
 * Tokens this process verified lately (by their SHA-256, not the tokens themselves), and whose they are:
 * the rate limiter counts a known token against its subject.
 */
const recentTokens = new Map<string, { sub: string; exp: number }>();
const RECENT_TOKENS_KEPT = 10000;
const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

function remember(token: string, sub: string, exp: number): void {
	const key = digest(token);
	if (recentTokens.has(key)) return;
	if (recentTokens.size >= RECENT_TOKENS_KEPT) recentTokens.delete(recentTokens.keys().next().value as string);
	recentTokens.set(key, { sub, exp });
}

function bearerOf(req: IncomingMessage): string | undefined {
	const header = req.headers.authorization;
	if (typeof header !== "string") return undefined;
	const m = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
	return m ? m[1] : undefined;
}

function addressOf(req: IncomingMessage, trustProxy: boolean): string {
	if (trustProxy) {
		const forwarded = req.headers["x-forwarded-for"];
		const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
		if (first) return first;
	}
	return req.socket.remoteAddress ?? "unknown";
}

interface AuthVars {
	verifier: TokenVerifier;
}

export interface AuthMethods {
	authenticate(ctx: Context, route: unknown, req: IncomingMessage): Promise<Principal>;
	/**
	 * Who a bearer token stands for (401 when it is missing, malformed, expired, revoked or not ours), with its
	 * expiry (seconds since the epoch): the one check of every token, from the header or — on the console's
	 * event stream only, since EventSource cannot send a header — from the query.
	 */
	verifyBearer(token: string | undefined): Promise<Principal & { exp: number }>;
}

/** Mixin for the gateway: the `authenticate` method of moleculer-web. */
export function gatewayAuth(config: AppConfig): Partial<ServiceSchema> {
	return defineMixin<AuthMethods, AuthVars>({
		created(this: Service & AuthVars) {
			this.verifier = new TokenVerifier(() => this.broker.call<JSONWebKeySet, object>("identity.jwks", {}, { timeout: 3000, retries: 1 }), {
				issuer: config.identity.issuer,
				cacheMs: config.identity.jwksCacheMs
			});
		},

		methods: {
			async authenticate(this: Service & AuthVars & AuthMethods, ctx: Context, route: unknown, req: IncomingMessage): Promise<Principal> {
				const header = req.headers.authorization;
				const token = bearerOf(req);
				if (header !== undefined && token === undefined) throw unauthorized("The Authorization header must be 'Bearer <token>'", { problem: "malformed", challenge: 'Bearer realm="api", error="invalid_request"' });
				const { exp: _exp, ...principal } = await this.verifyBearer(token);
				return principal;
			},

			async verifyBearer(this: Service & AuthVars, token: string | undefined): Promise<Principal & { exp: number }> {
				try {
					const verified = await this.verifier.verify(token);
					remember(token!, verified.sub, verified.exp);
					return { sub: verified.sub, roles: verified.roles, ...(verified.store ? { store: verified.store } : {}), exp: verified.exp };
				} catch (err) {
					if (!(err instanceof TokenError)) throw err;
					const challenge = err.problem === "missing" ? 'Bearer realm="api"' : `Bearer realm="api", error="invalid_token", error_description="${err.message}"`;
					throw unauthorized(err.message, { problem: err.problem, challenge });
				}
			}
		},

		stopped(this: Service) {
			const routes = (this as unknown as { routes?: { rateLimit?: { store?: { close?: () => Promise<void> } } }[] }).routes ?? [];
			return Promise.all(routes.map(r => r.rateLimit?.store?.close?.())).then(() => undefined);
		}
	});
}

// ---- rate limits -----------------------------------------------------------------------------------

interface RateStore {
	inc(key: string): number | Promise<number>;
	resetTime: number;
	close?(): Promise<void>;
}

/**
 * Fixed windows aligned on the clock, counted in Redis (INCR + PEXPIRE), so every gateway replica draws on
 * the same budget. When Redis cannot answer, requests are let through (logged): a limiter must not take
 * the API down with it.
 */
function redisStoreFactory(url: string, name: string) {
	return class RedisRateStore implements RateStore {
		private readonly redis: Redis;
		private lastWarn = 0;

		constructor(
			private readonly windowMs: number,
			_opts: unknown,
			private readonly broker: ServiceBroker
		) {
			this.redis = new Redis({ ...redisOptions(url), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
			this.redis.on("error", () => undefined);
			this.redis.connect().catch(() => undefined);
		}

		get resetTime(): number {
			return (Math.floor(Date.now() / this.windowMs) + 1) * this.windowMs;
		}

		async inc(key: string): Promise<number> {
			const windowStart = Math.floor(Date.now() / this.windowMs) * this.windowMs;
			const k = `ratelimit:${name}:${windowStart}:${key}`;
			try {
				const res = await this.redis.multi().incr(k).pexpire(k, this.windowMs + 1000).exec();
				const count = res?.[0]?.[1];
				return typeof count === "number" ? count : 0;
			} catch (err) {
				if (Date.now() - this.lastWarn > 10000) {
					this.lastWarn = Date.now();
					this.broker.logger.warn(`Rate limit store unavailable, letting requests through: ${String(err)}`);
				}
				return 0;
			}
		}

		async close(): Promise<void> {
			this.redis.disconnect();
		}
	};
}

export interface RateLimitOptions {
	window: number;
	limit: number;
	headers: boolean;
	key(req: IncomingMessage): string;
	StoreFactory?: new (windowMs: number, opts: unknown, broker: ServiceBroker) => RateStore;
}

/**
 * The `rateLimit` setting of a route (undefined when `limit` is 0). `perClient`: a request whose bearer token
 * this gateway verified before counts against the token's subject (any replica, any address); every other
 * request counts against its address — so forged tokens cannot spend someone else's budget.
 */
export function rateLimit(name: string, limit: number, settings: RateLimitSettings, redisUrl: string | undefined, perClient: boolean): RateLimitOptions | undefined {
	if (limit <= 0) return undefined;
	return {
		window: settings.windowMs,
		limit,
		headers: true,
		key(req: IncomingMessage): string {
			if (perClient) {
				const token = bearerOf(req);
				const known = token ? recentTokens.get(digest(token)) : undefined;
				if (known && known.exp * 1000 > Date.now()) return `sub:${known.sub}`;
			}
			return `ip:${addressOf(req, settings.trustProxy)}`;
		},
		...(redisUrl ? { StoreFactory: redisStoreFactory(redisUrl, name) } : {})
	};
}

/** Seconds until the route's window resets (the Retry-After of a 429). */
export function retryAfterOf(req: IncomingMessage): number {
	const store = (req as IncomingMessage & { $route?: { rateLimit?: { store?: RateStore } } }).$route?.rateLimit?.store;
	const reset = store ? store.resetTime : Date.now() + 1000;
	return Math.max(1, Math.ceil((reset - Date.now()) / 1000));
}
