/**
 * The world the chaos run's actors live in: HTTP through the real gateway with real tokens, the retry
 * protocol every client of these systems follows, and the ledger of what was asked and answered (which the
 * invariants are checked against afterwards).
 *
 * The protocol (README, "Sagas that stay right under faults"):
 * - a creating POST carries an `Idempotency-Key`; 503 + Retry-After: nothing was done, send the same key
 *   again after Retry-After (or give up: then nothing may exist for that key); 504 (`outcome: "unknown"`)
 *   and a network error: it may have been done, send the same key again to learn which;
 * - a command (accept, start, cancel, …) is retried the same way; a 409 is a legitimate refusal (the saga
 *   has moved on, e.g. the rider started before the cancel).
 */
import type { Principal, Role } from "../../domain";
import { config } from "../../config";
import { KeyRing, parsePrivateKeys } from "../../services/identity/keys";
import { issueAccessToken } from "../../services/identity/tokens";
import type { LocalCluster } from "../cluster";
import type { Rng } from "./rng";

export interface HttpResult<T = any> {
	/** 0: no answer (connection refused or reset, or our own timeout). */
	status: number;
	headers: Headers;
	body: T;
	error?: string;
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, Math.max(0, ms)));

/** Counters of the run, by name ("place.201", "retry.after-504", …). */
export class Counters {
	private readonly values = new Map<string, number>();
	add(name: string, n = 1): void {
		this.values.set(name, (this.values.get(name) ?? 0) + n);
	}
	get(name: string): number {
		return this.values.get(name) ?? 0;
	}
	/** Every counter whose name starts with `prefix`, without it. */
	under(prefix: string): Record<string, number> {
		const out: Record<string, number> = {};
		for (const [k, v] of [...this.values.entries()].sort(([a], [b]) => a.localeCompare(b))) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
		return out;
	}
	all(): Record<string, number> {
		return this.under("");
	}
}

/** One saga's request as the customer saw it: every answer to its key, and how it ended. */
export interface KeyRecord {
	key: string;
	customer: string;
	index: number;
	/** The status of each send of the request (0: no answer). */
	answers: number[];
	/** Order ids answered with 201. */
	placedIds: string[];
	/** placed: 201; gave-up-503: the last answer was 503 and the customer stopped; unknown: tries used up on 504s/no answer; refused: another 4xx. */
	final?: "placed" | "gave-up-503" | "unknown" | "refused";
	cancel?: { at: number; answers: number[]; final?: number };
}

/** Someone with a token: a demo account logged in through POST /oauth/token, or a principal whose token is minted with the identity's key. */
export class Actor {
	private token?: string;
	constructor(
		readonly name: string,
		private readonly world: World,
		private readonly how: { login: { username: string; password: string } } | { principal: Principal }
	) {}

	async bearer(): Promise<string> {
		if (!this.token) this.token = await this.world.tokenFor(this.how);
		return this.token;
	}

	/** The token was refused (401): get a new one next time. */
	forget(): void {
		this.token = undefined;
	}
}

export interface WorldOptions {
	seed: string;
	/** Our own timeout of one HTTP request (then it counts as "no answer"). */
	httpTimeoutMs: number;
	/** Sends of one request before giving up. */
	maxTries: number;
	/** The probability a customer gives up after a 503 instead of retrying it. */
	giveUpAfter503: number;
	log: (line: string) => void;
}

type Send = { method: string; path: string; body?: unknown; headers?: Record<string, string> };

export class World {
	readonly counters = new Counters();
	readonly ledger = new Map<string, KeyRecord>();
	/** Every 503, 504 and no-answer of a placement or command: when (ms since the world began), what, and why. */
	readonly troubles: Array<{ at: number; what: string; status: number; cause: string }> = [];
	readonly started = Date.now();
	/** The customers are done (every saga placed or given up, every cancel answered). */
	loadDone = false;
	/** Every actor stops (the sagas settled, or the deadline passed). */
	finished = false;
	private ring?: Promise<KeyRing>;
	private readonly actors = new Map<string, Actor>();

	constructor(
		readonly cluster: LocalCluster,
		readonly root: Rng,
		readonly opts: WorldOptions
	) {}

	get baseUrl(): string {
		return this.cluster.baseUrl;
	}

	rng(name: string): Rng {
		return this.root.fork(name);
	}

	// ---- identities ----------------------------------------------------------------------------------

	/** An actor with a minted token (`sub`, `roles`, `store`), one per name. */
	minted(sub: string, roles: Role[], store?: string): Actor {
		const name = `minted:${sub}:${roles.join(",")}:${store ?? ""}`;
		if (!this.actors.has(name)) this.actors.set(name, new Actor(sub, this, { principal: { sub, roles, ...(store ? { store } : {}) } }));
		return this.actors.get(name)!;
	}

	/** An actor logged in with a demo account's password, one per name. */
	login(username: string, password: string): Actor {
		const name = `login:${username}`;
		if (!this.actors.has(name)) this.actors.set(name, new Actor(username, this, { login: { username, password } }));
		return this.actors.get(name)!;
	}

	/** The administrator (the demo account `admin`), who reads everything afterwards. */
	admin(): Actor {
		return this.login("admin", "admin-demo-pw");
	}

	async tokenFor(how: { login: { username: string; password: string } } | { principal: Principal }): Promise<string> {
		if ("principal" in how) {
			this.ring ??= parsePrivateKeys(this.cluster.identityEnv.JWT_PRIVATE_KEYS).then(keys => new KeyRing(keys));
			const issued = await issueAccessToken(await this.ring, how.principal, { issuer: config.identity.issuer, ttlSeconds: 6 * 3600 });
			this.counters.add("tokens.minted");
			return issued.access_token;
		}
		for (let attempt = 1; ; attempt++) {
			const res = await this.raw({ method: "POST", path: "/oauth/token", body: { grant_type: "password", ...how.login } });
			if (res.status === 200 && typeof res.body?.access_token === "string") {
				this.counters.add("tokens.logged-in");
				return res.body.access_token;
			}
			if (attempt >= this.opts.maxTries) throw new Error(`login of ${how.login.username} answered ${res.status}: ${JSON.stringify(res.body)}`);
			await sleep(500 * Math.min(attempt, 6));
		}
	}

	// ---- HTTP ----------------------------------------------------------------------------------------

	/** One request, no retry; a network error or our timeout is status 0. */
	async raw<T = any>(send: Send, token?: string): Promise<HttpResult<T>> {
		const headers: Record<string, string> = { ...(send.headers ?? {}) };
		if (token) headers.Authorization = `Bearer ${token}`;
		if (send.body !== undefined) headers["Content-Type"] = "application/json";
		this.counters.add("http.requests");
		try {
			const res = await fetch(this.baseUrl + send.path, {
				method: send.method,
				headers,
				body: send.body === undefined ? undefined : JSON.stringify(send.body),
				signal: AbortSignal.timeout(this.opts.httpTimeoutMs)
			});
			const text = await res.text();
			let body: unknown = text;
			try {
				body = text ? JSON.parse(text) : null;
			} catch {
				/* not JSON */
			}
			return { status: res.status, headers: res.headers, body: body as T };
		} catch (err) {
			const e = err as Error & { cause?: { code?: string } };
			return { status: 0, headers: new Headers(), body: null as T, error: e.cause?.code ?? e.name ?? String(err) };
		}
	}

	/** A request as `actor` (a 401 gets a fresh token once). */
	async as<T = any>(actor: Actor, send: Send): Promise<HttpResult<T>> {
		let res = await this.raw<T>(send, await actor.bearer());
		if (res.status === 401) {
			this.counters.add("tokens.refreshed-after-401");
			actor.forget();
			res = await this.raw<T>(send, await actor.bearer());
		}
		return res;
	}

	/** GET as `actor`, retried a few times on no answer / 5xx (reads change nothing). */
	async get<T = any>(actor: Actor, path: string, tries = 5): Promise<HttpResult<T>> {
		let res: HttpResult<T> = { status: 0, headers: new Headers(), body: null as T };
		for (let attempt = 1; attempt <= tries; attempt++) {
			res = await this.as<T>(actor, { method: "GET", path });
			if (res.status !== 0 && res.status < 500 && res.status !== 429) return res;
			await sleep(300 * attempt);
		}
		return res;
	}

	/**
	 * Every row of a list (`{ rows, total }`, pages of 100), as `actor`; rows seen twice (pages shifting
	 * between reads) are kept once. Throws when the list cannot be read.
	 */
	async listAll<T extends Record<string, any>>(actor: Actor, path: string, idOf: (row: T) => string = r => String(r.id)): Promise<T[]> {
		const sep = path.includes("?") ? "&" : "?";
		for (let round = 1; round <= 4; round++) {
			const seen = new Map<string, T>();
			let total = 0;
			let ok = true;
			for (let page = 1; ; page++) {
				const res = await this.get<{ rows: T[]; total: number; totalPages: number }>(actor, `${path}${sep}pageSize=100&page=${page}`);
				if (res.status !== 200) {
					ok = false;
					break;
				}
				total = res.body.total;
				for (const row of res.body.rows) seen.set(idOf(row), row);
				if (page >= res.body.totalPages || res.body.rows.length === 0) break;
			}
			if (ok && seen.size >= total) return [...seen.values()];
			await sleep(500 * round);
		}
		throw new Error(`could not read all of ${path}`);
	}

	/**
	 * A command with the retry protocol: 503 → after Retry-After, 504 / no answer / 5xx / 429 → after a
	 * back-off, the same request again; anything else is its answer (2xx done, 409 refused, …). `what`
	 * names it in the counters ("cancel", "accept", …).
	 */
	async command<T = any>(actor: Actor, what: string, send: Send, onAnswer?: (status: number) => void): Promise<HttpResult<T>> {
		let res: HttpResult<T> = { status: 0, headers: new Headers(), body: null as T };
		for (let attempt = 1; attempt <= this.opts.maxTries; attempt++) {
			if (attempt > 1) this.counters.add("http.retries");
			res = await this.as<T>(actor, send);
			this.counters.add(`answers.${what}.${res.status}`);
			this.countAnswer(res, what);
			onAnswer?.(res.status);
			const wait = this.retryWait(res, attempt);
			if (wait === undefined) return res;
			await sleep(wait);
		}
		return res;
	}

	/** Counts what an answer says about the protocol (503 and its Retry-After, 504 and its outcome, no answer, other 5xx). */
	private countAnswer(res: HttpResult, what: string): void {
		if (res.status === 503 || res.status === 504 || res.status === 0) {
			const cause = res.status === 0 ? (res.error ?? "(none)") : String(res.body?.data?.cause ?? "(none)");
			this.counters.add(`causes.${what} ${res.status === 0 ? "no answer" : res.status} ${cause}`);
			this.troubles.push({ at: Date.now() - this.started, what, status: res.status, cause });
		}
		if (res.status === 503) {
			this.counters.add("answers.503");
			if (!res.headers.get("retry-after")) this.counters.add("answers.503-without-retry-after");
		} else if (res.status === 504) {
			this.counters.add("answers.504");
			if (res.body?.data?.outcome !== "unknown") this.counters.add("answers.504-without-outcome-unknown");
		} else if (res.status === 0) {
			this.counters.add("answers.no-answer");
		} else if (res.status >= 500) {
			this.counters.add("answers.5xx-other");
		}
	}

	/** How long to wait before sending the same request again (undefined: the answer is final). */
	private retryWait(res: HttpResult, attempt: number): number | undefined {
		const backoff = Math.min(250 * 2 ** Math.min(attempt - 1, 4), 4000);
		if (res.status === 503) {
			this.counters.add("retry.after-503");
			const header = Number(res.headers.get("retry-after"));
			return header > 0 ? header * 1000 : backoff;
		}
		if (res.status === 504) {
			this.counters.add("retry.after-504");
			return backoff;
		}
		if (res.status === 0) {
			this.counters.add("retry.after-no-answer");
			return backoff;
		}
		if (res.status === 429) {
			this.counters.add("retry.after-429");
			return Number(res.headers.get("retry-after") ?? 1) * 1000;
		}
		if (res.status >= 500) {
			this.counters.add("retry.after-5xx");
			return backoff;
		}
		return undefined;
	}

	/**
	 * A customer places saga `index` with its own Idempotency-Key and the protocol above; a 503 is retried
	 * (after Retry-After) unless the customer gives up (`giveUpAfter503`, from `rnd`): then nothing may exist
	 * for the key. Answers and the outcome go to the ledger.
	 */
	async place(customer: Actor, index: number, key: string, path: string, body: Record<string, unknown>, rnd: Rng): Promise<KeyRecord> {
		const record: KeyRecord = { key, customer: customer.name, index, answers: [], placedIds: [] };
		this.ledger.set(key, record);
		const send: Send = { method: "POST", path, body, headers: { "Idempotency-Key": key, "X-Request-ID": `${key}` } };
		for (let attempt = 1; attempt <= this.opts.maxTries; attempt++) {
			if (attempt > 1) this.counters.add("http.retries");
			const res = await this.as(customer, send);
			record.answers.push(res.status);
			this.counters.add(`answers.place.${res.status}`);
			if (res.status === 201) {
				record.placedIds.push(String(res.body?.id));
				record.final = "placed";
				return record;
			}
			this.countAnswer(res, "place");
			if (res.status === 503 && rnd.chance(this.opts.giveUpAfter503)) {
				record.final = "gave-up-503";
				return record;
			}
			const wait = this.retryWait(res, attempt);
			if (wait === undefined) {
				record.final = "refused";
				return record;
			}
			await sleep(wait);
		}
		record.final = record.answers[record.answers.length - 1] === 503 ? "gave-up-503" : "unknown";
		return record;
	}
}
