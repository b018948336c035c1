/**
 * Hostile input through the real gateway (both systems and the identity context in one broker): token
 * attacks, acting on someone else's rows, role escalation and NoSQL operator injection. Every refused
 * request is checked to have changed nothing.
 */
import type { ServiceBroker } from "moleculer";
import { actors, bearer, hs256WithPublicKey, mint, newPrivateKeyPem, tamper, testKey, unsignedToken, type Actors } from "../support/auth";
import { allSchemas, startEmbedded, routesOf } from "../support/embedded";
import { SYSTEMS } from "../../services/systems";
import { client, eventually, type Client } from "../support/http";
import { createPrivateKey } from "node:crypto";


const FLOWER = "/api/flowerdelivery";
const FISH = "/api/fishdelivery";
const flowerOrder = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: "1", itemPrice: "50000", userName: "LKJ" };
const fishOrder = { customerName: "HanYongsun", fishName: "flatfish", qty: "1", telephone: "01012341234", address: "kyungkido sungnamsi" };
const STACK = /\bat .+:\d+:\d+|node_modules|\.ts:\d+|\.js:\d+/;

let broker: ServiceBroker;
let http: Client;
let as: Actors;
let stop: () => Promise<void>;
let lkjOrder: string;
let otherOrder: string;
let fishOrderId: string;

beforeAll(async () => {
	const app = await startEmbedded(allSchemas);
	({ broker, stop } = app);
	http = client(app.baseUrl);
	as = actors(http);
	lkjOrder = (await as.customer("LKJ").post(`${FLOWER}/orders`, flowerOrder)).body.id;
	otherOrder = (await as.customer("other").post(`${FLOWER}/orders`, { ...flowerOrder, storeName: "OTHERSHOP", userName: "other" })).body.id;
	fishOrderId = (await as.customer("HanYongsun").post(`${FISH}/orders`, fishOrder)).body.id;
	for (const id of [lkjOrder, otherOrder]) await eventually(() => as.admin().get(`${FLOWER}/ordermanagements/${id}`), r => r.status === 200);
	await eventually(() => as.admin().get(`${FISH}/myPages/${fishOrderId}`), r => r.status === 200);
});
afterAll(() => stop());

/** Every route of every system, with an id where the path takes one. */
function allRoutes(id = "some-id"): [string, string][] {
	const of = (prefix: string, routes: Record<string, string>) => Object.keys(routes).map(r => r.split(" ") as [string, string]).map(([m, p]) => [m, prefix + p.replace(/:\w+/g, id)] as [string, string]);
	return SYSTEMS.flatMap(system => of(`/api/${system.name}`, routesOf(system.name)));
}

/** The stored state an attack must not change: orders, payments, store orders, deliveries as admin sees them. */
async function state(): Promise<string> {
	const admin = as.admin();
	const lists = await Promise.all(
		[`${FLOWER}/orders`, `${FLOWER}/payments`, `${FLOWER}/ordermanagements`, `${FLOWER}/deliveries`, `${FISH}/orders`, `${FISH}/payments`, `${FISH}/fishstores`, `${FISH}/deliveries`].map(p => admin.get(`${p}?pageSize=100`))
	);
	return JSON.stringify(lists.map(l => l.body));
}

describe("token attacks: 401 with WWW-Authenticate, and nothing changes", () => {
	const customer = { sub: "LKJ", roles: ["customer" as const] };

	it("no token, on every /api route of both systems", async () => {
		const before = await state();
		for (const [method, path] of allRoutes(lkjOrder)) {
			const res = await http.request(method, path, method === "GET" || method === "DELETE" ? undefined : { status: "prepared" });
			expect([method, path, res.status]).toEqual([method, path, 401]);
			expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
			expect(res.body).toMatchObject({ name: "MoleculerClientError", code: 401, type: "UNAUTHORIZED" });
		}
		expect(await state()).toBe(before);
	});

	it("malformed, expired, foreign-signed, alg none, HS256 with the public key, a forged admin role, another issuer", async () => {
		const good = mint(customer);
		const foreignKey = createPrivateKey(newPrivateKeyPem());
		const attacks: Record<string, Record<string, string>> = {
			"not Bearer": { Authorization: `Basic ${Buffer.from("LKJ:lkj-demo-pw").toString("base64")}` },
			"empty Bearer": { Authorization: "Bearer " },
			"not a JWT": { Authorization: "Bearer not-a-jwt" },
			"three dots": { Authorization: "Bearer a.b.c.d" },
			"garbage JWT": { Authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA" },
			"huge": bearer("a".repeat(9000) + ".b.c"),
			"token twice": { Authorization: `Bearer ${good} ${good}` },
			expired: bearer(mint(customer, { ttl: -3600 })),
			"foreign key, unknown kid": bearer(mint({ sub: "LKJ", roles: ["admin"] }, { key: foreignKey, kid: "attacker" })),
			"foreign key under our kid": bearer(mint({ sub: "LKJ", roles: ["admin"] }, { key: foreignKey, kid: testKey().kid })),
			"alg none": bearer(unsignedToken({ sub: "LKJ", roles: ["admin"] })),
			"HS256 with the public key as secret": bearer(hs256WithPublicKey({ sub: "LKJ", roles: ["admin"] })),
			"customer forging admin": bearer(tamper(good, p => (p.roles = ["admin"]))),
			"customer forging another subject": bearer(tamper(good, p => (p.sub = "other"))),
			"expiry pushed back": bearer(tamper(mint(customer, { ttl: -3600 }), p => (p.exp = Math.floor(Date.now() / 1000) + 3600))),
			"another issuer": bearer(mint(customer, { claims: { iss: "evil" } })),
			"unknown role": bearer(mint({ sub: "LKJ", roles: ["root" as never] })),
			"no jti": bearer(mint(customer, { claims: { jti: undefined } }))
		};
		const before = await state();
		for (const [name, headers] of Object.entries(attacks)) {
			for (const [method, path, body] of [
				["GET", `${FLOWER}/orders`],
				["GET", `${FLOWER}/orders/${otherOrder}`],
				["DELETE", `${FLOWER}/orders/${lkjOrder}`],
				["POST", `${FLOWER}/orders`, { ...flowerOrder, userName: "victim" }],
				["POST", `${FLOWER}/ordermanagements/${otherOrder}/accept`, {}],
				["PATCH", `${FISH}/fishstores/${fishOrderId}`, { status: "prepared" }]
			] as [string, string, unknown?][]) {
				const res = await http.request(method, path, body, headers);
				expect([name, method, path, res.status]).toEqual([name, method, path, 401]);
				expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="api"/);
				expect(JSON.stringify(res.body)).not.toMatch(STACK);
			}
		}
		const expired = await http.get(`${FLOWER}/orders`, bearer(mint(customer, { ttl: -3600 })));
		expect(expired.body.message).toMatch(/expired/);
		expect(expired.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
		expect(await state()).toBe(before);
	});

	it("the real token of the same customer works (the attacks above were refused for what they forged)", async () => {
		const res = await http.get(`${FLOWER}/orders/${lkjOrder}`, bearer(mint(customer)));
		expect(res.status).toBe(200);
	});
});

describe("a valid token for someone else, or the wrong role: 403, and nothing changes", () => {
	it("a customer cannot read, cancel or pay for another customer's order, nor order in their name", async () => {
		const mallory = as.customer("mallory");
		const before = await state();
		for (const [method, path] of [
			["GET", `${FLOWER}/orders/${lkjOrder}`],
			["DELETE", `${FLOWER}/orders/${lkjOrder}`],
			["GET", `${FLOWER}/payments/${lkjOrder}`],
			["GET", `${FLOWER}/myPages/${lkjOrder}`],
			["GET", `${FLOWER}/orders?userName=LKJ`],
			["GET", `${FLOWER}/payments?orderId=${lkjOrder}&userName=LKJ`],
			["GET", `${FLOWER}/myPages?userName=LKJ`],
			["GET", `${FISH}/orders/${fishOrderId}`],
			["DELETE", `${FISH}/orders/${fishOrderId}`],
			["GET", `${FISH}/payments/${fishOrderId}`],
			["GET", `${FISH}/myPages/${fishOrderId}`],
			["GET", `${FISH}/myPages?customerName=HanYongsun`]
		]) {
			const res = await mallory.request(method, path);
			expect([method, path, res.status]).toEqual([method, path, 403]);
			expect(res.body).toMatchObject({ code: 403, type: "FORBIDDEN" });
		}
		const placed = await mallory.post(`${FLOWER}/orders`, flowerOrder); // userName=LKJ
		expect(placed.status).toBe(403);
		expect(placed.body.data).toEqual({ field: "userName" });
		expect((await mallory.post(`${FISH}/orders`, fishOrder)).status).toBe(403);
		expect(await state()).toBe(before);
		// Their own lists show only their rows (none), whatever exists.
		for (const path of [`${FLOWER}/orders`, `${FLOWER}/payments`, `${FLOWER}/myPages`, `${FISH}/orders`, `${FISH}/payments`, `${FISH}/myPages`]) {
			const res = await mallory.get(path);
			expect([path, res.status, res.body.total]).toEqual([path, 200, 0]);
		}
		const mine = await as.customer("LKJ").get(`${FLOWER}/orders`);
		expect(mine.body.rows.map((o: { userName: string }) => o.userName)).toEqual(mine.body.rows.map(() => "LKJ"));
		expect(mine.body.rows.map((o: { id: string }) => o.id)).toContain(lkjOrder);
	});

	it("the token's subject becomes the order's customer; an admin may order in someone's name", async () => {
		const { userName: _omit, ...withoutUser } = flowerOrder;
		const res = await as.customer("LKJ").post(`${FLOWER}/orders`, withoutUser);
		expect(res.status).toBe(201);
		expect(res.body.userName).toBe("LKJ");
		const { customerName: _c, ...withoutCustomer } = fishOrder;
		const fish = await as.customer("HanYongsun").post(`${FISH}/orders`, withoutCustomer);
		expect(fish.status).toBe(201);
		expect(fish.body.customerName).toBe("HanYongsun");
		const byAdmin = await as.admin().post(`${FLOWER}/orders`, { ...flowerOrder, userName: "phone-customer" });
		expect(byAdmin.status).toBe(201);
		expect(byAdmin.body.userName).toBe("phone-customer");
	});

	it("a store owner acts only on their store's orders; customers and riders not at all on store commands", async () => {
		const before = await state();
		const otherShop = as.store("OTHERSHOP");
		for (const [who, method, path, status] of [
			[otherShop, "POST", `${FLOWER}/ordermanagements/${lkjOrder}/accept`, 403],
			[otherShop, "POST", `${FLOWER}/ordermanagements/${lkjOrder}/reject`, 403],
			[otherShop, "GET", `${FLOWER}/ordermanagements/${lkjOrder}`, 403],
			[otherShop, "GET", `${FLOWER}/ordermanagements?storeName=KJSHOP`, 403],
			[as.customer("LKJ"), "POST", `${FLOWER}/ordermanagements/${lkjOrder}/accept`, 403],
			[as.rider(), "POST", `${FLOWER}/ordermanagements/${lkjOrder}/decorate`, 403],
			[as.customer("HanYongsun"), "PATCH", `${FISH}/fishstores/${fishOrderId}`, 403],
			[as.rider(), "POST", `${FISH}/fishstores/${fishOrderId}/take`, 403],
			[as.customer("LKJ"), "GET", `${FLOWER}/deliveries`, 403],
			[as.store(), "POST", `${FISH}/deliveries/${fishOrderId}/complete`, 403],
			[as.rider(), "GET", `${FLOWER}/orders`, 403],
			[as.rider(), "POST", `${FLOWER}/orders`, 403],
			// A store owner whose token names no store sees no store's orders.
			[http.as(mint({ sub: "nostore", roles: ["store"] })), "GET", `${FLOWER}/ordermanagements`, 403]
		] as [Client, string, string, number][]) {
			const body = method === "GET" ? undefined : path.endsWith("/reject") ? { reason: "no" } : path.endsWith("/take") ? {} : path.includes("fishstores") ? { status: "prepared" } : path.endsWith("/orders") ? flowerOrder : {};
			const res = await who.request(method, path, body);
			expect([method, path, res.status]).toEqual([method, path, status]);
		}
		expect(await state()).toBe(before);
		// Their own store's list is filtered to it.
		const own = await otherShop.get(`${FLOWER}/ordermanagements`);
		expect(own.body.rows.map((r: { id: string }) => r.id)).toEqual([otherOrder]);
	});
});

describe("NoSQL operator injection: 4xx or inert, never a match-all", () => {
	it("operators in query strings are refused (422), for every role, admins included", async () => {
		for (const who of [as.customer("LKJ"), as.admin()]) {
			for (const q of ["userName[$ne]=x", "userName[$gt]=", "userName[$regex]=.*", "userName[$in][]=LKJ&userName[$in][]=other", "status[$where]=1", "$where=1", "userName[$exists]=true", "sort[$natural]=1", "userName=LKJ&userName=other", "page[$gt]=0"]) {
				const res = await who.get(`${FLOWER}/orders?${q}`);
				expect([q, res.status]).toEqual([q, 422]);
				expect(res.body.type).toBe("VALIDATION_ERROR");
			}
			expect((await who.get(`${FISH}/orders?customerName[$ne]=x`)).status).toBe(422);
			expect((await who.get(`${FISH}/myPages?status[$ne]=x`)).status).toBe(422);
		}
		// A prototype key is dropped by the query parser: inert.
		const plain = await as.customer("LKJ").get(`${FLOWER}/orders`);
		const polluted = await as.customer("LKJ").get(`${FLOWER}/orders?__proto__[userName]=other&constructor[prototype][admin]=1`);
		expect([200, 422]).toContain(polluted.status);
		if (polluted.status === 200) expect(polluted.body.total).toBe(plain.body.total);
		expect(({} as Record<string, unknown>).userName).toBeUndefined();
		expect(({} as Record<string, unknown>).admin).toBeUndefined();
	});

	it("operators and prototype keys in bodies are refused (422) and create nothing", async () => {
		const before = await state();
		const lkj = as.customer("LKJ");
		for (const body of [
			{ ...flowerOrder, qty: { $gt: 0 } },
			{ ...flowerOrder, userName: { $ne: "" } },
			{ ...flowerOrder, storeName: { $where: "sleep(1000)" } },
			{ ...flowerOrder, $where: "1 == 1" },
			{ ...flowerOrder, constructor: { prototype: { admin: true } } },
			{ ...flowerOrder, itemPrice: [1, 2] }
		]) {
			const res = await lkj.post(`${FLOWER}/orders`, body);
			expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 422]);
		}
		// A `__proto__` key never becomes a prototype: the body is refused as it is parsed.
		for (const raw of [`{"storeName":"KJSHOP","itemName":"x","qty":1,"itemPrice":1,"__proto__":{"admin":true}}`, `{"userName":"LKJ","a":{"__proto__":{"admin":true}}}`]) {
			const res = await lkj.post(`${FLOWER}/orders`, raw);
			expect(res.status).toBe(400);
			expect(JSON.stringify(res.body)).not.toMatch(STACK);
		}
		for (const body of [{ ...fishOrder, qty: { $gt: 0 } }, { ...fishOrder, telephone: { $ne: null } }, { ...fishOrder, $where: "1" }]) {
			expect((await as.customer("HanYongsun").post(`${FISH}/orders`, body)).status).toBe(422);
		}
		expect((await as.store().request("PATCH", `${FISH}/fishstores/${fishOrderId}`, { status: { $ne: "x" } })).status).toBe(422);
		expect((await as.store().request("PATCH", `${FISH}/fishstores/${fishOrderId}`, { status: "prepared", $set: { status: "Delivered" } })).status).toBe(422);
		expect((await as.store().post(`${FLOWER}/ordermanagements/${lkjOrder}/reject`, { reason: { $gt: "" } })).status).toBe(422);
		expect(({} as Record<string, unknown>).admin).toBeUndefined();
		expect(await state()).toBe(before);
	});

	it("operators in path ids find nothing", async () => {
		for (const id of [encodeURIComponent('{"$ne":null}'), "%24ne", encodeURIComponent("[$ne]"), "__proto__", "constructor"]) {
			const res = await as.admin().get(`${FLOWER}/orders/${id}`);
			expect([id, res.status]).toEqual([id, 404]);
		}
	});
});

describe("the identity endpoints", () => {
	it("issues tokens with the seed's httpie form command (client_credentials, HTTP Basic) and with the password grant (form or JSON)", async () => {
		const seed = await http.request("POST", "/oauth/token", "grant_type=client_credentials", { "Content-Type": "application/x-www-form-urlencoded", Authorization: "Basic dWVuZ2luZS1jbGllbnQ6dWVuZ2luZS1zZWNyZXQ=" });
		expect(seed.status).toBe(200);
		expect(seed.headers.get("cache-control")).toBe("no-store");
		expect(seed.body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
		// The seed's machine client read the customer's order with it.
		expect((await http.get(`${FLOWER}/orders/${lkjOrder}`, bearer(seed.body.access_token))).body.userName).toBe("LKJ");
		const form = await http.request("POST", "/oauth/token", "grant_type=password&username=LKJ&password=lkj-demo-pw", { "Content-Type": "application/x-www-form-urlencoded" });
		expect(form.status).toBe(200);
		const json = await http.post("/oauth/token", { grant_type: "password", username: "kjshop", password: "kjshop-demo-pw" });
		const claims = JSON.parse(Buffer.from(json.body.access_token.split(".")[1], "base64url").toString());
		expect(claims).toMatchObject({ sub: "kjshop", roles: ["store"], store: "KJSHOP" });
		expect(Object.keys(claims).sort()).toEqual(["exp", "iat", "iss", "jti", "roles", "store", "sub"]);
	});

	it("answers OAuth errors: wrong password 400 invalid_grant, bad client 401 with a Basic challenge, unknown grant 400; never a stack", async () => {
		const wrong = await http.post("/oauth/token", { grant_type: "password", username: "LKJ", password: "guess" });
		expect(wrong.status).toBe(400);
		expect(wrong.body).toMatchObject({ code: 400, type: "INVALID_GRANT", data: { error: "invalid_grant" } });
		const unknownUser = await http.post("/oauth/token", { grant_type: "password", username: "nobody", password: "guess" });
		expect(unknownUser.body.message).toBe(wrong.body.message); // does not tell which names exist
		const client = await http.request("POST", "/oauth/token", "grant_type=client_credentials", { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from("uengine-client:nope").toString("base64")}` });
		expect(client.status).toBe(401);
		expect(client.headers.get("www-authenticate")).toBe('Basic realm="identity"');
		expect((await http.post("/oauth/token", { grant_type: "implicit" })).status).toBe(400);
		expect((await http.post("/oauth/token", { grant_type: "password", username: { $ne: "" }, password: { $ne: "" } })).status).toBe(422);
		expect((await http.post("/oauth/token", { grant_type: "password", username: "LKJ", password: "x", role: "admin" })).status).toBe(422);
		expect((await http.post("/oauth/token", "{")).status).toBe(400);
		for (const res of [wrong, client]) expect(JSON.stringify(res.body)).not.toMatch(STACK);
	});

	it("publishes only public keys; rotation: the new key signs, tokens of the old one keep working", async () => {
		const jwks = await http.get("/.well-known/jwks.json");
		expect(jwks.status).toBe(200);
		for (const key of jwks.body.keys) expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
		const old = await as.login("LKJ");
		const rotated = await broker.call<{ kid: string; keys: string[] }>("identity.rotateKeys");
		expect(rotated.keys).toHaveLength(2);
		const fresh = await http.post("/oauth/token", { grant_type: "password", username: "LKJ", password: "lkj-demo-pw" });
		expect(JSON.parse(Buffer.from(fresh.body.access_token.split(".")[0], "base64url").toString()).kid).toBe(rotated.kid);
		await new Promise(r => setTimeout(r, 600)); // the gateway refetches the keys on an unknown kid at most every 0.5 s
		expect((await http.get(`${FLOWER}/orders/${lkjOrder}`, bearer(fresh.body.access_token))).status).toBe(200);
		expect((await old.get(`${FLOWER}/orders/${lkjOrder}`)).status).toBe(200);
		expect((await http.get("/.well-known/jwks.json")).body.keys.map((k: { kid: string }) => k.kid)).toEqual(rotated.keys);
		// rotateKeys is the operator's (REPL): not reachable over HTTP.
		expect((await as.admin().post("/api/identity/rotateKeys")).status).toBe(404);
	});
});
