/**
 * Identities for tests that go through the real gateway: tokens minted with the test signing key (the one the
 * identity context of the test is configured with: JWT_PRIVATE_KEYS, set in test/setup-env.ts and inherited
 * by cluster processes), real logins through POST /oauth/token, and hand-made hostile tokens.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { config } from "../../config";
import { DEMO_ACCOUNTS } from "../../services/identity/demo";
import type { Principal, Role } from "../../domain";
import type { Client } from "./http";

/** A fresh RSA key as PKCS#8 PEM (what JWT_PRIVATE_KEYS takes). */
export function newPrivateKeyPem(): string {
	return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

let signing: { key: KeyObject; kid: string } | undefined;

/** The test's signing key (from JWT_PRIVATE_KEYS) and its kid, as the identity context computes it (RFC 7638 thumbprint). */
export function testKey(): { key: KeyObject; kid: string } {
	if (signing) return signing;
	const pem = process.env.JWT_PRIVATE_KEYS;
	if (!pem) throw new Error("JWT_PRIVATE_KEYS is not set (test/setup-env.ts sets it)");
	const key = createPrivateKey(pem.replace(/\\n/g, "\n"));
	signing = { key, kid: thumbprint(key) };
	return signing;
}

function thumbprint(key: KeyObject): string {
	const { e, n } = createPublicKey(key).export({ format: "jwk" }) as { e: string; n: string };
	return createHash("sha256").update(JSON.stringify({ e, kty: "RSA", n })).digest("base64url");
}

export interface MintOptions {
	/** Lifetime in seconds from now (negative: already expired). */
	ttl?: number;
	key?: KeyObject;
	kid?: string;
	/** Claims to add or override. */
	claims?: Record<string, unknown>;
	header?: Record<string, unknown>;
}

/** A JWT for `who`, signed RS256 with the test key (or `opts.key`). */
export function mint(who: Principal, opts: MintOptions = {}): string {
	const { key, kid } = opts.key ? { key: opts.key, kid: opts.kid ?? "foreign" } : testKey();
	const now = Math.floor(Date.now() / 1000);
	const header = { alg: "RS256", typ: "JWT", kid: opts.kid ?? kid, ...opts.header };
	const payload = { sub: who.sub, roles: who.roles, ...(who.store ? { store: who.store } : {}), iss: config.identity.issuer, iat: now, exp: now + (opts.ttl ?? 600), jti: randomUUID(), ...opts.claims };
	const input = `${b64(header)}.${b64(payload)}`;
	return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

/** Hostile tokens: unsigned (`alg: none`), and HS256 with the public key's PEM as the HMAC secret. */
export function unsignedToken(who: Principal): string {
	const now = Math.floor(Date.now() / 1000);
	return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: who.sub, roles: who.roles, iss: config.identity.issuer, iat: now, exp: now + 600, jti: randomUUID() })}.`;
}

export function hs256WithPublicKey(who: Principal): string {
	const { key, kid } = testKey();
	const publicPem = createPublicKey(key).export({ format: "pem", type: "spki" }).toString();
	const now = Math.floor(Date.now() / 1000);
	const input = `${b64({ alg: "HS256", typ: "JWT", kid })}.${b64({ sub: who.sub, roles: who.roles, iss: config.identity.issuer, iat: now, exp: now + 600, jti: randomUUID() })}`;
	return `${input}.${createHmac("sha256", publicPem).update(input).digest("base64url")}`;
}

/** The same token with its payload changed and its signature kept (a forged claim). */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
	const [h, p, s] = token.split(".");
	const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
	change(payload);
	return `${h}.${b64(payload)}.${s}`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The demo password of a demo account (services/identity/demo.ts). */
export function demoSecret(name: string): string {
	const found = DEMO_ACCOUNTS.find(a => ("username" in a ? a.username : a.clientId) === name);
	const secret = found && ("username" in found ? found.password : found.clientSecret);
	if (!secret) throw new Error(`no demo account ${name}`);
	return secret;
}

/** Clients acting as someone: minted tokens for any name, or a real login of a demo account. */
export function actors(http: Client) {
	const tokens = new Map<string, string>();
	const as = (who: Principal) => {
		const k = JSON.stringify(who);
		if (!tokens.has(k)) tokens.set(k, mint(who, { ttl: 3600 }));
		return http.as(tokens.get(k)!);
	};
	const role = (sub: string, roles: Role[], store?: string) => as({ sub, roles, ...(store ? { store } : {}) });
	return {
		customer: (name: string) => role(name, ["customer"]),
		/** The owner of `storeName` (flower delivery scopes them to it; the fish shop has one owner). */
		store: (storeName = "KJSHOP") => role(`${storeName}-owner`, ["store"], storeName),
		rider: () => role("rider", ["rider"]),
		admin: () => role("admin", ["admin"]),
		/** POST /oauth/token with the password grant; a client acting with the token it answered. */
		async login(username: string, password = demoSecret(username)): Promise<Client> {
			const res = await http.request("POST", "/oauth/token", { grant_type: "password", username, password });
			if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
			return http.as(res.body.access_token);
		}
	};
}

export type Actors = ReturnType<typeof actors>;
