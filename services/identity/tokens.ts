/**
 * Issuing access tokens: JWTs signed RS256 with claims `sub`, `roles`, `exp`, `iat`, `jti` (and `iss`; `store`
 * for a store owner). They are verified where a request enters (the gateway) by lib/tokens.ts, against the
 * published JWKS only. Plain TypeScript over jose.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Principal } from "../../domain";
import { ALGORITHM } from "../../lib/tokens";
import type { KeyRing } from "./keys";

export interface TokenSettings {
	issuer: string;
	ttlSeconds: number;
}

export interface TokenResponse {
	access_token: string;
	token_type: "Bearer";
	expires_in: number;
}

/** Signs an access token for `principal` with the ring's current key. */
export async function issueAccessToken(ring: KeyRing, principal: Principal, settings: TokenSettings, now = Date.now()): Promise<TokenResponse> {
	const key = ring.signer();
	const iat = Math.floor(now / 1000);
	const claims: Record<string, unknown> = { roles: principal.roles };
	if (principal.store) claims.store = principal.store;
	const token = await new SignJWT(claims)
		.setProtectedHeader({ alg: ALGORITHM, typ: "JWT", kid: key.kid })
		.setSubject(principal.sub)
		.setIssuer(settings.issuer)
		.setIssuedAt(iat)
		.setExpirationTime(iat + settings.ttlSeconds)
		.setJti(randomUUID())
		.sign(key.privateKey);
	return { access_token: token, token_type: "Bearer", expires_in: settings.ttlSeconds };
}
