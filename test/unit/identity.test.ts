/**
 * The identity context's domain, alone: salted slow hashes, the OAuth2 grants, the key ring and its rotation,
 * tokens issued and verified (and the forged ones refused), the configuration of accounts.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from "jose";
import { parseAccounts, toSeeds } from "../../services/identity/accounts-config";
import { AccountBook, hashSecret, parseHash, verifySecret } from "../../services/identity/accounts";
import { DEMO_ACCOUNTS } from "../../services/identity/demo";
import { generateKey, KeyRing, parsePrivateKeys } from "../../services/identity/keys";
import { basicCredentials, grant, OAuthError } from "../../services/identity/oauth";
import { TokenError, TokenVerifier } from "../../lib/tokens";
import { issueAccessToken } from "../../services/identity/tokens";
import { forbidden, inScope, principalOf, scopeOf, scopeParams } from "../../lib/access";

const SETTINGS = { issuer: "test-issuer", ttlSeconds: 600 };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

async function expectOAuthError(p: Promise<unknown>, error: string, status: number): Promise<void> {
	await expect(p).rejects.toBeInstanceOf(OAuthError);
	await p.catch((err: OAuthError) => {
		expect(err.error).toBe(error);
		expect(err.status).toBe(status);
	});
}

async function expectTokenError(p: Promise<unknown>, problem: string): Promise<void> {
	await expect(p).rejects.toBeInstanceOf(TokenError);
	await p.catch((err: TokenError) => expect(err.problem).toBe(problem));
}

describe("secrets are kept as salted slow hashes", () => {
	it("hashes with scrypt and a random salt; verifies in constant time; never keeps the secret", async () => {
		const a = await hashSecret("correct horse");
		const b = await hashSecret("correct horse");
		expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
		expect(a).not.toBe(b); // salted
		expect(a).not.toContain("correct");
		expect(await verifySecret("correct horse", a)).toBe(true);
		expect(await verifySecret("correct horsf", a)).toBe(false);
		expect(await verifySecret("", a)).toBe(false);
		expect(await verifySecret("x", "not-a-hash")).toBe(false);
		expect(parseHash("scrypt$1000$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5")).toBeNull(); // N not a power of two
	});

	it("seeds accounts from plain secrets or hashes, and authenticates users and clients separately", async () => {
		const book = await AccountBook.seed([
			{ kind: "user", name: "LKJ", secret: "lkj-secret", roles: ["customer"] },
			{ kind: "user", name: "owner", secretHash: await hashSecret("owner-secret"), roles: ["store"], store: "KJSHOP" },
			{ kind: "client", name: "LKJ", secret: "client-secret", roles: ["admin"] }
		]);
		expect(await book.authenticate("user", "LKJ", "lkj-secret")).toEqual({ sub: "LKJ", roles: ["customer"] });
		expect(await book.authenticate("user", "owner", "owner-secret")).toEqual({ sub: "owner", roles: ["store"], store: "KJSHOP" });
		expect(await book.authenticate("client", "LKJ", "client-secret")).toEqual({ sub: "LKJ", roles: ["admin"] });
		expect(await book.authenticate("user", "LKJ", "client-secret")).toBeNull();
		expect(await book.authenticate("client", "LKJ", "lkj-secret")).toBeNull();
		expect(await book.authenticate("user", "nobody", "lkj-secret")).toBeNull();
		await expect(AccountBook.seed([{ kind: "user", name: "x", secret: "secret1", roles: [] }])).rejects.toThrow(/roles/);
		await expect(AccountBook.seed([{ kind: "user", name: "x", secret: "secret1", roles: ["customer"] }, { kind: "user", name: "x", secret: "secret2", roles: ["admin"] }])).rejects.toThrow(/twice/);
	});

	it("reads IDENTITY_ACCOUNTS (users and clients), and says what is wrong with a bad one", () => {
		const seeds = parseAccounts(JSON.stringify(DEMO_ACCOUNTS))!;
		// every demo account (each system's manifest adds its own), read with its kind, name and roles…
		const declared = DEMO_ACCOUNTS.map(a => `${"username" in a ? `user:${a.username}` : `client:${a.clientId}`}:${a.roles.join("+")}`);
		expect(seeds.map(s => `${s.kind}:${s.name}:${s.roles.join("+")}`).sort()).toEqual(declared.sort());
		// …the seeds' own among them
		expect(declared).toEqual(expect.arrayContaining(["user:LKJ:customer", "user:HanYongsun:customer", "user:kjshop:store", "user:rider:rider", "user:admin:admin", "client:uengine-client:admin"]));
		expect(parseAccounts(undefined)).toBeUndefined();
		expect(() => parseAccounts("{")).toThrow(/JSON/);
		expect(() => parseAccounts("[]")).toThrow(/non-empty/);
		expect(() => parseAccounts(JSON.stringify([{ username: "a", password: "secret1", roles: ["root"] }]))).toThrow(/roles/);
		expect(() => parseAccounts(JSON.stringify([{ username: "a", password: "secret1", roles: ["admin"], isAdmin: true }]))).toThrow(/isAdmin/);
		expect(() => parseAccounts(JSON.stringify([{ username: "a", roles: ["admin"] }]))).toThrow(/secret/);
		expect(() => toSeeds([{ username: "a b", password: "secret1", roles: ["admin"] }])).toThrow(/name/);
	});
});

describe("the OAuth2 token endpoint's grants", () => {
	let book: AccountBook;
	beforeAll(async () => {
		book = await AccountBook.seed(toSeeds(DEMO_ACCOUNTS));
	});
	const seedBasic = "Basic dWVuZ2luZS1jbGllbnQ6dWVuZ2luZS1zZWNyZXQ="; // the seed's header: uengine-client:uengine-secret

	it("password grant: the user's roles (and store)", async () => {
		expect(await grant({ grant_type: "password", username: "LKJ", password: "lkj-demo-pw" }, undefined, book)).toEqual({ sub: "LKJ", roles: ["customer"] });
		expect(await grant({ grant_type: "password", username: "kjshop", password: "kjshop-demo-pw" }, undefined, book)).toEqual({ sub: "kjshop", roles: ["store"], store: "KJSHOP" });
		await expectOAuthError(grant({ grant_type: "password", username: "LKJ", password: "wrong" }, undefined, book), "invalid_grant", 400);
		await expectOAuthError(grant({ grant_type: "password", username: "nobody", password: "lkj-demo-pw" }, undefined, book), "invalid_grant", 400);
		await expectOAuthError(grant({ grant_type: "password", username: "LKJ" }, undefined, book), "invalid_request", 400);
		// A client's secret is not a user's password.
		await expectOAuthError(grant({ grant_type: "password", username: "uengine-client", password: "uengine-secret" }, undefined, book), "invalid_grant", 400);
	});

	it("client_credentials grant with the seed's HTTP Basic header, or in the body", async () => {
		expect(basicCredentials(seedBasic)).toEqual({ id: "uengine-client", secret: "uengine-secret" });
		expect(await grant({ grant_type: "client_credentials" }, seedBasic, book)).toEqual({ sub: "uengine-client", roles: ["admin"] });
		expect(await grant({ grant_type: "client_credentials", client_id: "uengine-client", client_secret: "uengine-secret" }, undefined, book)).toEqual({ sub: "uengine-client", roles: ["admin"] });
		const wrong = `Basic ${Buffer.from("uengine-client:nope").toString("base64")}`;
		await expectOAuthError(grant({ grant_type: "client_credentials" }, wrong, book), "invalid_client", 401);
		await expectOAuthError(grant({ grant_type: "client_credentials" }, undefined, book), "invalid_client", 401);
		await expectOAuthError(grant({ grant_type: "client_credentials" }, "Basic !!!", book), "invalid_client", 401);
		await expectOAuthError(grant({ grant_type: "client_credentials" }, `Basic ${Buffer.from("no-colon").toString("base64")}`, book), "invalid_client", 401);
		await expectOAuthError(grant({ grant_type: "client_credentials", client_id: "uengine-client" }, seedBasic, book), "invalid_request", 400);
		// A user's password is not a client's secret.
		await expectOAuthError(grant({ grant_type: "client_credentials", client_id: "LKJ", client_secret: "lkj-demo-pw" }, undefined, book), "invalid_client", 401);
	});

	it("refuses other grants", async () => {
		for (const g of ["implicit", "authorization_code", "refresh_token", "", "PASSWORD"]) await expectOAuthError(grant({ grant_type: g }, undefined, book), "unsupported_grant_type", 400);
	});
});

describe("signing keys, tokens and rotation", () => {
	it("issues RS256 tokens with sub, roles, exp, iat, jti (and store), verified against the JWKS", async () => {
		const ring = new KeyRing([await generateKey()]);
		const { access_token, token_type, expires_in } = await issueAccessToken(ring, { sub: "kjshop", roles: ["store"], store: "KJSHOP" }, SETTINGS);
		expect(token_type).toBe("Bearer");
		expect(expires_in).toBe(600);
		expect(decodeProtectedHeader(access_token)).toMatchObject({ alg: "RS256", kid: ring.signer().kid });
		const claims = decodeJwt(access_token);
		expect(claims).toMatchObject({ sub: "kjshop", roles: ["store"], store: "KJSHOP", iss: "test-issuer" });
		expect(claims.exp! - claims.iat!).toBe(600);
		expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
		const jwks = ring.jwks();
		expect(jwks.keys).toHaveLength(1);
		expect(Object.keys(jwks.keys[0]).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]); // no private part
		const verifier = new TokenVerifier(async () => jwks, { issuer: "test-issuer", cacheMs: 60000 });
		expect(await verifier.verify(access_token)).toMatchObject({ sub: "kjshop", roles: ["store"], store: "KJSHOP" });
	});

	it("rotation: the new key signs, the old one still verifies until its tokens have expired, then is dropped", async () => {
		const ring = new KeyRing([await generateKey("k1")]);
		const before = await issueAccessToken(ring, { sub: "LKJ", roles: ["customer"] }, SETTINGS);
		const t0 = Date.now();
		const kid = await ring.rotate(600_000, t0, await generateKey("k2"));
		expect(kid).toBe("k2");
		const after = await issueAccessToken(ring, { sub: "LKJ", roles: ["customer"] }, SETTINGS);
		expect(decodeProtectedHeader(after.access_token).kid).toBe("k2");
		expect(ring.jwks(t0 + 1000).keys.map(k => k.kid)).toEqual(["k2", "k1"]);
		let jwks: JSONWebKeySet = ring.jwks(t0 + 1000);
		const verifier = new TokenVerifier(async () => jwks, { issuer: "test-issuer", cacheMs: 60000, minRefreshMs: 0 });
		expect((await verifier.verify(before.access_token)).sub).toBe("LKJ");
		expect((await verifier.verify(after.access_token)).sub).toBe("LKJ");
		expect(ring.jwks(t0 + 600_001).keys.map(k => k.kid)).toEqual(["k2"]);
		// A verifier holding only the old keys learns the new one when it first meets a token signed with it.
		const ring2 = new KeyRing([await generateKey("a")]);
		jwks = ring2.jwks();
		const v2 = new TokenVerifier(async () => jwks, { issuer: "test-issuer", cacheMs: 60000, minRefreshMs: 0 });
		await v2.verify((await issueAccessToken(ring2, { sub: "x", roles: ["rider"] }, SETTINGS)).access_token);
		await ring2.rotate(600_000);
		jwks = ring2.jwks();
		expect((await v2.verify((await issueAccessToken(ring2, { sub: "y", roles: ["rider"] }, SETTINGS)).access_token)).sub).toBe("y");
	});

	it("reads keys from PEM (also with \\n written out), JWK, JWK lists and JWKS; refuses short, non-RSA and public keys", async () => {
		const pem = (bits = 2048) => generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
		const [a, b] = [pem(), pem()];
		const fromPem = await parsePrivateKeys(`${a}\n${b}`);
		expect(fromPem).toHaveLength(2);
		expect((await parsePrivateKeys(a.replace(/\n/g, "\\n")))[0].kid).toBe(fromPem[0].kid);
		const jwk = { ...(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }) as object), kid: "2026-11" };
		expect((await parsePrivateKeys(JSON.stringify(jwk)))[0].kid).toBe("2026-11");
		expect((await parsePrivateKeys(JSON.stringify([jwk])))[0].kid).toBe("2026-11");
		expect((await parsePrivateKeys(JSON.stringify({ keys: [jwk] })))[0].kid).toBe("2026-11");
		await expect(parsePrivateKeys(pem(1024))).rejects.toThrow(/too short/);
		await expect(parsePrivateKeys(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString())).rejects.toThrow(/RSA/);
		const { n, e, kty } = jwk as unknown as { n: string; e: string; kty: string };
		await expect(parsePrivateKeys(JSON.stringify({ kty, n, e }))).rejects.toThrow(/private/);
		await expect(parsePrivateKeys("hello")).rejects.toThrow(/PEM/);
		await expect(parsePrivateKeys(JSON.stringify([jwk, jwk]))).rejects.toThrow(/same kid/);
	});

	describe("forged, expired and malformed tokens are refused", () => {
		let ring: KeyRing;
		let verifier: TokenVerifier;
		let good: string;
		let fetches = 0;
		beforeAll(async () => {
			ring = new KeyRing([await generateKey()]);
			verifier = new TokenVerifier(
				async () => {
					fetches++;
					return ring.jwks();
				},
				{ issuer: "test-issuer", cacheMs: 60000, minRefreshMs: 60000 }
			);
			good = (await issueAccessToken(ring, { sub: "LKJ", roles: ["customer"] }, SETTINGS)).access_token;
			await verifier.verify(good);
		});
		it("missing and malformed", async () => {
			await expectTokenError(verifier.verify(undefined), "missing");
			await expectTokenError(verifier.verify(""), "missing");
			for (const t of ["abc", "a.b", "a.b.c.d", "x".repeat(9000), `${good} extra`, "eyJ.eyJ.!!", "e30.e30.e30"]) await expectTokenError(verifier.verify(t), t === "e30.e30.e30" ? "invalid" : "malformed");
		});

		it("expired, or signed by another key, or for another issuer", async () => {
			const expired = (await issueAccessToken(ring, { sub: "LKJ", roles: ["customer"] }, SETTINGS, Date.now() - 3600_000)).access_token;
			await expectTokenError(verifier.verify(expired), "expired");
			const foreign = new KeyRing([await generateKey(ring.signer().kid)]); // even under our key's id
			await expectTokenError(verifier.verify((await issueAccessToken(foreign, { sub: "LKJ", roles: ["admin"] }, SETTINGS)).access_token), "invalid");
			const stranger = new KeyRing([await generateKey()]);
			await expectTokenError(verifier.verify((await issueAccessToken(stranger, { sub: "LKJ", roles: ["admin"] }, SETTINGS)).access_token), "invalid");
			await expectTokenError(verifier.verify((await issueAccessToken(ring, { sub: "LKJ", roles: ["admin"] }, { ...SETTINGS, issuer: "elsewhere" })).access_token), "invalid");
		});

		it("alg none, HS256 with the public key as secret, a forged role: refused, and none of them refetches the keys", async () => {
			const f = fetches;
			const [header, payload] = [JSON.parse(Buffer.from(good.split(".")[0], "base64url").toString()), JSON.parse(Buffer.from(good.split(".")[1], "base64url").toString())];
			await expectTokenError(verifier.verify(`${b64({ ...header, alg: "none" })}.${b64(payload)}.`), "invalid");
			const publicPem = JSON.stringify(ring.jwks().keys[0]);
			for (const secret of [publicPem, "secret"]) {
				const input = `${b64({ ...header, alg: "HS256" })}.${b64(payload)}`;
				await expectTokenError(verifier.verify(`${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`), "invalid");
			}
			const [hh, , ss] = good.split(".");
			await expectTokenError(verifier.verify(`${hh}.${b64({ ...payload, roles: ["admin"] })}.${ss}`), "invalid");
			await expectTokenError(verifier.verify(`${hh}.${b64({ ...payload, sub: "someone-else" })}.${ss}`), "invalid");
			expect(fetches).toBe(f);
		});

		it("claims that are not ours: no roles, unknown roles, no subject", async () => {
			const key = ring.signer();
			const { SignJWT } = await import("jose");
			const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: key.kid }).setIssuer("test-issuer").setIssuedAt().setExpirationTime("5m").setJti("j").sign(key.privateKey);
			await expectTokenError(verifier.verify(await sign({ sub: "x" })), "invalid");
			await expectTokenError(verifier.verify(await sign({ sub: "x", roles: ["root"] })), "invalid");
			await expectTokenError(verifier.verify(await sign({ sub: "x", roles: "admin" })), "invalid");
			await expectTokenError(verifier.verify(await sign({ roles: ["admin"] })), "invalid");
		});
	});
});

describe("access rules", () => {
	const customerRule = { roles: ["customer", "admin"] as const, owner: "userName" };
	const storeRule = { roles: ["store", "admin"] as const, store: "storeName" };

	it("roles: 403 for a role the rule does not name; admins and unscoped roles see every row", () => {
		expect(() => scopeOf(customerRule, { sub: "r", roles: ["rider"] })).toThrow(expect.objectContaining({ code: 403 }));
		expect(scopeOf(customerRule, { sub: "a", roles: ["admin"] })).toBeNull();
		expect(scopeOf({ roles: ["rider"] }, { sub: "r", roles: ["rider"] })).toBeNull();
		expect(scopeOf(customerRule, { sub: "LKJ", roles: ["customer"] })).toEqual([{ field: "userName", value: "LKJ" }]);
		expect(scopeOf(storeRule, { sub: "o", roles: ["store"], store: "KJSHOP" })).toEqual([{ field: "storeName", value: "KJSHOP" }]);
	});

	it("ownership: rows and params of others are refused; an absent owner param becomes the caller's", () => {
		const scope = scopeOf(customerRule, { sub: "LKJ", roles: ["customer"] });
		expect(inScope(scope, { userName: "LKJ" })).toBe(true);
		expect(inScope(scope, { userName: "other" })).toBe(false);
		expect(inScope(scope, {})).toBe(false);
		const params: Record<string, unknown> = {};
		scopeParams(scope, params, f => f === "userName");
		expect(params).toEqual({ userName: "LKJ" });
		expect(() => scopeParams(scope, { userName: "other" }, () => true)).toThrow(expect.objectContaining({ code: 403 }));
		const noStore = scopeOf(storeRule, { sub: "o", roles: ["store"] }); // a store owner whose token names no store
		expect(inScope(noStore, { storeName: undefined })).toBe(false);
		expect(() => scopeParams(noStore, {}, () => true)).toThrow(expect.objectContaining({ code: 403 }));
	});

	it("only a well-formed principal is trusted", () => {
		expect(principalOf(null)).toBeNull();
		expect(principalOf({ sub: "", roles: [] })).toBeNull();
		expect(principalOf({ sub: "x", roles: "admin" })).toBeNull();
		expect(principalOf({ sub: "x", roles: ["admin", "root"] })).toEqual({ sub: "x", roles: ["admin"] });
		expect(forbidden("no").code).toBe(403);
	});
});
