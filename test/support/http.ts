/** A small HTTP client for tests that go through the real gateway, and a poller for eventual consistency. */
import type { SeenResponse } from "./openapi-contract";

/** What checks each answer from a gateway (by its base URL): its OpenAPI contract (test/support/embedded.ts). */
export type ResponseCheck = (res: SeenResponse) => void;
const checks = new Map<string, ResponseCheck>();

/** From now on every answer a client of `baseUrl` receives goes through `check` (which throws on a mismatch); undefined: none. */
export function checkResponsesOf(baseUrl: string, check: ResponseCheck | undefined): void {
	if (check) checks.set(baseUrl, check);
	else checks.delete(baseUrl);
}

/** For a test that calls `fetch` itself: the answer it got from `baseUrl` goes through that gateway's check, if any. */
export function checkResponse(baseUrl: string, res: SeenResponse): void {
	checks.get(baseUrl)?.(res);
}

export interface HttpResult<T = any> {
	status: number;
	headers: Headers;
	body: T;
}

/**
 * A client of the gateway at `baseUrl`; `as(token)` is the same client acting with a bearer token
 * (test/support/auth.ts makes tokens for any user or role).
 */
export function client(baseUrl: string, defaults: Record<string, string> = {}): Client {
	async function request<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<HttpResult<T>> {
		const headers = { ...defaults, ...extra };
		const res = await fetch(baseUrl + path, {
			method,
			headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
			body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
		});
		const text = await res.text();
		checkResponse(baseUrl, { method, url: baseUrl + path, status: res.status, headers: res.headers, text });
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			/* not JSON: keep the text */
		}
		return { status: res.status, headers: res.headers, body: parsed as T };
	}
	return {
		baseUrl,
		/** This client, acting with `token` (Authorization: Bearer). */
		as: (token: string) => client(baseUrl, { ...defaults, Authorization: `Bearer ${token}` }),
		request,
		get: <T = any>(path: string, headers?: Record<string, string>) => request<T>("GET", path, undefined, headers),
		post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => request<T>("POST", path, body ?? {}, headers),
		del: <T = any>(path: string, headers?: Record<string, string>) => request<T>("DELETE", path, undefined, headers)
	};
}

export type Client = {
	baseUrl: string;
	as(token: string): Client;
	request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
	get<T = any>(path: string, headers?: Record<string, string>): Promise<HttpResult<T>>;
	post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
	del<T = any>(path: string, headers?: Record<string, string>): Promise<HttpResult<T>>;
};

/**
 * Polls `probe` until `accept` holds for its result, or fails with the last result (or the last error the
 * probe threw) after `timeoutMs`.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 15000, everyMs = 100): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		let last: { value: T } | { error: unknown };
		try {
			const value = await probe();
			if (accept(value)) return value;
			last = { value };
		} catch (error) {
			last = { error };
		}
		if (Date.now() > deadline) {
			if ("error" in last) throw last.error;
			throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last.value)}`);
		}
		await new Promise(r => setTimeout(r, everyMs));
	}
}
