/**
 * Datastore adapters behind moleculer-db's adapter interface: MongoDB when MONGO_URI is set, otherwise
 * NeDB (moleculer-db's MemoryAdapter) in a file under DATA_DIR, or in memory when DATA_DIR=":memory:".
 */
import fs from "node:fs";
import path from "node:path";
import { MemoryAdapter, type DbAdapter } from "moleculer-db";
import MongoDbAdapter from "moleculer-db-adapter-mongo";
import type { AppConfig } from "../config";

export function createDbAdapter(cfg: Pick<AppConfig, "mongoUri" | "dataDir">, collection: string): DbAdapter {
	if (cfg.mongoUri) return new MongoDbAdapter(cfg.mongoUri);
	if (cfg.dataDir === ":memory:") return new MemoryAdapter();
	fs.mkdirSync(cfg.dataDir, { recursive: true });
	return new MemoryAdapter({ filename: path.join(cfg.dataDir, `${collection}.db`), autoload: false });
}

/** Duplicate-key errors of NeDB ("uniqueViolated") and MongoDB (11000). */
export function isDuplicateKey(err: unknown): boolean {
	if (typeof err !== "object" || err === null) return false;
	const e = err as { errorType?: string; code?: number };
	return e.errorType === "uniqueViolated" || e.code === 11000;
}
