/**
 * The demo accounts of the embedded default (docs/identity.md lists them), so a new user can try every flow
 * at once: the administrator, and the accounts each system's manifest says it needs (services/systems.ts).
 * Written as IDENTITY_ACCOUNTS is (accounts-config.ts). Never seeded by themselves in a cluster: there the
 * accounts come from IDENTITY_ACCOUNTS (a Secret); the local cluster launcher passes these.
 */
import type { AccountEntry } from "../../domain";
import { SYSTEMS } from "../systems";

const BASE: readonly AccountEntry[] = [{ username: "admin", password: "admin-demo-pw", roles: ["admin"] }];

const nameOf = (a: AccountEntry) => ("username" in a ? `user:${a.username}` : `client:${a.clientId}`);

/** The base accounts and every system's, each once (two systems may share one, e.g. a rider); two different accounts under one name are an error. */
export function demoAccounts(systems = SYSTEMS): AccountEntry[] {
	const byName = new Map<string, AccountEntry>();
	for (const account of [...BASE, ...systems.flatMap(s => s.accounts)]) {
		const name = nameOf(account);
		const known = byName.get(name);
		if (known && JSON.stringify(known) !== JSON.stringify(account)) throw new Error(`demo account ${name} is declared twice, differently`);
		byName.set(name, account);
	}
	return [...byName.values()];
}

export const DEMO_ACCOUNTS: readonly AccountEntry[] = demoAccounts();
