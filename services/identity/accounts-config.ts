/**
 * The identity context's accounts as configuration writes them (IDENTITY_ACCOUNTS, a JSON list):
 *
 *   [{ "username": "LKJ", "password": "…", "roles": ["customer"] },
 *    { "username": "kjshop", "passwordHash": "scrypt$16384$8$1$…", "roles": ["store"], "store": "KJSHOP" },
 *    { "clientId": "uengine-client", "clientSecret": "…", "roles": ["admin"] }]
 *
 * A production Secret should hold hashes (docs/identity.md shows how to make one), not passwords.
 */
import type { AccountEntry } from "../../domain";
import { seedProblem, type AccountSeed } from "./accounts";

const USER_KEYS = new Set(["username", "password", "passwordHash", "roles", "store"]);
const CLIENT_KEYS = new Set(["clientId", "clientSecret", "clientSecretHash", "roles"]);

/** The seeds of `entries`; throws naming the first entry that is wrong. */
export function toSeeds(entries: readonly unknown[]): AccountSeed[] {
	return entries.map((entry, i) => {
		if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Error(`entry ${i + 1} is not an object`);
		const e = entry as Record<string, unknown>;
		const client = "clientId" in e;
		const allowed = client ? CLIENT_KEYS : USER_KEYS;
		const unknown = Object.keys(e).filter(k => !allowed.has(k));
		if (unknown.length > 0) throw new Error(`entry ${i + 1}: unknown field(s) ${unknown.join(", ")}`);
		const seed = client
			? { kind: "client", name: e.clientId, secret: e.clientSecret, secretHash: e.clientSecretHash, roles: e.roles }
			: { kind: "user", name: e.username, secret: e.password, secretHash: e.passwordHash, roles: e.roles, store: e.store };
		for (const k of Object.keys(seed) as (keyof typeof seed)[]) if (seed[k] === undefined) delete seed[k];
		const problem = seedProblem(seed);
		if (problem) throw new Error(`entry ${i + 1}: ${problem}`);
		return seed as AccountSeed;
	});
}

/** IDENTITY_ACCOUNTS: undefined when unset; throws (with the reason) when it is not a valid list. */
export function parseAccounts(raw: string | undefined): AccountSeed[] | undefined {
	if (raw === undefined || raw.trim() === "") return undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		throw new Error("is not valid JSON");
	}
	if (!Array.isArray(parsed) || parsed.length === 0) throw new Error("must be a non-empty JSON list of accounts");
	return toSeeds(parsed);
}
