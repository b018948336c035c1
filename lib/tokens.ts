/**
 * Verifying access tokens (shared by the gateway, which verifies every request's bearer token, and the
 * identity context, which issues them): JWTs signed RS256, checked against a JWKS only, so any number of
 * gateway replicas agree without sharing anything but the keys' public halves. Plain TypeScript over jose.
 */
import { createHash } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet } from "jose";
import { isRole, type Principal } from "../domain";

/** The one signing algorithm: RSA with SHA-256. */
export const ALGORITHM = "RS256";

export type TokenProblem = "missing" | "malformed" | "expired" | "invalid";

export class TokenError extends Error {
	constructor(
		readonly problem: TokenProblem,
		message: string
	) {
		super(message);
		this.name = "TokenError";
	}
}

/** The longest token we look at: anything longer is not one of ours. */
export const MAX_TOKEN_LENGTH = 8192;

export interface VerifierSettings {
	issuer: string;
	/** How long a fetched JWKS is used before it is fetched again (ms). */
	cacheMs: number;
	/** A token signed by a key we do not know refetches the JWKS (a rotation), at most this often (ms). */
	minRefreshMs?: number;
	clockToleranceSeconds?: number;
	/** Tokens remembered as verified (by their SHA-256), so a client's next request costs no RSA verification; 0 = none. */
	cacheSize?: number;
}

export interface VerifiedToken extends Principal {
	exp: number;
	jti: string;
}

/**
 * Verifies access tokens against a JWKS obtained from `fetchJwks` (cached; refetched when stale, or when a
 * token names a key it does not hold). Only RS256 is accepted: `alg: none`, HS256 (e.g. signed with the
 * public key as a secret) and every other algorithm are refused before any key is looked up.
 */
export class TokenVerifier {
	private keys?: { set: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; fetchedAt: number };
	private fetching?: Promise<void>;
	/**
	 * Verified tokens by their SHA-256 (never the tokens themselves), each until it expires: the signature and
	 * the claims of a token cannot change, so verifying it again could only say the same — until `exp`, which is
	 * checked on every use. Nothing else changes: a token stays valid until it expires (there is no revocation
	 * list), exactly as without the cache; a key retired from the JWKS only ever signed tokens that have expired.
	 */
	private readonly verified = new Map<string, VerifiedToken>();

	constructor(
		private readonly fetchJwks: () => Promise<JSONWebKeySet>,
		private readonly settings: VerifierSettings
	) {}

	private refresh(): Promise<void> {
		this.fetching ??= this.fetchJwks()
			.then(jwks => {
				const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
				this.keys = { set: createLocalJWKSet({ keys }), kids: new Set(keys.map(k => String(k.kid))), fetchedAt: Date.now() };
			})
			.finally(() => (this.fetching = undefined));
		return this.fetching;
	}

	private async keySet(kid: string): Promise<ReturnType<typeof createLocalJWKSet>> {
		const now = Date.now();
		const cached = this.keys;
		const stale = !cached || now - cached.fetchedAt > this.settings.cacheMs;
		const unknownKid = cached && !cached.kids.has(kid) && now - cached.fetchedAt > (this.settings.minRefreshMs ?? 500);
		if (stale || unknownKid) {
			try {
				await this.refresh();
			} catch (err) {
				if (!this.keys) throw err; // no keys at all: the caller answers 503
				// the identity context is unreachable: keep verifying with the keys we have
			}
		}
		return this.keys!.set;
	}

	async verify(token: string | undefined): Promise<VerifiedToken> {
		if (!token) throw new TokenError("missing", "A bearer token is required");
		const max = this.settings.cacheSize ?? 10000;
		const digest = max > 0 ? createHash("sha256").update(token).digest("base64url") : "";
		const known = max > 0 ? this.verified.get(digest) : undefined;
		if (known) {
			if (known.exp * 1000 > Date.now() - (this.settings.clockToleranceSeconds ?? 5) * 1000) return known;
			this.verified.delete(digest);
			throw new TokenError("expired", "The token has expired");
		}
		const result = await this.verifyAnew(token);
		if (max > 0) {
			if (this.verified.size >= max) this.verified.delete(this.verified.keys().next().value as string);
			this.verified.set(digest, result);
		}
		return result;
	}

	private async verifyAnew(token: string): Promise<VerifiedToken> {
		if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw new TokenError("malformed", "The bearer token is not a JWT");
		let header: ReturnType<typeof decodeProtectedHeader>;
		try {
			header = decodeProtectedHeader(token);
		} catch {
			throw new TokenError("malformed", "The bearer token is not a JWT");
		}
		if (header.alg !== ALGORITHM) throw new TokenError("invalid", `Tokens are signed ${ALGORITHM}, not ${String(header.alg)}`);
		if (typeof header.kid !== "string" || header.kid.length > 200) throw new TokenError("invalid", "The token names no signing key");
		const keys = await this.keySet(header.kid);
		let payload: Record<string, unknown>;
		try {
			({ payload } = await jwtVerify(token, keys, {
				algorithms: [ALGORITHM],
				issuer: this.settings.issuer,
				requiredClaims: ["sub", "exp", "iat", "jti"],
				clockTolerance: this.settings.clockToleranceSeconds ?? 5
			}));
		} catch (err) {
			if (err instanceof errors.JWTExpired) throw new TokenError("expired", "The token has expired");
			if (err instanceof errors.JWKSNoMatchingKey) throw new TokenError("invalid", "The token was not signed by a key of ours");
			if (err instanceof errors.JWSSignatureVerificationFailed) throw new TokenError("invalid", "The token's signature is invalid");
			if (err instanceof errors.JOSEError) throw new TokenError("invalid", "The token is invalid");
			throw err;
		}
		const { sub, roles, store, exp, jti } = payload;
		if (typeof sub !== "string" || sub === "" || sub.length > 200) throw new TokenError("invalid", "The token has no valid subject");
		if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) throw new TokenError("invalid", "The token has no valid roles");
		if (store !== undefined && typeof store !== "string") throw new TokenError("invalid", "The token's store is invalid");
		return { sub, roles, ...(store ? { store } : {}), exp: Number(exp), jti: String(jti) };
	}
}
