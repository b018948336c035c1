/**
 * Who is calling: the roles of the specs and the principal a verified token stands for.
 * Plain TypeScript, shared by the identity context (which issues tokens), the gateway (which verifies them)
 * and the access rules every context declares on its actions.
 */

export const ROLES = ["customer", "store", "rider", "admin"] as const;
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
