/**
 * Rate limits and body size limits at the gateway, in process: a budget per client (a known token's subject,
 * otherwise the address), a tighter one per address on /oauth/token, 429 with Retry-After; bodies over the
 * routes' limit get 413. This file sets its own small limits before anything reads the configuration.
 */
import http from "node:http";
import type { Actors } from "../support/auth";
import type { Client } from "../support/http";

process.env.RATE_LIMIT_PER_WINDOW = "5";
process.env.RATE_LIMIT_TOKEN_PER_WINDOW = "3";
process.env.RATE_LIMIT_WINDOW_MS = "60000";

const API = "/api/flowerdelivery";
let base: string;
let anon: Client;
let as: Actors;
let stop: () => Promise<void>;

beforeAll(async () => {
	const { startEmbedded } = await import("../support/embedded");
	const { client } = await import("../support/http");
	const { actors } = await import("../support/auth");
	const app = await startEmbedded();
	base = app.baseUrl;
	anon = client(base);
	as = actors(anon);
	stop = app.stop;
});
afterAll(() => stop());

/** A request from another loopback address (127.0.0.x): another client as far as the gateway can tell. */
function sendFrom(localAddress: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
	return new Promise((resolve, reject) => {
		const req = http.request(`${base}${path}`, { method, localAddress, headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers } }, res => {
			let text = "";
			res.setEncoding("utf8");
			res.on("data", chunk => (text += chunk));
			res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
		});
		req.on("error", reject);
		req.end(body === undefined ? undefined : JSON.stringify(body));
	});
}

const getFrom = async (localAddress: string, path: string, headers: Record<string, string> = {}) => (await sendFrom(localAddress, "GET", path, undefined, headers)).status;

describe("rate limits per client", () => {
	it("a client over its budget gets 429 with Retry-After; other clients are still served; forged tokens spend their address's budget, not the subject's", async () => {
		const lkj = as.customer("LKJ");
		const answers: number[] = [];
		let limited;
		for (let i = 0; i < 10; i++) {
			const res = await lkj.get(`${API}/orders`);
			answers.push(res.status);
			if (res.status === 429) {
				limited = res;
				break;
			}
		}
		// The first request of a token is counted against its address (the token is not known yet), then its subject's 5.
		expect(answers).toEqual([200, 200, 200, 200, 200, 200, 429]);
		expect(limited!.headers.get("x-rate-limit-limit")).toBe("5");
		expect(limited!.headers.get("x-rate-limit-remaining")).toBe("0");
		const retryAfter = Number(limited!.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(60);
		expect(limited!.body).toMatchObject({ code: 429, type: "RATE_LIMIT_EXCEEDED" });

		// Another customer from the same address has a budget of their own.
		const mallory = as.customer("mallory");
		for (let i = 0; i < 4; i++) expect((await mallory.get(`${API}/orders`)).status).toBe(200);

		// Tokens that do not verify count against the address (127.0.0.1 has spent 2 of 5 on the first requests above).
		const forged = [];
		for (let i = 0; i < 4; i++) forged.push((await anon.get(`${API}/orders`, { Authorization: `Bearer ${"x".repeat(10)}.${i}.y` })).status);
		expect(forged).toEqual([401, 401, 401, 429]);
		// …so they cannot exhaust a subject's budget from elsewhere, and another address is another client.
		expect(await getFrom("127.0.0.2", `${API}/orders`, { Authorization: "Bearer forged.token.x" })).toBe(401);
		expect(await getFrom("127.0.0.2", `${API}/orders`)).toBe(401);
		// LKJ stays limited from any address: the budget is the subject's.
		const lkjToken = (await import("../support/auth")).mint({ sub: "LKJ", roles: ["customer"] });
		expect(await getFrom("127.0.0.2", `${API}/orders`, { Authorization: `Bearer ${lkjToken}` })).toBe(200); // a new token: first request on the new address's budget
		expect(await getFrom("127.0.0.2", `${API}/orders`, { Authorization: `Bearer ${lkjToken}` })).toBe(429);
	});

	it("the token endpoint allows few attempts per address (password guessing): then 429, even with the right password", async () => {
		const tries = [];
		for (const password of ["a", "b", "c", "lkj-demo-pw"]) tries.push(await anon.post("/oauth/token", { grant_type: "password", username: "LKJ", password }));
		expect(tries.map(r => r.status)).toEqual([400, 400, 400, 429]);
		expect(Number(tries[3].headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		expect(tries[3].body).toMatchObject({ code: 429 });
	});
});

describe("body size limits", () => {
	it("a body over 64 kB gets 413 on the API (and over 16 kB on the token endpoint), in the error shape", async () => {
		// From an address of its own: the budgets above are spent.
		const auth = { Authorization: `Bearer ${(await import("../support/auth")).mint({ sub: "big", roles: ["customer"] })}` };
		const big = await sendFrom("127.0.0.4", "POST", `${API}/orders`, { storeName: "KJSHOP", itemName: "x".repeat(70 * 1024), qty: 1, itemPrice: 1, userName: "big" }, auth);
		expect(big.status).toBe(413);
		expect(big.body).toMatchObject({ code: 413, type: "PAYLOAD_TOO_LARGE" });
		expect(JSON.stringify(big.body)).not.toMatch(/\bat .+:\d+/);
		const nearly = await sendFrom("127.0.0.4", "POST", `${API}/orders`, { storeName: "KJSHOP", itemName: "x".repeat(60 * 1024), qty: 1, itemPrice: 1, userName: "big" }, auth);
		expect(nearly.status).toBe(422); // read, then refused by validation (itemName too long): not a size problem
		expect(await getFrom("127.0.0.3", "/.well-known/jwks.json")).toBe(200);
		const token = await sendFrom("127.0.0.3", "POST", "/oauth/token", { grant_type: "password", username: "LKJ", password: "x".repeat(20 * 1024) });
		expect(token.status).toBe(413);
	});
});
