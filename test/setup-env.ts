import { generateKeyPairSync } from "node:crypto";

// Tests in one process keep aggregates in memory and log only warnings; cluster tests set their own env per process.
process.env.DATA_DIR = process.env.DATA_DIR || ":memory:";
process.env.LOG_LEVEL = process.env.LOG_LEVEL || "warn";
process.env.OUTBOX_SWEEP_MS = process.env.OUTBOX_SWEEP_MS || "200";
process.env.PORT = process.env.PORT || "0";
// Fuzz and load tests send thousands of requests from one address; the rate limit test sets its own limits.
process.env.RATE_LIMIT_PER_WINDOW = process.env.RATE_LIMIT_PER_WINDOW || "1000000";
process.env.RATE_LIMIT_TOKEN_PER_WINDOW = process.env.RATE_LIMIT_TOKEN_PER_WINDOW || "1000000";
// The identity context signs with this key; tests mint tokens with it (test/support/auth.ts), cluster processes inherit it.
process.env.JWT_PRIVATE_KEYS =
	process.env.JWT_PRIVATE_KEYS || generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
