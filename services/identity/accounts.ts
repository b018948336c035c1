/**
 * Accounts of the identity context: people (password grant) and machine clients (client_credentials grant),
 * each with its roles. Secrets are kept only as salted scrypt hashes (`scrypt$N$r$p$salt$hash`, base64url),
 * and compared in constant time; an unknown name costs as much as a wrong secret, so timing does not tell
 * which names exist. Plain TypeScript over node:crypto.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { isRole, ROLES, type Principal, type Role } from "../../domain";

/** An account as configuration gives it (IDENTITY_ACCOUNTS, or the embedded demo accounts). */
export interface AccountSeed {
	kind: "user" | "client";
	/** The username (user) or client id (client); it becomes the token's subject. */
	name: string;
	/** The password or client secret in plain text (hashed at once), or… */
	secret?: string;
	/** …its hash, as `hashSecret` writes it (what a production Secret should hold). */
	secretHash?: string;
	roles: Role[];
	/** The store a store owner runs. */
	store?: string;
}

interface Account {
	kind: AccountSeed["kind"];
	name: string;
	hash: string;
	roles: Role[];
	store?: string;
}

const KEY_LENGTH = 32;
const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

function scrypt(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
	return new Promise((resolve, reject) => scryptCb(secret, salt, keylen, { ...opts, maxmem: 256 * opts.N! * opts.r! }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A salted slow hash of `secret`: `scrypt$N$r$p$<salt>$<hash>`. */
export async function hashSecret(secret: string, cost: { N: number; r: number; p: number } = DEFAULT_COST): Promise<string> {
	const salt = randomBytes(16);
	const key = await scrypt(secret, salt, KEY_LENGTH, cost);
	return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

interface ParsedHash {
	N: number;
	r: number;
	p: number;
	salt: Buffer;
	key: Buffer;
}

export function parseHash(hash: string): ParsedHash | null {
	const parts = hash.split("$");
	if (parts.length !== 6 || parts[0] !== "scrypt") return null;
	const [N, r, p] = parts.slice(1, 4).map(Number);
	const salt = Buffer.from(parts[4], "base64url");
	const key = Buffer.from(parts[5], "base64url");
	const pow2 = Number.isInteger(N) && N >= 1024 && N <= 1048576 && (N & (N - 1)) === 0;
	if (!pow2 || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16 || salt.length < 8 || key.length < 16) return null;
	return { N, r, p, salt, key };
}

/** Whether `secret` matches `hash` (constant-time comparison). */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
	const parsed = parseHash(hash);
	if (!parsed) return false;
	const key = await scrypt(secret, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p });
	return timingSafeEqual(key, parsed.key);
}

/** Why a seed is not a valid account (null: it is). */
export function seedProblem(seed: unknown): string | null {
	if (typeof seed !== "object" || seed === null) return "an account must be an object";
	const s = seed as Record<string, unknown>;
	if (s.kind !== "user" && s.kind !== "client") return `kind must be "user" or "client"`;
	if (typeof s.name !== "string" || !/^[\p{L}\p{N}._@-]{1,100}$/u.test(s.name)) return `name "${String(s.name)}" must be 1-100 letters, digits or . _ @ -`;
	if (s.secret === undefined && s.secretHash === undefined) return `${s.name}: a secret or a secretHash is required`;
	if (s.secret !== undefined && (typeof s.secret !== "string" || s.secret.length < 6)) return `${s.name}: secret must be a string of at least 6 characters`;
	if (s.secretHash !== undefined && (typeof s.secretHash !== "string" || !parseHash(s.secretHash))) return `${s.name}: secretHash must be "scrypt$N$r$p$salt$hash"`;
	if (!Array.isArray(s.roles) || s.roles.length === 0 || !s.roles.every(isRole)) return `${s.name}: roles must be a non-empty list of ${ROLES.join(", ")}`;
	if (s.store !== undefined && (typeof s.store !== "string" || s.store === "")) return `${s.name}: store must be a store name`;
	return null;
}

/** The accounts, held as hashes. */
export class AccountBook {
	private constructor(
		private readonly accounts: Map<string, Account>,
		/** Verified against when a name is unknown, so that costs as much as a wrong secret. */
		private readonly decoy: string
	) {}

	/** Hashes the plain secrets of the seeds; a duplicate name of the same kind or an invalid seed is an error. */
	static async seed(seeds: readonly AccountSeed[]): Promise<AccountBook> {
		const accounts = new Map<string, Account>();
		for (const seed of seeds) {
			const problem = seedProblem(seed);
			if (problem) throw new Error(problem);
			const key = `${seed.kind}:${seed.name}`;
			if (accounts.has(key)) throw new Error(`${seed.kind} "${seed.name}" is seeded twice`);
			accounts.set(key, { kind: seed.kind, name: seed.name, roles: [...seed.roles], store: seed.store, hash: seed.secretHash ?? "" });
		}
		await Promise.all(
			seeds.map(async seed => {
				if (seed.secretHash === undefined) accounts.get(`${seed.kind}:${seed.name}`)!.hash = await hashSecret(seed.secret!);
			})
		);
		return new AccountBook(accounts, await hashSecret(randomBytes(12).toString("base64url")));
	}

	get size(): number {
		return this.accounts.size;
	}

	/** The principal of the account `name` of `kind` when `secret` is its secret; null otherwise. */
	async authenticate(kind: AccountSeed["kind"], name: string, secret: string): Promise<Principal | null> {
		const account = this.accounts.get(`${kind}:${name}`);
		const ok = await verifySecret(secret, account ? account.hash : this.decoy);
		if (!account || !ok) return null;
		return { sub: account.name, roles: [...account.roles], ...(account.store ? { store: account.store } : {}) };
	}
}
