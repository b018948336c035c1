/**
 * Datastore adapters behind moleculer-db's adapter interface: MongoDB when MONGO_URI is set, otherwise the
 * embedded store — SQLite (lib/sqlite-adapter.ts: one file under DATA_DIR, durable across kill -9) by
 * default, or NeDB (moleculer-db's MemoryAdapter, one file per collection) with EMBEDDED_STORE=nedb — kept
 * in memory when DATA_DIR=":memory:".
 */
import fs from "node:fs";
import path from "node:path";
import { MemoryAdapter, type DbAdapter } from "moleculer-db";
import MongoDbAdapter from "moleculer-db-adapter-mongo";
import type { AppConfig } from "../config";
import { SqliteAdapter } from "./sqlite-adapter";

export function createDbAdapter(cfg: Pick<AppConfig, "mongoUri" | "dataDir" | "embeddedStore" | "sqliteSynchronous">, collection: string): DbAdapter {
	if (cfg.mongoUri) return new MongoDbAdapter(cfg.mongoUri);
	if (cfg.embeddedStore === "sqlite") {
		const file = cfg.dataDir === ":memory:" ? ":memory:" : path.join(cfg.dataDir, "store.sqlite");
		return new SqliteAdapter({ file, table: collection, synchronous: cfg.sqliteSynchronous });
	}
	if (cfg.dataDir === ":memory:") return new MemoryAdapter();
	fs.mkdirSync(cfg.dataDir, { recursive: true });
	return new MemoryAdapter({ filename: path.join(cfg.dataDir, `${collection}.db`), autoload: false });
}

/** Duplicate-key errors of NeDB ("uniqueViolated"), MongoDB (11000) and SQLite (a primary key constraint). */
export function isDuplicateKey(err: unknown): boolean {
	if (typeof err !== "object" || err === null) return false;
	const e = err as { errorType?: string; code?: number | string };
	return e.errorType === "uniqueViolated" || e.code === 11000 || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** The part of NeDB's Datastore (behind moleculer-db's MemoryAdapter, as `db` once connected) used below. */
interface NedbDatastore {
	updateAsync(query: object, update: object, options: { multi: boolean }): Promise<{ numAffected: number }>;
}

function nedbOf(store: DbAdapter): NedbDatastore | undefined {
	if (!(store instanceof MemoryAdapter)) return undefined;
	const db: unknown = (store as MemoryAdapter & { db?: unknown }).db;
	return typeof db === "object" && db !== null && typeof (db as Partial<NedbDatastore>).updateAsync === "function" ? (db as NedbDatastore) : undefined;
}

/**
 * `store.updateMany(query, update)`: the number of documents updated. On NeDB it calls the Datastore's own
 * promise API, because MemoryAdapter.updateMany goes through `util.promisify` of a function that returns a
 * Promise, which Node 22 reports on every call (DEP0174); the answer is the same.
 */
export async function updateMany(store: DbAdapter, query: object, update: object): Promise<number> {
	const nedb = nedbOf(store);
	if (nedb) return (await nedb.updateAsync(query, update, { multi: true })).numAffected;
	return store.updateMany(query, update);
}
