/**
 * identity — issues access tokens and publishes the keys that verify them (shared/specs/gateway.md):
 *   POST /oauth/token             grant_type=password (username, password) or client_credentials (HTTP Basic)
 *   GET  /.well-known/jwks.json   the public keys (the gateway fetches them through the `jwks` action)
 * The adapter only: accounts (accounts.ts), keys (keys.ts), tokens (tokens.ts) and grants (oauth.ts) are
 * plain modules beside it. In the embedded default the demo accounts are seeded and a key is generated at
 * start; in a cluster both come from configuration (JWT_PRIVATE_KEYS, IDENTITY_ACCOUNTS), never the image.
 */
import { Errors, type Context } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import { config, ConfigError } from "../../config";
import { parseAccounts, toSeeds } from "./accounts-config";
import type { ContextSchema } from "../../mixins/schema";
import { AccountBook } from "./accounts";
import { DEMO_ACCOUNTS } from "./demo";
import { generateKey, KeyRing, parsePrivateKeys } from "./keys";
import { grant, OAuthError, type TokenRequest } from "./oauth";
import { issueAccessToken, type TokenResponse } from "./tokens";

interface IdentityVars {
	book: AccountBook;
	ring: KeyRing;
}

interface TokenMeta extends ContextResponseMeta {
	/** The request's Authorization header (HTTP Basic client credentials), put there by the gateway's token route. */
	authorization?: string;
}

async function loadKeys(): Promise<KeyRing> {
	const raw = config.identity.privateKeys;
	if (raw === undefined) {
		if (config.transporter) throw new ConfigError("JWT_PRIVATE_KEYS", "is required in a cluster (every identity replica must sign with the same keys); see docs/identity.md");
		return new KeyRing([await generateKey()]);
	}
	try {
		return new KeyRing(await parsePrivateKeys(raw));
	} catch (err) {
		throw new ConfigError("JWT_PRIVATE_KEYS", (err as Error).message);
	}
}

async function loadAccounts(): Promise<AccountBook> {
	let seeds;
	try {
		seeds = parseAccounts(config.identity.accounts);
	} catch (err) {
		throw new ConfigError("IDENTITY_ACCOUNTS", (err as Error).message);
	}
	if (seeds === undefined && config.transporter) throw new ConfigError("IDENTITY_ACCOUNTS", "is required in a cluster (the demo accounts are for the embedded default only); see docs/identity.md");
	return AccountBook.seed(seeds ?? toSeeds(DEMO_ACCOUNTS));
}

const text = (max: number) => ({ type: "string", max, optional: true }) as const;

const service: ContextSchema<object, object, IdentityVars> = {
	name: "identity",

	actions: {
		token: {
			auth: { public: true },
			params: {
				$$strict: true,
				grant_type: { type: "string", min: 1, max: 50 },
				username: text(100),
				password: text(200),
				client_id: text(100),
				client_secret: text(200),
				scope: text(200)
			},
			// Never put credentials in traces.
			tracing: { tags: { params: ["grant_type", "username", "client_id"], meta: false } },
			async handler(this: IdentityVars, ctx: Context<TokenRequest, TokenMeta>): Promise<TokenResponse> {
				ctx.meta.$responseHeaders = { "Cache-Control": "no-store", Pragma: "no-cache" };
				try {
					const principal = await grant(ctx.params, ctx.meta.authorization, this.book);
					return await issueAccessToken(this.ring, principal, { issuer: config.identity.issuer, ttlSeconds: config.identity.tokenTtlSeconds });
				} catch (err) {
					if (!(err instanceof OAuthError)) throw err;
					const challenge = err.status === 401 ? { challenge: 'Basic realm="identity"' } : {};
					throw new Errors.MoleculerClientError(err.message, err.status, err.error.toUpperCase(), { error: err.error, error_description: err.message, ...challenge });
				}
			}
		},

		jwks: {
			auth: { public: true },
			params: { $$strict: true },
			handler(this: IdentityVars, ctx: Context<object, ContextResponseMeta>) {
				ctx.meta.$responseHeaders = { "Cache-Control": "public, max-age=60" };
				return this.ring.jwks();
			}
		},

		/**
		 * Whether `password` is the password of the person `username` (a step-up check inside a saga, e.g. The
		 * Draw's certification at checkout). Internal: no route and no `auth` rule, so the gateway cannot reach it.
		 */
		verifyPassword: {
			params: { $$strict: true, username: { type: "string", min: 1, max: 100 }, password: { type: "string", min: 1, max: 200 } },
			tracing: { tags: { params: ["username"], meta: false } },
			async handler(this: IdentityVars, ctx: Context<{ username: string; password: string }>): Promise<{ verified: boolean }> {
				return { verified: (await this.book.authenticate("user", ctx.params.username, ctx.params.password)) !== null };
			}
		},

		/** Operator's command (REPL: `call identity.rotateKeys`): a new key signs; the old ones verify until their tokens expire. */
		rotateKeys: {
			visibility: "public",
			params: { $$strict: true },
			async handler(this: IdentityVars) {
				const kid = await this.ring.rotate((config.identity.tokenTtlSeconds + 60) * 1000);
				return { kid, keys: this.ring.jwks().keys.map(k => k.kid) };
			}
		}
	},

	async started(this: IdentityVars & { logger: { info(...args: unknown[]): void } }) {
		[this.ring, this.book] = await Promise.all([loadKeys(), loadAccounts()]);
		this.logger.info(`Identity ready: ${this.book.size} accounts, signing key ${this.ring.signer().kid}`);
	}
};

export default service;
