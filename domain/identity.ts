/**
 * Who is calling: the roles of the specs (shared/specs/gateway.md) and the principal a verified token stands
 * for. Plain TypeScript, shared by the identity context (which issues tokens), the gateway (which verifies
 * them), the access rules every context declares on its actions, and the systems' demo accounts.
 */

export const ROLES = ["customer", "store", "rider", "warehouse", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
	return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** The caller, as a verified token says: its subject, its roles and, for a store owner, the store it runs. */
export interface Principal {
	sub: string;
	roles: Role[];
	/** The store a store owner runs (claim `store`): they act only on that store's orders. */
	store?: string;
}

/**
 * An account as configuration writes it (IDENTITY_ACCOUNTS, a JSON list, and the demo accounts each system
 * declares in its manifest): a person (password grant) or a machine client (client_credentials grant).
 */
export type AccountEntry =
	| { username: string; password?: string; passwordHash?: string; roles: Role[]; store?: string }
	| { clientId: string; clientSecret?: string; clientSecretHash?: string; roles: Role[] };
