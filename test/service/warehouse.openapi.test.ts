/**
 * The warehouse's HTTP contract: its operations in the OpenAPI document the gateway serves (generated from
 * the routes, the actions' params and services/warehouse/openapi.ts), and real answers — every route's
 * success, and its errors (401, 403, 404, 409 with the current state, 422, 503 + Retry-After, 504) —
 * validated against the schema the document gives for that operation and status (ajv), through the real
 * gateway of one broker.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { Context, Middleware, ServiceBroker, ServiceSchema } from "moleculer";
import { config } from "../../config";
import { openApiPath } from "../../lib/openapi";
import { actors, mint, type Actors } from "../support/auth";
import { routesOf, startEmbedded, systemSchemas } from "../support/embedded";
import { client, eventually, type Client, type HttpResult } from "../support/http";

type Doc = Record<string, any>;

const API = "/api/warehouse";
const DOC_ID = "https://gateway.test/openapi.json";

let broker: ServiceBroker;
let http: Client;
let as: Actors;
let doc: Doc;
let ajv: Ajv2020;
let stop: () => Promise<void>;
let slowOnce = false;

/** One booking answer after the caller's timeout (its work done), for the 504. */
const slow = {
	name: "SlowBookingAnswer",
	localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
		if (action.name !== "warehouse.warehouse.book") return next;
		return async (ctx: Context) => {
			const answer = await next(ctx);
			if (slowOnce) {
				slowOnce = false;
				await new Promise(resolve => setTimeout(resolve, config.resilience.stepTimeoutMs + 600));
			}
			return answer;
		};
	}
} as Middleware;

beforeAll(async () => {
	const app = await startEmbedded(systemSchemas("warehouse"), [slow]);
	({ broker, stop } = app);
	http = client(app.baseUrl);
	as = actors(http);
	doc = (await http.get("/api/openapi.json")).body;
	ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addSchema({ ...doc, $id: DOC_ID });
});
afterAll(() => stop());

const pointer = (...parts: string[]) => parts.map(p => `/${p.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

/** The answer is documented for its operation and status, and its body validates against the schema given there. */
function expectDocumented(method: string, path: string, res: HttpResult): void {
	const op = doc.paths[path]?.[method];
	if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
	const r = op.responses[String(res.status)];
	if (!r) throw new Error(`${method.toUpperCase()} ${path} does not document ${res.status} (documents ${Object.keys(op.responses).join(", ")}): ${JSON.stringify(res.body)}`);
	const name = r.$ref ? String(r.$ref).split("/").pop()! : undefined;
	const at = name ? pointer("components", "responses", name) : pointer("paths", path, method, "responses", String(res.status));
	const response = name ? doc.components.responses[name] : r;
	for (const header of Object.keys(response.headers ?? {})) expect([method, path, res.status, header, res.headers.get(header)]).not.toContain(null);
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

describe("the warehouse in the OpenAPI document", () => {
	it("documents every route with its action, roles, the resource it answers and its errors", () => {
		for (const [alias, action] of Object.entries(routesOf("warehouse"))) {
			const [m, p] = alias.split(" ");
			const { path } = openApiPath(API, p);
			const op = doc.paths[path]?.[m.toLowerCase()];
			expect([alias, op?.["x-moleculer-action"]]).toEqual([alias, action]);
			expect(op.security).toEqual([{ bearerAuth: [] }]);
		}
		const receive = doc.paths[`${API}/deliveries/{id}/receive`].post;
		expect(receive["x-roles"]).toEqual(["warehouse", "admin"]);
		expect(Object.keys(receive.responses)).toEqual(expect.arrayContaining(["200", "403", "404", "409", "503", "504"]));
		expect(receive.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/warehouse.InboundDelivery" });
		const request = doc.paths[`${API}/deliveries`].post;
		expect(request.parameters).toContainEqual({ $ref: "#/components/parameters/Idempotency-Key" });
		expect(doc.components.schemas["warehouse.delivery.request.body"]).toMatchObject({ required: ["product", "qty"], additionalProperties: false, properties: { qty: { type: "integer" } } });
		expect(doc.components.schemas["warehouse.warehouse.dispose.body"].required.sort()).toEqual(["qty", "reason"]);
		expect(doc.paths[`${API}/warehouses`].get.parameters.filter((q: Doc) => q.in === "query").map((q: Doc) => q.name).sort()).toEqual(["customer", "page", "pageSize", "product", "sort", "status"]);
		// the synchronous steps are internal: not in the document
		expect(Object.values(doc.paths).flatMap(ops => Object.values(ops as Doc).map(o => o["x-moleculer-action"]))).not.toEqual(expect.arrayContaining(["warehouse.warehouse.book"]));
	});
});

describe("HTTP contract: the warehouse's real answers match the document", () => {
	it("every route's success: request, read, receive, ship, dispose, cancel, messages, the stock view", async () => {
		const customer = await as.login("gildong");
		const staff = await as.login("whstaff");
		const placed = await call(customer, "post", `${API}/deliveries`, {}, { product: "사과", qty: "10" });
		expect(placed.status).toBe(201);
		const id = { id: placed.body.id };
		await call(customer, "get", `${API}/deliveries/{id}`, id);
		await call(customer, "get", `${API}/deliveries`, {}, undefined, "?status=requested&pageSize=5&sort=-createdAt");
		const received = await call(staff, "post", `${API}/deliveries/{id}/receive`, id, {});
		expect(received.body.status).toBe("received");
		const stock = { id: received.body.stockId, stockId: received.body.stockId };
		await call(customer, "get", `${API}/warehouses/{id}`, stock);
		await call(staff, "get", `${API}/warehouses`, {}, undefined, "?customer=gildong&product=사과");
		expect((await call(customer, "post", `${API}/warehouses/{id}/ship`, stock, { qty: 2 })).body.quantity).toBe(8);
		expect((await call(staff, "post", `${API}/warehouses/{id}/dispose`, stock, { qty: "1", reason: "파손" })).body.quantity).toBe(7);
		const other = await call(customer, "post", `${API}/deliveries`, {}, { product: "배", qty: 1 });
		expect((await call(customer, "delete", `${API}/deliveries/{id}`, { id: other.body.id })).body.status).toBe("cancelled");

		const messages = await eventually(() => customer.get(`${API}/notifications?customer=gildong`), r => r.body.total >= 5 && r.body.rows.every((m: { status: string }) => m.status === "sent"));
		await call(customer, "get", `${API}/notifications`, {}, undefined, "?customer=gildong&kind=Shipped");
		await call(customer, "get", `${API}/notifications/{id}`, { id: messages.body.rows[0].id });
		await eventually(() => customer.get(`${API}/stocks/${stock.stockId}`), r => r.status === 200 && r.body.quantity === 7);
		await call(customer, "get", `${API}/stocks/{stockId}`, stock);
		await call(customer, "get", `${API}/stocks`, {}, undefined, "?customer=gildong");
	});

	it("errors: 401, 403, 404, 409 (received; short of stock), 422, 503 + Retry-After (warehouse gone), 504 (its answer late)", async () => {
		const customer = as.customer("errors");
		const staff = http.as(mint({ sub: "staff", roles: ["warehouse"] }));
		expect((await call(http, "get", `${API}/deliveries`)).status).toBe(401);
		expect((await call(as.rider(), "get", `${API}/warehouses`)).status).toBe(403);
		expect((await call(customer, "post", `${API}/deliveries/{id}/receive`, { id: "x" }, {})).status).toBe(403);
		expect((await call(staff, "post", `${API}/deliveries/{id}/receive`, { id: "no-such-delivery" }, {})).status).toBe(404);
		expect((await call(customer, "post", `${API}/deliveries`, {}, { product: "사과", qty: "many" })).status).toBe(422);

		const d = (await call(customer, "post", `${API}/deliveries`, {}, { product: "콩", qty: 2 })).body;
		await call(staff, "post", `${API}/deliveries/{id}/receive`, { id: d.id }, {});
		const twice = await call(staff, "post", `${API}/deliveries/{id}/receive`, { id: d.id }, {});
		expect([twice.status, twice.body.data.status]).toEqual([409, "received"]);
		const short = await call(customer, "post", `${API}/warehouses/{id}/ship`, { id: d.stockId }, { qty: 3 });
		expect([short.status, short.body.data.quantity]).toEqual([409, 2]);
		expect((await call(customer, "delete", `${API}/deliveries/{id}`, { id: d.id })).status).toBe(409);

		const late = (await call(customer, "post", `${API}/deliveries`, {}, { product: "콩", qty: 1 })).body;
		slowOnce = true;
		const unknown = await call(staff, "post", `${API}/deliveries/{id}/receive`, { id: late.id }, {});
		expect([unknown.status, unknown.body.data.outcome]).toEqual([504, "unknown"]);
		await eventually(() => customer.get(`${API}/deliveries/${late.id}`), r => r.body.status === "received");

		const gone = (await call(customer, "post", `${API}/deliveries`, {}, { product: "콩", qty: 1 })).body;
		const schema = systemSchemas("warehouse").find(s => s.name === "warehouse.warehouse") as ServiceSchema;
		await broker.destroyService(broker.getLocalService("warehouse.warehouse")!);
		try {
			const down = await call(staff, "post", `${API}/deliveries/{id}/receive`, { id: gone.id }, {});
			expect([down.status, down.headers.get("retry-after")]).toEqual([503, String(config.resilience.retryAfterSeconds)]);
		} finally {
			broker.createService(schema);
			await broker.waitForServices(["warehouse.warehouse"], 5000);
		}
	});
});
