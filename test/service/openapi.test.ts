/**
 * The OpenAPI document and the docs page, through the real gateway (embedded default, both systems):
 * - both public; the page's assets are served by the gateway itself (nothing from the internet);
 * - the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator, run as its CLI), and lints clean
 *   with @redocly/cli's recommended rules (redocly.yaml; the warnings kept on purpose, each with its reason, in
 *   .redocly.lint-ignore.yaml);
 * - it lists every alias of every route (compared with the routes modules and the gateway's settings, so a
 *   route added without docs fails here), with path params, list queries, request bodies, security, errors;
 * - HTTP contract: the answers of the flower seed flow (and of fish delivery's), of /oauth/token, and a 401,
 *   403, 404, 409 and 422 validate against the schema the document gives for that operation and status (ajv).
 *   (Every answer any test of this tier receives is checked too: test/support/openapi-contract.ts.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { ServiceSchema } from "moleculer";
import api from "../../services/gateway/api.service";
import { openApiPath, paramsToSchema, type RouteLike } from "../../lib/openapi";
import { actors, type Actors } from "../support/auth";
import { allSchemas, startEmbedded, routesOf } from "../support/embedded";
import operations from "../../services/operations/operations.service";
import { SYSTEMS } from "../../services/systems";
import timeline from "../../services/timeline/timeline.service";
import { client, eventually, type Client, type HttpResult } from "../support/http";


type Doc = Record<string, any>;

const FLOWER = "/api/flowerdelivery";
const FISH = "/api/fishdelivery";
const DOC_ID = "https://gateway.test/openapi.json";

let http: Client;
let as: Actors;
let doc: Doc;
let ajv: Ajv2020;
let actionParams: (name: string) => Record<string, unknown> | undefined;
let stop: () => Promise<void>;

beforeAll(async () => {
	const app = await startEmbedded([...allSchemas, timeline as ServiceSchema, operations as ServiceSchema]);
	stop = app.stop;
	http = client(app.baseUrl);
	as = actors(http);
	const res = await http.get("/api/openapi.json");
	expect(res.status).toBe(200);
	doc = res.body;
	ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addSchema({ ...doc, $id: DOC_ID });
	const list = app.broker.registry.getActionList({ skipInternal: true }) as { name: string; action?: { params?: Record<string, unknown> } }[];
	actionParams = name => list.find(a => a.name === name)?.action?.params;
});
afterAll(() => stop());

/** "POST /orders/:id" under `base` → the document's path and method. */
function where(base: string, alias: string): { method: string; path: string; params: string[] } {
	const [m, p] = alias.split(" ");
	return { method: m.toLowerCase(), ...openApiPath(base, p) };
}

const pointer = (...parts: string[]) => parts.map(p => `/${p.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

/** The documented answer of `method path` for `status`: its JSON pointer in the document (following a $ref). */
function responseAt(method: string, path: string, status: number): { at: string; response: Doc } {
	const op = doc.paths[path]?.[method];
	if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
	const r = op.responses[String(status)];
	if (!r) throw new Error(`${method.toUpperCase()} ${path} does not document ${status} (documents ${Object.keys(op.responses).join(", ")})`);
	if (r.$ref) {
		const name = String(r.$ref).split("/").pop()!;
		return { at: pointer("components", "responses", name), response: doc.components.responses[name] };
	}
	return { at: pointer("paths", path, method, "responses", String(status)), response: r };
}

/** The answer is documented for its operation and status, and its body validates against the schema given there. */
function expectDocumented(method: string, path: string, res: HttpResult): void {
	const { at, response } = responseAt(method, path, res.status);
	expect(res.headers.get("x-request-id")).toBeTruthy();
	for (const header of Object.keys(response.headers ?? {})) {
		if (header !== "X-Request-ID") expect([method, path, res.status, header, res.headers.get(header)]).not.toContain(null);
	}
	const validate = ajv.getSchema(`${DOC_ID}#${at}${pointer("content", "application/json", "schema")}`);
	if (!validate) throw new Error(`no JSON schema for ${method} ${path} ${res.status}`);
	if (!validate(res.body)) throw new Error(`${method.toUpperCase()} ${path} ${res.status}: the answer does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
}

/** Calls `template` (`{name}` filled from `args`) as `who`, and checks the answer against the document. */
async function call(who: Client, method: string, template: string, args: Record<string, string> = {}, body?: unknown, query = ""): Promise<HttpResult> {
	const url = template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(args[k])) + query;
	const res = await who.request(method.toUpperCase(), url, body);
	expectDocumented(method, template, res);
	return res;
}

/** The request body `body` conforms to the documented JSON request body of the operation. */
function expectValidRequest(method: string, path: string, body: unknown): void {
	const validate = ajv.getSchema(`${DOC_ID}#${pointer("paths", path, method, "requestBody", "content", "application/json", "schema")}`)!;
	if (!validate(body)) throw new Error(`${method} ${path}: ${ajv.errorsText(validate.errors)}`);
}

describe("the documentation endpoints", () => {
	it("GET /api/openapi.json and GET /api/docs need no token", async () => {
		const json = await http.get("/api/openapi.json");
		expect(json.status).toBe(200);
		expect(json.headers.get("content-type")).toMatch(/^application\/json/);
		const page = await http.get("/api/docs");
		expect(page.status).toBe(200);
		expect(page.headers.get("content-type")).toMatch(/^text\/html/);
		expect(page.body).toContain('id="swagger-ui"');
	});

	it("the docs page loads Swagger UI from this gateway only, and its Content-Security-Policy allows nothing else", async () => {
		const page = await http.get("/api/docs");
		const urls = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map(m => m[1]);
		expect(urls.length).toBeGreaterThanOrEqual(3);
		for (const url of urls) {
			expect(url).toMatch(/^\/api\/docs\//);
			const asset = await http.get(url);
			expect([url, asset.status]).toEqual([url, 200]);
		}
		expect(urls).toEqual(expect.arrayContaining(["/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/init.js"]));
		expect((await http.get("/api/docs/swagger-ui-bundle.js")).headers.get("content-type")).toMatch(/^text\/javascript/);
		expect((await http.get("/api/docs/swagger-ui.css")).headers.get("content-type")).toMatch(/^text\/css/);
		const init = String((await http.get("/api/docs/init.js")).body);
		expect(init).toContain('"/api/openapi.json"');
		expect(init).toContain("validatorUrl: null"); // no badge from the online validator
		const csp = page.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("script-src 'self'");
		expect(csp).toContain("connect-src 'self'");
		expect(csp).not.toMatch(/https?:/);
		// only the listed files: nothing else of the package (or the disk) is reachable
		for (const other of ["/api/docs/package.json", "/api/docs/index.html", "/api/docs/..%2Fpackage.json", "/api/docs/swagger-ui-bundle.js.map"]) expect((await http.get(other)).status).toBe(404);
	});
});

describe("the OpenAPI document", () => {
	it("is valid OpenAPI 3.1", () => {
		expect(doc.openapi).toBe("3.1.0");
		const dir = mkdtempSync(join(tmpdir(), "openapi-"));
		writeFileSync(join(dir, "openapi.json"), JSON.stringify(doc));
		const cli = join(require.resolve("@seriousme/openapi-schema-validator/package.json"), "..", "bin", "validate-api-cli.js");
		let out: string;
		try {
			out = execFileSync(process.execPath, [cli, join(dir, "openapi.json")], { encoding: "utf8" });
		} catch (err) {
			throw new Error(`not valid OpenAPI: ${(err as { stdout?: string }).stdout ?? String(err)}`);
		}
		expect(JSON.parse(out)).toEqual({ valid: true });
	});

	it("lints clean with @redocly/cli (recommended rules): no error, no warning but the ones .redocly.lint-ignore.yaml explains", () => {
		const root = join(__dirname, "..", "..");
		const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));
		writeFileSync(join(dir, "openapi.json"), JSON.stringify(doc, null, 2));
		// The committed config and ignore file, beside the document as the ignore file names it (openapi.json).
		for (const file of ["redocly.yaml", ".redocly.lint-ignore.yaml"]) copyFileSync(join(root, file), join(dir, file));
		const cli = join(require.resolve("@redocly/cli/package.json"), "..", "bin", "cli.js");
		const run = spawnSync(process.execPath, [cli, "lint", "--format=json", "--config", join(dir, "redocly.yaml"), "openapi.json"], {
			cwd: dir,
			encoding: "utf8",
			timeout: 60000,
			// offline and quiet: no usage data sent, no check for a newer version
			env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" }
		});
		let report: { totals: { errors: number; warnings: number; ignored: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
		try {
			report = JSON.parse(run.stdout);
		} catch {
			throw new Error(`redocly lint printed no report (exit ${run.status}): ${run.stdout}\n${run.stderr}`);
		}
		const problems = report.problems.map(p => `${p.ruleId} at ${p.location.map(l => l.pointer).join(", ")}: ${p.message}`);
		expect(problems).toEqual([]);
		expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
		// each ignored problem is still one (no stale entry), and each entry says why on the line above it
		const ignoreText = readFileSync(join(root, ".redocly.lint-ignore.yaml"), "utf8");
		const ignored = Object.values(parseYaml(ignoreText) as Record<string, Record<string, string[]>>).flatMap(rules => Object.values(rules).flat());
		expect(report.totals.ignored).toBe(ignored.length);
		const lines = ignoreText.split("\n");
		for (const [i, line] of lines.entries()) if (/^\s*- /.test(line)) expect([line, lines[i - 1].trim().startsWith("#")]).toEqual([line, true]);
	});

	it("lists every alias of every system's routes: method, path params, the action, a bearer token, a documented answer", () => {
		const routes: [string, Record<string, string>][] = SYSTEMS.map(system => [`/api/${system.name}`, routesOf(system.name)]);
		let n = 0;
		for (const [base, aliases] of routes) {
			for (const [alias, action] of Object.entries(aliases)) {
				const { method, path, params } = where(base, alias);
				const op = doc.paths[path]?.[method];
				expect([alias, op === undefined ? "undocumented" : "documented"]).toEqual([alias, "documented"]);
				expect(op["x-moleculer-action"]).toBe(action);
				expect(op.security).toEqual([{ bearerAuth: [] }]);
				expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
				expect(op.responses["403"]).toEqual({ $ref: "#/components/responses/Forbidden" });
				expect(op.responses["429"]).toEqual({ $ref: "#/components/responses/TooManyRequests" });
				expect(op.responses["503"]).toEqual({ $ref: "#/components/responses/ServiceUnavailable" });
				expect(op["x-roles"].length).toBeGreaterThan(0);
				expect(op.parameters.filter((p: Doc) => p.in === "path").map((p: Doc) => p.name)).toEqual(params);
				if (params.length) expect(op.responses["404"]).toBeDefined();
				// its success answer is a documented resource (a new context's route without docs fails here)
				const [status] = Object.keys(op.responses).filter(s => s.startsWith("2"));
				const schemaRef: string | undefined = op.responses[status].content?.["application/json"]?.schema?.$ref;
				expect([alias, schemaRef]).toEqual([alias, expect.stringMatching(/^#\/components\/schemas\//)]);
				const schema = doc.components.schemas[schemaRef!.split("/").pop()!];
				expect([alias, schema?.properties && Object.keys(schema.properties).length > 0]).toEqual([alias, true]);
				// its inputs are its action's params, all of them
				const declared = Object.keys(paramsToSchema(actionParams(action) ?? {}, params).properties as object);
				if (method === "get" || method === "delete") {
					expect(op.parameters.filter((p: Doc) => p.in === "query").map((p: Doc) => p.name).sort()).toEqual(declared.sort());
				} else if (declared.length > 0) {
					const body = doc.components.schemas[op.requestBody.content["application/json"].schema.$ref.split("/").pop()];
					expect(Object.keys(body.properties).sort()).toEqual(declared.sort());
					expect(op.responses["422"]).toEqual({ $ref: "#/components/responses/ValidationFailed" });
				}
				n++;
			}
		}
		expect(n).toBe(routes.reduce((sum, [, aliases]) => sum + Object.keys(aliases).length, 0));
	});

	it("lists every alias of every gateway route (token, keys, probes, metrics, the docs and their files), and nothing else", () => {
		const listed = new Set<string>();
		for (const route of ((api as ServiceSchema).settings as { routes: RouteLike[] }).routes) {
			for (const alias of Object.keys(route.aliases ?? {})) {
				const { method, path } = where(route.path ?? "/", alias);
				expect([alias, doc.paths[path]?.[method] !== undefined]).toEqual([alias, true]);
				listed.add(`${method} ${path}`);
			}
		}
		for (const must of ["post /oauth/token", "get /.well-known/jwks.json", "get /live", "get /ready", "get /metrics", "get /api/openapi.json", "get /api/docs", "get /api/docs/{file}"]) expect(listed).toContain(must);
		const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map(m => `${m} ${path}`));
		expect(documented.sort()).toEqual([...listed].sort());
	});

	it("lists take ?page=&pageSize=&sort= and the named filters, and answer a page of the resource", () => {
		const op = doc.paths[`${FLOWER}/ordermanagements`].get;
		const query = Object.fromEntries(op.parameters.filter((p: Doc) => p.in === "query").map((p: Doc) => [p.name, p]));
		expect(Object.keys(query).sort()).toEqual(["page", "pageSize", "sort", "status", "storeName", "userName"]);
		expect(query.page.schema).toMatchObject({ type: "integer" });
		expect(query.pageSize.schema).toMatchObject({ type: "integer", maximum: 100 });
		expect(query.sort.schema.enum).toEqual(expect.arrayContaining(["createdAt", "-createdAt"]));
		expect(Object.values(query).every((p: { required?: boolean }) => p.required === false)).toBe(true);
		const page = doc.components.schemas["flowerdelivery.StoreOrderPage"];
		expect(page.required).toEqual(["rows", "total", "page", "pageSize", "totalPages"]);
		expect(page.properties.rows.items).toEqual({ $ref: "#/components/schemas/flowerdelivery.StoreOrder" });
	});

	it("POST and PATCH take JSON bodies with their required fields and types; creating answers 201 with Location", () => {
		const place = doc.paths[`${FLOWER}/orders`].post;
		const body = doc.components.schemas[place.requestBody.content["application/json"].schema.$ref.split("/").pop()];
		expect(place.requestBody.required).toBe(true);
		expect(body.required.sort()).toEqual(["itemName", "itemPrice", "qty", "storeName"]);
		expect(body.properties).toMatchObject({ storeName: { type: "string", minLength: 1, maxLength: 100 }, qty: { type: "integer", maximum: 1000 }, itemPrice: { type: "number", minimum: 0 }, userName: { type: "string" } });
		expect(body.additionalProperties).toBe(false);
		expect(place.responses["201"].headers.Location).toEqual({ $ref: "#/components/headers/Location" });
		expect(place.responses["402"]).toEqual({ $ref: "#/components/responses/PaymentRequired" });

		const fish = doc.components.schemas["fishdelivery.order.place.body"];
		expect(fish.required.sort()).toEqual(["address", "fishName", "qty", "telephone"]);
		expect(fish.properties.telephone).toMatchObject({ type: "string", pattern: "^[0-9+\\-() ]+$" });

		const update = doc.paths[`${FISH}/fishstores/{id}`].patch;
		expect(doc.components.schemas[update.requestBody.content["application/json"].schema.$ref.split("/").pop()]).toMatchObject({ required: ["status"], properties: { status: { enum: ["prepared"] } } });
		expect(doc.components.schemas["flowerdelivery.store.reject.body"]).toMatchObject({ required: ["reason"], properties: { reason: { type: "string", minLength: 1 } } });
		// a command without a body documents none
		expect(doc.paths[`${FLOWER}/ordermanagements/{id}/accept`].post.requestBody).toBeUndefined();
	});

	it("documents the bearer scheme, the open token endpoint and the error shape with the statuses of the spec", () => {
		expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
		const token = doc.paths["/oauth/token"].post;
		expect(token.security).toEqual([{}, { clientBasic: [] }]);
		expect(Object.keys(token.requestBody.content).sort()).toEqual(["application/json", "application/x-www-form-urlencoded"]);
		expect(doc.components.schemas["identity.token.body"].required).toEqual(["grant_type"]);
		expect(token.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/identity.TokenResponse" });
		for (const open of ["/live", "/ready", "/.well-known/jwks.json", "/api/openapi.json", "/api/docs"]) expect(doc.paths[open].get.security).toEqual([]);

		expect(doc.components.schemas.Error).toMatchObject({ type: "object", required: ["name", "message", "code"] });
		expect(Object.keys(doc.components.schemas.Error.properties)).toEqual(["name", "message", "code", "type", "data"]);
		const statuses = Object.values(doc.components.responses as Record<string, { description?: string }>).map(r => Number(String(r.description).slice(0, 3)));
		expect(statuses).toEqual(expect.arrayContaining([400, 401, 402, 403, 404, 409, 422, 429, 503]));
		expect(doc.components.responses.TooManyRequests.headers["Retry-After"]).toBeDefined();
		expect(doc.components.responses.ServiceUnavailable.headers["Retry-After"]).toBeDefined();
		expect(doc.components.responses.Unauthorized.headers["WWW-Authenticate"]).toBeDefined();
	});
});

describe("HTTP contract: real answers match the document", () => {
	it("the flower seed flow: login, place, get, payment, store accept and decorate, deliveries, MyPage", async () => {
		const login = await call(http, "post", "/oauth/token", {}, { grant_type: "password", username: "LKJ", password: "lkj-demo-pw" });
		expect(login.status).toBe(200);
		await call(http, "get", "/.well-known/jwks.json");
		const customer = http.as(login.body.access_token);
		const [store, rider] = [as.store("KJSHOP"), as.rider()];

		const order = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };
		expectValidRequest("post", `${FLOWER}/orders`, order);
		const placed = await call(customer, "post", `${FLOWER}/orders`, {}, order);
		expect(placed.status).toBe(201);
		const id: Record<string, string> = { id: placed.body.id, orderId: placed.body.id };

		await call(customer, "get", `${FLOWER}/orders/{id}`, id);
		await call(customer, "get", `${FLOWER}/orders`, {}, undefined, "?pageSize=5&sort=-createdAt");
		await call(customer, "get", `${FLOWER}/payments/{id}`, id);
		await call(customer, "get", `${FLOWER}/payments`, {}, undefined, `?orderId=${id.id}`);
		await eventually(() => store.get(`${FLOWER}/ordermanagements/${id.id}`), r => r.status === 200);
		await call(store, "get", `${FLOWER}/ordermanagements/{id}`, id);
		await call(store, "get", `${FLOWER}/ordermanagements`, {}, undefined, "?storeName=KJSHOP&status=Received");
		expect((await call(store, "post", `${FLOWER}/ordermanagements/{id}/accept`, id, {})).body.status).toBe("Accepted");
		expect((await call(store, "post", `${FLOWER}/ordermanagements/{id}/decorate`, id, {})).body.status).toBe("Decorated");
		await eventually(() => rider.get(`${FLOWER}/deliveries/${id.id}`), r => r.status === 200);
		await call(rider, "get", `${FLOWER}/deliveries`, {}, undefined, "?status=Requested");
		await call(rider, "get", `${FLOWER}/deliveries/{id}`, id);
		expect((await call(rider, "post", `${FLOWER}/deliveries/{id}/start`, id, {})).body.status).toBe("Started");
		expect((await call(rider, "post", `${FLOWER}/deliveries/{id}/complete`, id, {})).body.status).toBe("Completed");
		await eventually(() => customer.get(`${FLOWER}/myPages/${id.orderId}`), r => r.status === 200 && r.body.orderStatus === "Delivered");
		await call(customer, "get", `${FLOWER}/myPages/{orderId}`, id);
		await call(customer, "get", `${FLOWER}/myPages`, {}, undefined, "?userName=LKJ");

		// a second order, rejected by the shop
		const other = await call(customer, "post", `${FLOWER}/orders`, {}, { ...order, qty: "2" });
		await eventually(() => store.get(`${FLOWER}/ordermanagements/${other.body.id}`), r => r.status === 200);
		expectValidRequest("post", `${FLOWER}/ordermanagements/{id}/reject`, { reason: "장미 품절" });
		expect((await call(store, "post", `${FLOWER}/ordermanagements/{id}/reject`, { id: other.body.id }, { reason: "장미 품절" })).body.status).toBe("Rejected");
	});

	it("fish delivery: place, get, payments, the shop's PATCH, the rider's complete, MyPage", async () => {
		const customer = await as.login("HanYongsun");
		const [shop, rider] = [as.store(), as.rider()];
		const order = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" };
		expectValidRequest("post", `${FISH}/orders`, order);
		const placed = await call(customer, "post", `${FISH}/orders`, {}, order);
		const id = { id: placed.body.id, orderId: placed.body.id };
		await call(customer, "get", `${FISH}/orders/{id}`, id);
		await call(customer, "get", `${FISH}/payments`, {}, undefined, `?orderId=${id.id}`);
		await call(customer, "get", `${FISH}/payments/{id}`, id);
		await eventually(() => shop.get(`${FISH}/fishstores/${id.id}`), r => r.status === 200);
		await call(shop, "get", `${FISH}/fishstores`, {}, undefined, "?status=Received");
		await call(shop, "get", `${FISH}/fishstores/{id}`, id);
		expectValidRequest("patch", `${FISH}/fishstores/{id}`, { status: "prepared" });
		expect((await call(shop, "patch", `${FISH}/fishstores/{id}`, id, { status: "prepared" })).body.status).toBe("Taken");
		await eventually(() => rider.get(`${FISH}/deliveries/${id.id}`), r => r.status === 200);
		await call(rider, "get", `${FISH}/deliveries`, {}, undefined, `?orderId=${id.id}`);
		await call(rider, "get", `${FISH}/deliveries/{id}`, id);
		await call(rider, "post", `${FISH}/deliveries/{id}/complete`, id, {});
		await eventually(() => customer.get(`${FISH}/myPages/${id.orderId}`), r => r.status === 200 && r.body.status === "Delivered");
		await call(customer, "get", `${FISH}/myPages/{orderId}`, id);
		await call(customer, "get", `${FISH}/myPages`, {}, undefined, "?status=Delivered");
		// the other shop command, on an order of its own
		const second = await call(customer, "post", `${FISH}/orders`, {}, { ...order, qty: "2" });
		await eventually(() => shop.get(`${FISH}/fishstores/${second.body.id}`), r => r.status === 200);
		await call(shop, "post", `${FISH}/fishstores/{id}/take`, { id: second.body.id }, {});
		await call(customer, "delete", `${FISH}/orders/{id}`, { id: second.body.id });
	});

	it("the timeline and the panel of contexts: systems, recent sagas, one saga, contexts, dead letters", async () => {
		const customer = as.customer("LKJ");
		const order = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };
		const placed = await customer.post(`${FLOWER}/orders`, order);
		const key = { system: "flowerdelivery", key: placed.body.id };
		await call(customer, "get", "/api/timeline");
		await eventually(() => customer.get(`/api/timeline/flowerdelivery/${key.key}`), r => r.status === 200 && r.body.waiting === 0 && r.body.entries.length === 2);
		await call(customer, "get", "/api/timeline/{system}/{key}", key);
		await call(customer, "get", "/api/timeline/{system}", key, undefined, "?pageSize=5");
		expect((await call(as.customer("someone-else"), "get", "/api/timeline/{system}/{key}", key)).status).toBe(403);
		await call(customer, "get", "/api/operations/contexts");
		await call(as.admin(), "get", "/api/operations/deadletters", {}, undefined, "?system=flowerdelivery");
	});

	it("errors match the error schema of their operation: 422, 401, 403, 404, 409, 400", async () => {
		const customer = as.customer("LKJ");
		const bad = await call(customer, "post", `${FLOWER}/orders`, {}, { storeName: "KJSHOP", itemName: "x", qty: "many", itemPrice: 1 });
		expect(bad.status).toBe(422);
		expect(bad.body).toMatchObject({ name: "ValidationError", code: 422, type: "VALIDATION_ERROR" });
		expect(() => expectValidRequest("post", `${FLOWER}/orders`, { storeName: "KJSHOP", itemName: "x", qty: "many", itemPrice: 1 })).toThrow(/qty/);
		// what the document says is required is required
		const missing = await call(customer, "post", `${FLOWER}/orders`, {}, { storeName: "KJSHOP", qty: 1, itemPrice: 1 });
		expect(missing.status).toBe(422);
		expect(JSON.stringify(missing.body.data)).toContain("itemName");
		const unknown = await call(customer, "post", `${FLOWER}/orders`, {}, { storeName: "KJSHOP", itemName: "x", qty: 1, itemPrice: 1, color: "red" });
		expect(unknown.status).toBe(422); // additionalProperties: false
		expect((await call(customer, "get", `${FLOWER}/orders`, {}, undefined, "?pageSize=1000")).status).toBe(422);

		const anonymous = await call(http, "get", `${FLOWER}/orders`);
		expect(anonymous.status).toBe(401);
		expect(anonymous.body).toMatchObject({ code: 401, type: "UNAUTHORIZED" });
		expect((await call(http, "post", `${FISH}/orders`, {}, {})).status).toBe(401);

		expect((await call(as.rider(), "get", `${FLOWER}/orders`)).status).toBe(403);
		expect((await call(customer, "get", `${FLOWER}/orders/{id}`, { id: "no-such-order" })).status).toBe(404);
		const mine = await call(customer, "post", `${FLOWER}/orders`, {}, { storeName: "KJSHOP", itemName: "x", qty: 1, itemPrice: 1 });
		expect((await call(customer, "delete", `${FLOWER}/orders/{id}`, { id: mine.body.id })).status).toBe(200);
		const again = await call(customer, "delete", `${FLOWER}/orders/{id}`, { id: mine.body.id });
		expect(again.status).toBe(409);
		expect(again.body.data.status).toBe("Cancelled");
		expect((await call(customer, "post", `${FLOWER}/orders`, {}, "{not json")).status).toBe(400);
		const wrongGrant = await call(http, "post", "/oauth/token", {}, { grant_type: "password", username: "LKJ", password: "wrong" });
		expect(wrongGrant.status).toBe(400);
	});
});
