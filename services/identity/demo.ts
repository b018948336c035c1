/**
 * The demo accounts of the embedded default (docs/identity.md lists them), so a new user can try every flow
 * at once. Written as IDENTITY_ACCOUNTS is (config/identity.ts). Never seeded by themselves in a cluster:
 * there the accounts come from IDENTITY_ACCOUNTS (a Secret); the local cluster launcher passes these.
 */
import type { AccountEntry } from "../../config/identity";

export const DEMO_ACCOUNTS: readonly AccountEntry[] = [
	// The flower seed's customer (`userName=LKJ` in its commands) and the fish seed's (`customerName=HanYongsun`).
	{ username: "LKJ", password: "lkj-demo-pw", roles: ["customer"] },
	{ username: "HanYongsun", password: "han-demo-pw", roles: ["customer"] },
	// The owner of the flower seed's shop KJSHOP; also the fish shop's owner (the fish seed's one shop has no name).
	{ username: "kjshop", password: "kjshop-demo-pw", roles: ["store"], store: "KJSHOP" },
	{ username: "rider", password: "rider-demo-pw", roles: ["rider"] },
	{ username: "admin", password: "admin-demo-pw", roles: ["admin"] },
	// The flower seed's machine client (`Authorization: Basic dWVuZ2luZS1jbGllbnQ6dWVuZ2luZS1zZWNyZXQ=`), which read any order.
	{ clientId: "uengine-client", clientSecret: "uengine-secret", roles: ["admin"] }
];
