/**
 * Where the identity context's keys and accounts come from: configuration in a cluster (a clear start-up error
 * naming the variable when one is missing or malformed), the demo accounts and a generated key only in the
 * embedded default.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { config, loadConfig } from "../../config";
import identity from "../../services/identity/identity.service";

async function startIdentity(): Promise<ServiceBroker> {
	const broker = new ServiceBroker({ logger: false, nodeID: `identity-config-${Math.random()}` });
	broker.createService(identity as ServiceSchema);
	await broker.start();
	return broker;
}

describe("identity configuration", () => {
	const saved = { ...config.identity, transporter: config.transporter };
	afterEach(() => {
		Object.assign(config.identity, { privateKeys: saved.privateKeys, accounts: saved.accounts });
		config.transporter = saved.transporter;
	});

	it("in a cluster, refuses to start without JWT_PRIVATE_KEYS or IDENTITY_ACCOUNTS, naming the variable", async () => {
		config.transporter = "nats://127.0.0.1:4222";
		config.identity.privateKeys = undefined;
		config.identity.accounts = JSON.stringify([{ username: "a", password: "secret1", roles: ["admin"] }]);
		await expect(startIdentity()).rejects.toThrow(/JWT_PRIVATE_KEYS/);
		config.identity.privateKeys = saved.privateKeys;
		config.identity.accounts = undefined;
		await expect(startIdentity()).rejects.toThrow(/IDENTITY_ACCOUNTS/);
		config.identity.privateKeys = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----";
		config.identity.accounts = JSON.stringify([{ username: "a", password: "secret1", roles: ["admin"] }]);
		await expect(startIdentity()).rejects.toThrow(/JWT_PRIVATE_KEYS/);
	});

	it("in a cluster with both configured, issues tokens for the configured accounts only (no demo account)", async () => {
		config.transporter = "nats://127.0.0.1:4222";
		config.identity.accounts = JSON.stringify([{ username: "ops", password: "ops-secret", roles: ["admin"] }]);
		const broker = await startIdentity();
		try {
			const token = await broker.call<{ access_token: string }, object>("identity.token", { grant_type: "password", username: "ops", password: "ops-secret" });
			expect(token.access_token.split(".")).toHaveLength(3);
			await expect(broker.call("identity.token", { grant_type: "password", username: "LKJ", password: "lkj-demo-pw" })).rejects.toMatchObject({ code: 400 });
		} finally {
			await broker.stop();
		}
	});

	it("embedded default: generates a key and seeds the demo accounts", async () => {
		config.identity.privateKeys = undefined;
		config.identity.accounts = undefined;
		const broker = await startIdentity();
		try {
			const jwks = await broker.call<{ keys: { kid: string }[] }>("identity.jwks");
			expect(jwks.keys).toHaveLength(1);
			await expect(broker.call("identity.token", { grant_type: "password", username: "LKJ", password: "lkj-demo-pw" })).resolves.toMatchObject({ token_type: "Bearer" });
		} finally {
			await broker.stop();
		}
	});

	it("a malformed IDENTITY_ACCOUNTS is a start-up error naming the variable", async () => {
		// The identity context reads its own accounts (config/ only reads the environment): it refuses to start.
		config.identity.accounts = loadConfig({ IDENTITY_ACCOUNTS: "{" }).identity.accounts;
		await expect(startIdentity()).rejects.toThrow(/IDENTITY_ACCOUNTS/);
		config.identity.accounts = loadConfig({ IDENTITY_ACCOUNTS: JSON.stringify([{ username: "x", password: "secret1", roles: ["superuser"] }]) }).identity.accounts;
		await expect(startIdentity()).rejects.toThrow(/IDENTITY_ACCOUNTS.*roles/);
		expect(() => loadConfig({ RATE_LIMIT_TRUST_PROXY: "yes" })).toThrow(/RATE_LIMIT_TRUST_PROXY/);
		expect(loadConfig({}).rateLimit).toEqual({ windowMs: 60000, apiLimit: 1200, tokenLimit: 30, trustProxy: false });
	});
});

describe("identity.verifyPassword (a saga's step-up check)", () => {
	it("says whether a password is a person's, inside the system only", async () => {
		config.identity.privateKeys = undefined;
		config.identity.accounts = undefined;
		const broker = await startIdentity();
		try {
			await expect(broker.call("identity.verifyPassword", { username: "LKJ", password: "lkj-demo-pw" })).resolves.toEqual({ verified: true });
			await expect(broker.call("identity.verifyPassword", { username: "LKJ", password: "wrong" })).resolves.toEqual({ verified: false });
			await expect(broker.call("identity.verifyPassword", { username: "nobody", password: "x" })).resolves.toEqual({ verified: false });
			// No `auth` rule: a call from the gateway is refused by the access middleware (it is not exposed).
			expect(broker.registry.getActionList({}).find(a => a.name === "identity.verifyPassword")?.action?.auth).toBeUndefined();
		} finally {
			await broker.stop();
		}
	});
});
