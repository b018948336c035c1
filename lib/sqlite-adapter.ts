/**
 * An embedded document store behind moleculer-db's adapter interface, on SQLite (better-sqlite3, WAL): the
 * embedded default's datastore (MongoDB stays the production choice through MONGO_URI, NeDB the
 * moleculer-db reference adapter the tests also run on).
 *
 * One table per collection, one JSON document per row; one database file per DATA_DIR (every collection of
 * a process shares its connection). Durable: a write is committed in the write-ahead log before its promise
 * resolves (the writes of one event-loop turn in one commit: `grouped` below), so every write acknowledged to
 * a client survives kill -9 of the process (SQLITE_SYNCHRONOUS=full
 * also survives the machine losing power, at some cost). Queries are the subset the blocks use, in MongoDB's
 * words: equality on (dotted) fields, `$in`, `$exists`; sort, limit, offset; updates with `$set`, `$push`
 * (`$each`), `$pull` (a value, or a condition on the pulled items), `$inc`. Every field a query filters or
 * sorts on gets an expression index the first time it is asked for; `outbox.0: { $exists: true }` (the
 * outbox sweep) reads an indexed column kept by SQLite itself, so the sweep does not scan a large store.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { ServiceBroker, Service } from "moleculer";
import type { CountOptions, CursorOptions, DbAdapter, FilterOptions, QueryOptions } from "moleculer-db";

type Doc = Record<string, unknown> & { _id: string };
type Value = string | number | boolean | null;

const databases = new Map<string, { db: Database.Database; users: number }>();

/** The process's connection to `file` (opened once, WAL, the given durability); ":memory:" is a database of its own. */
export function openDatabase(file: string, synchronous: "normal" | "full"): Database.Database {
	// In memory: a database of its own (nothing to share, and two brokers of one test process stay apart).
	if (file === ":memory:") return new Database(":memory:");
	const known = databases.get(file);
	if (known) {
		known.users++;
		return known.db;
	}
	if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
	const db = new Database(file);
	db.pragma("journal_mode = WAL");
	db.pragma(`synchronous = ${synchronous}`);
	db.pragma("busy_timeout = 5000");
	databases.set(file, { db, users: 1 });
	return db;
}

/** Gives back a connection `openDatabase` answered (closed when its last user gives it back, its open group committed first). */
export function closeDatabase(file: string, db: Database.Database): void {
	if (file === ":memory:") {
		flushWrites(db);
		db.close();
		return;
	}
	const known = databases.get(file);
	if (!known) return;
	if (--known.users > 0) return;
	databases.delete(file);
	flushWrites(known.db);
	known.db.close();
}

// ---- group commit ---------------------------------------------------------------------------------------
//
// Every write of one event-loop turn on a connection shares one transaction, committed once in the turn's
// check phase (setImmediate): a placement's dozen writes across its contexts cost a few commits instead of a
// dozen. A write's promise resolves only after that commit, so what is acknowledged is still durable; a read
// answers only once the writes it may have seen are committed (its promise waits for the open group). A
// write that fails fails alone: a statement is undone by SQLite, a multi-statement write runs in its own
// `db.transaction` (a savepoint inside the group). If the commit fails, every write of the group is refused.

interface WriteGroup {
	done: Promise<void>;
	settle(err?: unknown): void;
}

const openGroups = new WeakMap<Database.Database, WriteGroup>();

function openGroup(db: Database.Database): WriteGroup | undefined {
	// Inside a transaction of the caller's own (synchronous, so not ours): it commits the write.
	if (db.inTransaction) return undefined;
	// IMMEDIATE: the write lock first (replicas sharing the file queue on busy_timeout; see updateMany).
	db.exec("BEGIN IMMEDIATE");
	let settle!: (err?: unknown) => void;
	const done = new Promise<void>((resolve, reject) => {
		settle = err => (err === undefined ? resolve() : reject(err));
	});
	// Each writer and reader handles the outcome on its own promise; this one only must not go unhandled.
	done.catch(() => undefined);
	const group: WriteGroup = { done, settle };
	openGroups.set(db, group);
	setImmediate(() => commitGroup(db, group));
	return group;
}

function commitGroup(db: Database.Database, group: WriteGroup): void {
	if (openGroups.get(db) !== group) return;
	openGroups.delete(db);
	try {
		if (!db.inTransaction) throw new Error("the group's transaction was rolled back by SQLite before its commit");
		db.exec("COMMIT");
		group.settle();
	} catch (err) {
		try {
			if (db.inTransaction) db.exec("ROLLBACK");
		} catch {
			/* already rolled back */
		}
		group.settle(err ?? new Error("commit failed"));
	}
}

/** Runs `write` now, in the connection's group of this turn: its result once the group is committed. */
export function grouped<T>(db: Database.Database, write: () => T): Promise<T> {
	if (!openGroups.has(db)) openGroup(db);
	return afterCommit(db, write());
}

/** `value` once every write this connection has made so far is committed (at once when none is pending). */
export function afterCommit<T>(db: Database.Database, value: T): Promise<T> {
	const group = openGroups.get(db);
	return group ? group.done.then(() => value) : Promise.resolve(value);
}

/** Commits the connection's open group now (before it closes). */
function flushWrites(db: Database.Database): void {
	const group = openGroups.get(db);
	if (group) commitGroup(db, group);
}

/** An SQL identifier (a table or index name). */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `$.state.status` for "state.status" (only plain field names: anything else is refused). */
function jsonPath(field: string): string {
	if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$0-9][\w$]*)*$/.test(field)) throw new Error(`unsupported field path "${field}"`);
	return `$.${field}`;
}

const bind = (v: unknown): Value => (typeof v === "boolean" ? (v ? 1 : 0) : (v as Value));

function isOperatorObject(v: unknown): v is Record<string, unknown> {
	return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).some(k => k.startsWith("$"));
}

/** The value at a dotted path of a document. */
function getPath(doc: Record<string, unknown>, field: string): unknown {
	let cur: unknown = doc;
	for (const part of field.split(".")) {
		if (typeof cur !== "object" || cur === null) return undefined;
		cur = (cur as Record<string, unknown>)[part];
	}
	return cur;
}

function setPath(doc: Record<string, unknown>, field: string, value: unknown): void {
	const parts = field.split(".");
	let cur = doc;
	for (const part of parts.slice(0, -1)) {
		if (typeof cur[part] !== "object" || cur[part] === null) cur[part] = {};
		cur = cur[part] as Record<string, unknown>;
	}
	cur[parts[parts.length - 1]] = value;
}

/** Whether an item of an array matches a `$pull` condition (a value, or `{ field: value | { $in } }`). */
function matchesPull(item: unknown, condition: unknown): boolean {
	if (typeof condition !== "object" || condition === null) return item === condition;
	return Object.entries(condition as Record<string, unknown>).every(([field, want]) => {
		const have = typeof item === "object" && item !== null ? getPath(item as Record<string, unknown>, field) : undefined;
		if (isOperatorObject(want) && Array.isArray(want.$in)) return want.$in.includes(have);
		return have === want;
	});
}

/**
 * `{ $pull: { <array>: { <item field>: { $in: [values] } } } }` and nothing else (how the outbox removes its
 * published events): the JSON paths and the values, for an update done in SQL; null for any other update.
 */
function pullIn(update: Record<string, unknown>): { array: string; item: string; values: Value[] } | null {
	const ops = Object.keys(update);
	if (ops.length !== 1 || ops[0] !== "$pull") return null;
	const fields = update.$pull;
	if (typeof fields !== "object" || fields === null || Object.keys(fields).length !== 1) return null;
	const [[field, condition]] = Object.entries(fields as Record<string, unknown>);
	if (typeof condition !== "object" || condition === null || isOperatorObject(condition) || Object.keys(condition).length !== 1) return null;
	const [[itemField, want]] = Object.entries(condition as Record<string, unknown>);
	if (!isOperatorObject(want) || Object.keys(want).length !== 1 || !Array.isArray(want.$in)) return null;
	if (!want.$in.every(v => typeof v === "string" || typeof v === "number")) return null;
	return { array: jsonPath(field), item: jsonPath(itemField), values: want.$in as Value[] };
}

/**
 * Applies a MongoDB-style update (`$set`, `$push`, `$pull`, `$inc`) to `next` itself: a document just parsed
 * from its row, which nobody else holds (a copy first cost as much as the parse).
 */
function applyUpdate(next: Doc, update: Record<string, unknown>): Doc {
	for (const [op, fields] of Object.entries(update)) {
		if (typeof fields !== "object" || fields === null) throw new Error(`unsupported update ${op}`);
		for (const [field, arg] of Object.entries(fields as Record<string, unknown>)) {
			switch (op) {
				case "$set":
					setPath(next, field, arg);
					break;
				case "$inc":
					setPath(next, field, Number(getPath(next, field) ?? 0) + Number(arg));
					break;
				case "$push": {
					const list = Array.isArray(getPath(next, field)) ? [...(getPath(next, field) as unknown[])] : [];
					list.push(...(isOperatorObject(arg) && Array.isArray(arg.$each) ? arg.$each : [arg]));
					setPath(next, field, list);
					break;
				}
				case "$pull": {
					const list = getPath(next, field);
					if (Array.isArray(list)) setPath(next, field, list.filter(item => !matchesPull(item, arg)));
					break;
				}
				default:
					throw new Error(`unsupported update operator ${op}`);
			}
		}
	}
	return next;
}

export interface SqliteAdapterOptions {
	/** The database file, or ":memory:". */
	file: string;
	/** The collection's table. */
	table: string;
	/** "normal" (default: survives a crash of the process) or "full" (survives the machine's too). */
	synchronous?: "normal" | "full";
}

export class SqliteAdapter implements DbAdapter {
	private db?: Database.Database;
	private readonly indexed = new Set<string>();
	private readonly statements = new Map<string, Database.Statement>();
	private updateFn?: Database.Transaction<(docs: Doc[], changed: string[]) => void>;

	constructor(private readonly opts: SqliteAdapterOptions) {}

	init(_broker: ServiceBroker, _service: Service): void {}

	async connect(): Promise<void> {
		const db = openDatabase(this.opts.file, this.opts.synchronous ?? "normal");
		const t = ident(this.opts.table);
		db.exec(`CREATE TABLE IF NOT EXISTS ${t} (_id TEXT PRIMARY KEY, doc TEXT NOT NULL, pending INTEGER GENERATED ALWAYS AS (coalesce(json_array_length(doc, '$.outbox'), 0) > 0) VIRTUAL)`);
		db.exec(`CREATE INDEX IF NOT EXISTS ${ident(`${this.opts.table}__pending`)} ON ${t}(pending) WHERE pending`);
		this.db = db;
	}

	async disconnect(): Promise<void> {
		if (!this.db) return;
		const db = this.db;
		this.db = undefined;
		this.statements.clear();
		this.updateFn = undefined;
		closeDatabase(this.opts.file, db);
	}

	private get conn(): Database.Database {
		if (!this.db) throw new Error(`${this.opts.table}: not connected`);
		return this.db;
	}

	private stmt(sql: string): Database.Statement {
		let s = this.statements.get(sql);
		if (!s) this.statements.set(sql, (s = this.conn.prepare(sql)));
		return s;
	}

	/** The SQL of `field`; with `index`, an expression index on it is made the first time a query needs it. */
	private expr(field: string, index = true): string {
		if (field === "_id") return "_id";
		const e = `json_extract(doc, '${jsonPath(field)}')`;
		if (index && !this.indexed.has(field)) {
			this.conn.exec(`CREATE INDEX IF NOT EXISTS ${ident(`${this.opts.table}__${field}`)} ON ${ident(this.opts.table)}(${e})`);
			this.indexed.add(field);
		}
		return e;
	}

	/** The WHERE clause of a query and its parameters. */
	private where(query: QueryOptions = {}): { sql: string; params: Value[] } {
		const clauses: string[] = [];
		const params: Value[] = [];
		// A query by primary key needs no other index (the conditional update: { _id, version }).
		const byId = "_id" in query && !isOperatorObject(query._id);
		for (const [field, want] of Object.entries(query)) {
			if (field === "outbox.0" && isOperatorObject(want) && "$exists" in want) {
				clauses.push(want.$exists ? "pending" : "NOT pending");
				continue;
			}
			const e = this.expr(field, !byId);
			if (isOperatorObject(want)) {
				for (const [op, arg] of Object.entries(want)) {
					if (op === "$in" && Array.isArray(arg)) {
						clauses.push(arg.length ? `${e} IN (${arg.map(() => "?").join(", ")})` : "0");
						params.push(...arg.map(bind));
					} else if (op === "$exists") clauses.push(arg ? `${e} IS NOT NULL` : `${e} IS NULL`);
					else if (op === "$ne") {
						clauses.push(`(${e} IS NULL OR ${e} <> ?)`);
						params.push(bind(arg));
					} else throw new Error(`unsupported query operator ${op}`);
				}
			} else if (want === null) clauses.push(`${e} IS NULL`);
			else {
				clauses.push(`${e} = ?`);
				params.push(bind(want));
			}
		}
		return { sql: clauses.length ? ` WHERE ${clauses.join(" AND ")}` : "", params };
	}

	private parse(row: unknown): Doc {
		return JSON.parse((row as { doc: string }).doc) as Doc;
	}

	async find(filters: CursorOptions = {}): Promise<object[]> {
		if (filters.search) throw new Error("full-text search is not supported");
		const { sql, params } = this.where(filters.query);
		const sort = (typeof filters.sort === "string" ? filters.sort.split(/\s+/) : (filters.sort ?? [])).filter(Boolean);
		const order = sort.map(s => (s.startsWith("-") ? `${this.expr(s.slice(1))} DESC` : `${this.expr(s)} ASC`));
		const limit = filters.limit !== undefined ? Number(filters.limit) : -1;
		const offset = filters.offset !== undefined ? Number(filters.offset) : 0;
		const text = `SELECT doc FROM ${ident(this.opts.table)}${sql}${order.length ? ` ORDER BY ${order.join(", ")}` : ""} LIMIT ? OFFSET ?`;
		const docs = this.stmt(text)
			.all(...params, limit, offset)
			.map(r => this.parse(r));
		return afterCommit(this.conn, docs);
	}

	async findOne<Q extends QueryOptions>(query: Q): Promise<object> {
		const [doc] = await this.find({ query, limit: 1 });
		return doc as object;
	}

	async findById(id: string | number): Promise<object> {
		const row = this.stmt(`SELECT doc FROM ${ident(this.opts.table)} WHERE _id = ?`).get(String(id));
		return afterCommit(this.conn, (row ? this.parse(row) : null) as object);
	}

	async findByIds(ids: (string | number)[]): Promise<object[]> {
		return this.find({ query: { _id: { $in: ids.map(String) } } });
	}

	async count(filters: CountOptions = {}): Promise<number> {
		const { sql, params } = this.where(filters.query);
		return afterCommit(this.conn, (this.stmt(`SELECT count(*) AS n FROM ${ident(this.opts.table)}${sql}`).get(...params) as { n: number }).n);
	}

	async insert(entity: object): Promise<object> {
		const doc = entity as Doc;
		if (typeof doc._id !== "string" || doc._id === "") throw new Error("a document needs a string _id");
		const insert = this.stmt(`INSERT INTO ${ident(this.opts.table)} (_id, doc) VALUES (?, ?)`);
		return grouped(this.conn, () => {
			insert.run(doc._id, JSON.stringify(doc));
			return doc;
		});
	}

	async insertMany(...entities: object[]): Promise<object[]> {
		const list = entities.length === 1 && Array.isArray(entities[0]) ? (entities[0] as object[]) : entities;
		const insert = this.stmt(`INSERT INTO ${ident(this.opts.table)} (_id, doc) VALUES (?, ?)`);
		const db = this.conn;
		return grouped(db, () => {
			db.transaction((docs: Doc[]) => {
				for (const d of docs) insert.run(d._id, JSON.stringify(d));
			})(list as Doc[]);
			return list;
		});
	}

	/**
	 * Read, change and write back every matching document in one transaction (the turn's group): the number
	 * changed. The group takes the write lock before it reads (BEGIN IMMEDIATE): processes sharing the file (replicas
	 * of a context on one DATA_DIR) then queue on busy_timeout, and a conditional update (`{ _id, version }`)
	 * reads the latest committed version. A deferred one would read first and fail with SQLITE_BUSY, without
	 * waiting, when another process wrote in between.
	 */
	async updateMany<Q extends QueryOptions>(query: Q, update: object): Promise<number> {
		const { sql, params } = this.where(query);
		const pull = pullIn(update as Record<string, unknown>);
		if (pull) {
			// The outbox's `$pull` of published events: done by SQLite's JSON functions in one statement, with
			// applyUpdate's answer (items without the field stay; a field that is no array is left alone).
			const remove = this.stmt(
				`UPDATE ${ident(this.opts.table)} SET doc = CASE WHEN json_type(doc, '${pull.array}') = 'array' THEN json_set(doc, '${pull.array}', ` +
					`(SELECT json_group_array(doc -> fullkey ORDER BY key) FROM json_each(doc, '${pull.array}') WHERE NOT (type = 'object' AND coalesce((value ->> '${pull.item}') IN (SELECT value FROM json_each(?)), 0)))) ELSE doc END${sql}`
			);
			return grouped(this.conn, () => remove.run(JSON.stringify(pull.values), ...params).changes);
		}
		const select = this.stmt(`SELECT doc FROM ${ident(this.opts.table)}${sql}`);
		return grouped(this.conn, () => {
			// Inside the group's transaction, which holds the write lock: read, change (a bad update throws
			// before anything is written), then one document written by one statement, atomic on its own.
			// Several go in a savepoint, so that they are written all or none.
			const docs = select.all(...params).map(r => this.parse(r));
			const changed = docs.map(doc => JSON.stringify(applyUpdate(doc, update as Record<string, unknown>)));
			if (docs.length === 1) this.writeDoc.run(changed[0], docs[0]._id);
			else if (docs.length > 1) this.updateTx.immediate(docs, changed);
			return docs.length;
		});
	}

	private get writeDoc(): Database.Statement {
		return this.stmt(`UPDATE ${ident(this.opts.table)} SET doc = ? WHERE _id = ?`);
	}

	/** Several documents written in one savepoint, made once (better-sqlite3 builds four wrappers per `transaction` call). */
	private get updateTx(): Database.Transaction<(docs: Doc[], changed: string[]) => void> {
		if (!this.updateFn) {
			const write = this.writeDoc;
			this.updateFn = this.conn.transaction((docs: Doc[], changed: string[]) => {
				for (const [i, doc] of docs.entries()) write.run(changed[i], doc._id);
			});
		}
		return this.updateFn;
	}

	async updateById(id: string | number, update: object): Promise<object> {
		await this.updateMany({ _id: String(id) }, update);
		return this.findById(id);
	}

	async removeMany(query: QueryOptions): Promise<number> {
		const { sql, params } = this.where(query);
		const remove = this.stmt(`DELETE FROM ${ident(this.opts.table)}${sql}`);
		return grouped(this.conn, () => remove.run(...params).changes);
	}

	async removeById(id: string | number): Promise<number> {
		return this.removeMany({ _id: String(id) });
	}

	async clear(): Promise<void> {
		const clear = this.stmt(`DELETE FROM ${ident(this.opts.table)}`);
		await grouped(this.conn, () => clear.run());
	}

	entityToObject(entity: unknown): object {
		return entity as object;
	}

	createCursor(params: CursorOptions): FilterOptions {
		return params;
	}

	beforeSaveTransformID(entity: object): object {
		return entity;
	}

	afterRetrieveTransformID(entity: object): object {
		return entity;
	}
}
