/**
 * What the identity endpoints answer (their routes and params are generated: lib/openapi.ts).
 */
import { s, type ApiDocs } from "../../lib/openapi";
import type { TokenResponse } from "./tokens";

const token = s.object<TokenResponse>({
	access_token: s.string({ description: "A JWT signed RS256: claims sub, roles, exp, iat, jti, iss (and store for a store owner)." }),
	token_type: s.constant("Bearer"),
	expires_in: s.integer({ minimum: 1, description: "Seconds." })
});

const jwks = s.untyped({
	type: "object",
	description: "A JWK Set (RFC 7517): the public keys that verify the tokens.",
	required: ["keys"],
	properties: {
		keys: {
			type: "array",
			items: { type: "object", required: ["kty", "kid"], properties: { kty: { type: "string" }, kid: { type: "string" }, alg: { type: "string" }, use: { type: "string" }, n: { type: "string" }, e: { type: "string" } } }
		}
	}
});

export const identityDocs: ApiDocs = {
	actions: {
		"identity.token": {
			summary: "Get an access token (OAuth2)",
			description:
				"`grant_type=password` with `username` and `password` (customers, store owners, riders, admins), or `grant_type=client_credentials` with HTTP Basic `client_id:client_secret` (or both in the body). Form or JSON. Errors follow RFC 6749 in `data` (`error`, `error_description`): 400 for a bad request or grant, 401 for a client that failed to authenticate.",
			response: { name: "identity.TokenResponse", schema: token },
			errors: [401],
			security: [{}, { clientBasic: [] }]
		},
		"identity.jwks": { summary: "The public keys that verify the tokens (JWKS)", response: { name: "identity.JWKS", schema: jwks } }
	}
};
