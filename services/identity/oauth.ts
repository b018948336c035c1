/**
 * The OAuth2 token endpoint's rules (RFC 6749): which grant, whose credentials, which answer. Two grants:
 * `password` (a person: username and password) and `client_credentials` (a machine client, authenticated with
 * HTTP Basic `client_id:client_secret` as the seed did, or with both in the body). Plain TypeScript.
 */
import type { Principal } from "../../domain";
import type { AccountBook } from "./accounts";

export type OAuthErrorCode = "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type";

export class OAuthError extends Error {
	constructor(
		readonly error: OAuthErrorCode,
		message: string
	) {
		super(message);
		this.name = "OAuthError";
	}

	/** 401 for a client that failed to authenticate, 400 for everything else (RFC 6749 §5.2). */
	get status(): number {
		return this.error === "invalid_client" ? 401 : 400;
	}
}

export interface TokenRequest {
	grant_type: string;
	username?: string;
	password?: string;
	client_id?: string;
	client_secret?: string;
	scope?: string;
}

export interface ClientCredentials {
	id: string;
	secret: string;
}

/** The client credentials of an `Authorization: Basic …` header (null when there is none). */
export function basicCredentials(header: string | undefined): ClientCredentials | null {
	if (!header) return null;
	const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header);
	if (!m) throw new OAuthError("invalid_client", "The Authorization header must be Basic base64(client_id:client_secret)");
	const decoded = Buffer.from(m[1], "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	if (colon < 1) throw new OAuthError("invalid_client", "The Basic credentials must be client_id:client_secret");
	try {
		// RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
		return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")) };
	} catch {
		throw new OAuthError("invalid_client", "The Basic credentials are not well encoded");
	}
}

/** Who the request authenticates, by its grant: the token's principal. */
export async function grant(request: TokenRequest, authorization: string | undefined, book: AccountBook): Promise<Principal> {
	const basic = basicCredentials(authorization);
	const inBody = request.client_id !== undefined || request.client_secret !== undefined;
	if (basic && inBody) throw new OAuthError("invalid_request", "Send the client credentials once: in the Authorization header or in the body");
	const client = basic ?? (inBody ? { id: request.client_id ?? "", secret: request.client_secret ?? "" } : null);
	const authenticateClient = async (c: ClientCredentials): Promise<Principal> => {
		const principal = await book.authenticate("client", c.id, c.secret);
		if (!principal) throw new OAuthError("invalid_client", "Unknown client or wrong secret");
		return principal;
	};

	switch (request.grant_type) {
		case "client_credentials":
			if (!client) throw new OAuthError("invalid_client", "client_credentials needs the client's credentials (HTTP Basic)");
			return authenticateClient(client);
		case "password": {
			if (!request.username || request.password === undefined) throw new OAuthError("invalid_request", "The password grant needs username and password");
			if (client) await authenticateClient(client);
			const user = await book.authenticate("user", request.username, request.password);
			if (!user) throw new OAuthError("invalid_grant", "Wrong username or password");
			return user;
		}
		default:
			throw new OAuthError("unsupported_grant_type", `grant_type must be password or client_credentials`);
	}
}
