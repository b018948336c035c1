/**
 * Property-based fuzz of the gateway (fast-check): thousands of random and malformed requests — bodies,
 * path params, query strings, headers and tokens — to every route of both systems and to the token endpoint.
 * Whatever comes in: never a 5xx, never a stack trace, always the error shape, an answer the OpenAPI document
 * gives for that operation (test/support/openapi-contract.ts), and the stored state of every
 * collection and view is unchanged afterwards. Every request that could change something is built to be
 * refused: a junk param when the caller may act on the target (their role and, for a customer or a store
 * owner, their own row), any params at all when they may not (then the access rules must refuse it).
 */
import fc from "fast-check";
import type { Service, ServiceBroker } from "moleculer";
import type { AccessRule } from "../../lib/access";
import type { Principal } from "../../domain";
import { actors, hs256WithPublicKey, mint, newPrivateKeyPem, tamper, unsignedToken } from "../support/auth";
import { allSchemas, startEmbedded, routesOf } from "../support/embedded";
import { SYSTEMS } from "../../services/systems";
import { checkResponse, client, eventually, type Client } from "../support/http";
import { createPrivateKey } from "node:crypto";


// Over 10,000 requests a run across every route of every system; FUZZ_SEED repeats a run (every run prints its seed).
const API_RUNS = Number(process.env.FUZZ_RUNS || 8400);
const TOKEN_RUNS = Math.ceil(API_RUNS / 5);
const SEED = Number(process.env.FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));
const STACK = /\bat .+:\d+:\d+|node_modules|\.ts:\d+|\.js:\d+|Error: .*\n/;

let broker: ServiceBroker;
let http: Client;
let stop: () => Promise<void>;
const ids: string[] = [];
/** Whose the seeded orders are (same index as `ids`). */
const owners = [
	{ system: "flowerdelivery", customer: "LKJ", store: "KJSHOP" },
	{ system: "flowerdelivery", customer: "mallory", store: "OTHERSHOP" },
	{ system: "fishdelivery", customer: "HanYongsun", store: undefined },
	{ system: "fishdelivery", customer: "mallory", store: undefined }
];

interface Route {
	method: string;
	path: string;
	action: string;
	rule: AccessRule | undefined;
}
let routes: Route[] = [];

beforeAll(async () => {
	const app = await startEmbedded(allSchemas);
	({ broker, stop } = app);
	http = client(app.baseUrl);
	const as = actors(http);
	// Some state to protect: orders of two customers in both systems, at different steps.
	const flower = { storeName: "KJSHOP", itemName: "장미", qty: 1, itemPrice: 1000, userName: "LKJ" };
	for (const body of [flower, { ...flower, userName: "mallory", storeName: "OTHERSHOP" }]) ids.push((await as.customer(body.userName).post("/api/flowerdelivery/orders", body)).body.id);
	const fish = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "seoul" };
	for (const body of [fish, { ...fish, customerName: "mallory" }]) ids.push((await as.customer(body.customerName).post("/api/fishdelivery/orders", body)).body.id);
	await eventually(() => as.store().get(`/api/flowerdelivery/ordermanagements/${ids[0]}`), r => r.status === 200);
	expect((await as.store().post(`/api/flowerdelivery/ordermanagements/${ids[0]}/accept`)).status).toBe(200);
	await eventually(() => as.store().get(`/api/fishdelivery/fishstores/${ids[2]}`), r => r.status === 200);
	expect((await as.store().post(`/api/fishdelivery/fishstores/${ids[2]}/take`)).status).toBe(200);

	// Every route, with the roles its action admits (read from the registry: the actions' `auth` rules).
	const rules = new Map(broker.registry.getActionList({}).map(a => [a.name, a.action?.auth]));
	const of = (prefix: string, table: Record<string, string>) =>
		Object.entries(table).map(([route, action]) => {
			const [method, path] = route.split(" ");
			return { method, path: prefix + path, action, rule: rules.get(action) };
		});
	// Every route of every system (services/systems.ts).
	routes = SYSTEMS.flatMap(system => of(`/api/${system.name}`, routesOf(system.name)));
	expect(routes.every(r => r.rule && "roles" in r.rule && r.rule.roles.length > 0)).toBe(true);
});
afterAll(() => stop());

/** Every collection and view of every context, as stored. */
async function snapshot(): Promise<string> {
	const out: Record<string, unknown> = {};
	for (const svc of broker.services as (Service & { adapters?: { find(q: object): Promise<unknown[]> }[]; view?: { list(q: object): Promise<{ rows: unknown[] }> } })[]) {
		// The aggregates and the processed-event ids of each aggregate context (mixins/aggregate.mixin.ts).
		for (const [i, adapter] of (svc.adapters ?? []).entries()) out[`${svc.fullName} ${i}`] = ((await adapter.find({})) as { _id: string }[]).sort((a, b) => a._id.localeCompare(b._id));
		if (svc.view) out[`${svc.fullName} view`] = (await svc.view.list({ filter: {}, page: 1, pageSize: 100000, sort: { orderId: 1 } })).rows;
	}
	out.jwks = (await http.get("/.well-known/jwks.json")).body;
	return JSON.stringify(out);
}

// ---- generators ------------------------------------------------------------------------------------

const printable = (maxLength: number) => fc.string({ unit: fc.mapToConstant({ num: 95, build: v => String.fromCharCode(v + 0x20) }), maxLength });
const hostileStrings = fc.constantFrom("$ne", "$gt", "$where", '{"$ne":null}', "__proto__", "constructor", "prototype", "../../etc/passwd", "' OR 1=1 --", "\u0000", "%00", "a".repeat(150), "장미 한바구니", "null", "undefined", "NaN", "-1", "1e309", "[]", "{}", " ");
const anyString = fc.oneof(fc.string({ maxLength: 40 }), hostileStrings, printable(30));
const hostileKey = fc.oneof(
	fc.constantFrom("$where", "$ne", "$gt", "$regex", "$set", "$in", "constructor", "prototype", "role", "roles", "admin", "isAdmin", "sub", "__proto__x", "userName.$ne", "state.status"),
	fc.string({ minLength: 1, maxLength: 12 })
);
const knownKey = fc.constantFrom("userName", "customerName", "storeName", "itemName", "fishName", "qty", "itemPrice", "telephone", "address", "status", "reason", "orderId", "page", "pageSize", "sort", "id");
const leaf = fc.oneof(anyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const value = fc.oneof(leaf, fc.dictionary(fc.oneof(hostileKey, knownKey), leaf, { maxKeys: 3 }), fc.array(leaf, { maxLength: 3 }));

const principals: Principal[] = [
	{ sub: "LKJ", roles: ["customer"] },
	{ sub: "HanYongsun", roles: ["customer"] },
	{ sub: "mallory", roles: ["customer"] },
	{ sub: "KJSHOP-owner", roles: ["store"], store: "KJSHOP" },
	{ sub: "OTHERSHOP-owner", roles: ["store"], store: "OTHERSHOP" },
	{ sub: "rider", roles: ["rider"] },
	{ sub: "admin", roles: ["admin"] }
];
const foreignKey = createPrivateKey(newPrivateKeyPem());

type Auth = { kind: "valid"; who: Principal; header: string } | { kind: "invalid"; header?: string };
const auth: fc.Arbitrary<Auth> = fc.oneof(
	{ weight: 5, arbitrary: fc.constantFrom(...principals).map(who => ({ kind: "valid" as const, who, header: `Bearer ${mint(who)}` })) },
	{ weight: 1, arbitrary: fc.constant({ kind: "invalid" as const }) },
	{ weight: 1, arbitrary: printable(60).map(h => ({ kind: "invalid" as const, header: h })) },
	{ weight: 1, arbitrary: fc.tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 40 })).map(p => ({ kind: "invalid" as const, header: `Bearer ${p.join(".").replace(/[+/=]/g, "")}` })) },
	{
		weight: 2,
		arbitrary: fc.tuple(fc.constantFrom(...principals), fc.integer({ min: 0, max: 5 })).map(([who, how]) => {
			const admin: Principal = { sub: who.sub, roles: ["admin"] };
			const forged = [
				unsignedToken(admin),
				hs256WithPublicKey(admin),
				// The payload always changes (an admin's token with roles ["admin"] alone would be the same, validly signed token).
				tamper(mint(who), p => Object.assign(p, { roles: ["admin"], forged: true })),
				mint(who, { ttl: -120 }),
				mint(admin, { key: foreignKey, kid: "attacker" }),
				tamper(mint(who), p => (p.sub = "someone-else"))
			][how];
			return { kind: "invalid" as const, header: `Bearer ${forged}` };
		})
	}
);

interface Request {
	route: Route;
	id: string;
	query: [string, unknown][];
	body: { kind: "none" } | { kind: "json"; value: unknown } | { kind: "raw"; text: string };
	contentType: string;
	auth: Auth;
	requestId?: string;
}

const requestFields: fc.Arbitrary<Omit<Request, "route">> = fc.record({
	id: fc.oneof(fc.constantFrom("existing-0", "existing-1", "existing-2", "existing-3"), anyString.filter(s => s.length > 0)),
	query: fc.array(fc.tuple(fc.oneof(knownKey, hostileKey, fc.tuple(knownKey, fc.constantFrom("[$ne]", "[$gt]", "[$where]", "[]", "[__proto__]", "[0]")).map(([k, s]) => k + s), fc.constantFrom("__proto__[admin]", "constructor[prototype][admin]")), value), { maxLength: 4 }),
	body: fc.oneof(
		fc.constant({ kind: "none" as const }),
		value.map(v => ({ kind: "json" as const, value: v })),
		fc.dictionary(fc.oneof(knownKey, hostileKey), value, { maxKeys: 8 }).map(v => ({ kind: "json" as const, value: v })),
		fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom("{", "[", "{\"a\":", "\u0000", "null", "1", '"str"', '{"__proto__":{"admin":true}}', "a=1&b[$ne]=2")).map(text => ({ kind: "raw" as const, text }))
	),
	contentType: fc.constantFrom("application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=latin1", "multipart/form-data; boundary=x", "application/xml", "", "garbage/ /"),
	auth,
	requestId: fc.option(printable(80), { nil: undefined })
});

function encodeQuery(query: [string, unknown][]): string {
	const parts = query.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, "[").replace(/%5D/g, "]")}=${encodeURIComponent(typeof v === "string" ? v : JSON.stringify(v) ?? "")}`);
	return parts.length ? `?${parts.join("&")}` : "";
}

/** Whether `who` may change something with a valid request to `route` on the seeded order `index` (-1: none of them). */
function mayChange(route: Route, who: Principal, index: number): boolean {
	const rule = route.rule;
	if (!rule || !("roles" in rule)) return true;
	const allowed = who.roles.filter(r => rule.roles.includes(r));
	if (allowed.length === 0) return false;
	if (!route.path.includes("/:")) return true; // placing an order: their own
	const target = owners[index];
	if (!target || !route.path.startsWith(`/api/${target.system}/`)) return false; // 404
	return allowed.some(role => (role === "customer" && rule.owner ? target.customer === who.sub : role === "store" && rule.store ? target.store !== undefined && target.store === who.store : true));
}

const statuses = new Map<number, number>();

async function send(req: Request): Promise<{ status: number; text: string; mutating: boolean }> {
	const { route } = req;
	const id = req.id.startsWith("existing-") ? ids[Number(req.id.slice(9))] : req.id;
	const mutating = route.method !== "GET";
	const query = [...req.query];
	// A caller who may act on the target could change something with a valid request: make it invalid (strict params).
	const index = req.id.startsWith("existing-") ? Number(req.id.slice(9)) : -1;
	if (mutating && req.auth.kind === "valid" && mayChange(route, req.auth.who, index)) query.push([`fuzz_${query.length}`, "1"]);
	const url = http.baseUrl + route.path.replace(/:\w+/, encodeURIComponent(id)) + encodeQuery(query);
	const headers: Record<string, string> = {};
	if (req.auth.header !== undefined) headers.Authorization = req.auth.header;
	if (req.requestId) headers["X-Request-ID"] = req.requestId;
	let body: string | undefined;
	if (req.body.kind !== "none" && route.method !== "GET") {
		body = req.body.kind === "raw" ? req.body.text : JSON.stringify(req.body.value);
		if (req.contentType) headers["Content-Type"] = req.contentType;
	}
	const res = await fetch(url, { method: route.method, headers, body });
	const text = await res.text();
	checkResponse(http.baseUrl, { method: route.method, url, status: res.status, headers: res.headers, text });
	statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
	return { status: res.status, text, mutating };
}

function check(status: number, text: string, mutating: boolean, what: unknown): void {
	if (status >= 500 || STACK.test(text) || (mutating && status < 300)) throw new Error(`${status} ${text.slice(0, 300)} for ${JSON.stringify(what).slice(0, 500)}`);
	if (status >= 400) {
		const body = JSON.parse(text) as { code?: unknown; name?: unknown; message?: unknown };
		if (body.code !== status || typeof body.name !== "string" || typeof body.message !== "string") throw new Error(`not the error shape: ${status} ${text.slice(0, 300)}`);
	}
}

describe("fuzz: random and malformed requests to every route", () => {
	it(`${API_RUNS} requests to the /api routes and ${TOKEN_RUNS} to /oauth/token: no 5xx, no stack trace, the error shape, stored state unchanged`, async () => {
		// Settle first: nothing left in an outbox, views caught up.
		let before = "";
		await eventually(
			async () => {
				const a = await snapshot();
				await new Promise(r => setTimeout(r, 300));
				before = await snapshot();
				return a === before && !before.includes('"outbox":[{');
			},
			settled => settled,
			15000
		);

		const apiRequest = fc.tuple(fc.constantFrom(...routes), requestFields).map(([route, r]): Request => ({ ...r, route }));
		await fc.assert(
			fc.asyncProperty(apiRequest, async req => {
				const { status, text, mutating } = await send(req);
				check(status, text, mutating, req);
			}),
			{ numRuns: API_RUNS, seed: SEED }
		);

		const tokenRequest = fc.record({
			body: fc.oneof(
				fc.dictionary(fc.oneof(fc.constantFrom("grant_type", "username", "password", "client_id", "client_secret", "scope"), hostileKey), value, { maxKeys: 6 }).map(v => JSON.stringify(v)),
				fc.record({ grant_type: fc.constantFrom("password", "client_credentials", "implicit", ""), username: fc.constantFrom("LKJ", "admin", "nobody", "uengine-client"), password: anyString }).map(v => JSON.stringify(v)),
				fc.string({ maxLength: 100 })
			),
			contentType: fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", ""),
			authorization: fc.option(fc.oneof(printable(60), fc.base64String({ maxLength: 60 }).map(b => `Basic ${b}`), fc.constantFrom("Basic dWVuZ2luZS1jbGllbnQ6bm9wZQ==", "Basic Og==", "Basic ", "Bearer x")), { nil: undefined })
		});
		await fc.assert(
			fc.asyncProperty(tokenRequest, async req => {
				const headers: Record<string, string> = {};
				if (req.contentType) headers["Content-Type"] = req.contentType;
				if (req.authorization !== undefined) headers.Authorization = req.authorization;
				const res = await fetch(`${http.baseUrl}/oauth/token`, { method: "POST", headers, body: req.body });
				const text = await res.text();
				checkResponse(http.baseUrl, { method: "POST", url: `${http.baseUrl}/oauth/token`, status: res.status, headers: res.headers, text });
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
				check(res.status, text, false, req);
			}),
			{ numRuns: TOKEN_RUNS, seed: SEED + 1 }
		);

		await new Promise(r => setTimeout(r, 500)); // anything a request set off would have landed by now
		const after = await snapshot();
		const counts = Object.fromEntries([...statuses.entries()].sort(([a], [b]) => a - b));
		console.log(`fuzz: ${API_RUNS + TOKEN_RUNS} requests (FUZZ_SEED=${SEED} repeats them), by status:`, counts);
		expect(after).toBe(before);
		expect([...statuses.keys()].every(s => s < 500)).toBe(true);
	});
});
