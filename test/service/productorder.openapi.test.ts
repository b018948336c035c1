/**
 * The product-order mall's HTTP contract: every route's real answers — successes and errors — validate
 * against the schema the OpenAPI document (generated from the routes, the actions' params and the mall's
 * resource schemas) gives for that operation and status (ajv), and the request bodies the walkthrough sends
 * validate against the documented request bodies. One broker, HTTP through the real gateway.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { openApiPath } from "../../lib/openapi";
import { actors, type Actors } from "../support/auth";
import { routesOf, startEmbedded, systemSchemas } from "../support/embedded";
import { client, eventually, type Client, type HttpResult } from "../support/http";

type Doc = Record<string, any>;

const API = "/api/productorder";
const DOC_ID = "https://gateway.test/openapi.json";

let http: Client;
let as: Actors;
let doc: Doc;
let ajv: Ajv2020;
let stop: () => Promise<void>;
/** The operations answered so far (method + documented path), to check every route was called. */
const called = new Set<string>();

beforeAll(async () => {
	const app = await startEmbedded(systemSchemas("productorder"));
	stop = app.stop;
	http = client(app.baseUrl);
	as = actors(http);
	doc = (await http.get("/api/openapi.json")).body;
	ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addSchema({ ...doc, $id: DOC_ID });
});
afterAll(() => stop());

const pointer = (...parts: string[]) => parts.map(p => `/${p.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

/** Calls `template` (`{name}` from `args`) as `who`; the answer must be documented for its status, and match its schema. */
async function call(who: Client, method: string, template: string, args: Record<string, string> = {}, body?: unknown, query = ""): Promise<HttpResult> {
	const res = await who.request(method.toUpperCase(), template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(args[k])) + query, body);
	const op = doc.paths[template]?.[method];
	if (!op) throw new Error(`${method} ${template} is not documented`);
	let r = op.responses[String(res.status)];
	if (!r) throw new Error(`${method} ${template} answered ${res.status}, not documented (documents ${Object.keys(op.responses).join(", ")}): ${JSON.stringify(res.body)}`);
	let at = pointer("paths", template, method, "responses", String(res.status));
	if (r.$ref) {
		const name = String(r.$ref).split("/").pop()!;
		at = pointer("components", "responses", name);
		r = doc.components.responses[name];
	}
	const validate = ajv.getSchema(`${DOC_ID}#${at}${pointer("content", "application/json", "schema")}`)!;
	if (!validate(res.body)) throw new Error(`${method} ${template} ${res.status}: the answer does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
	if (res.status < 300) called.add(`${method} ${template}`);
	return res;
}

function expectValidRequest(method: string, path: string, body: unknown): void {
	const validate = ajv.getSchema(`${DOC_ID}#${pointer("paths", path, method, "requestBody", "content", "application/json", "schema")}`)!;
	if (!validate(body)) throw new Error(`${method} ${path}: ${ajv.errorsText(validate.errors)}`);
}

describe("product-order HTTP contract: real answers match the document", () => {
	it("every route of the mall, through the seed's flow, a cancellation and a rejection", async () => {
		const [buyer, manager, courier] = await Promise.all([as.login("mallbuyer"), as.login("mallmanager"), as.login("mallcourier")]);
		const product = { itemcd: "2", totalQuantity: 100, name: "우유" };
		expectValidRequest("post", `${API}/products`, product);
		expect((await call(manager, "post", `${API}/products`, {}, product)).status).toBe(201);
		await call(manager, "get", `${API}/products/{itemcd}`, { itemcd: "2" });
		await call(buyer, "get", `${API}/products`, {}, undefined, "?itemcd=2");
		expectValidRequest("post", `${API}/products/{itemcd}/restock`, { qty: 5 });
		expect((await call(manager, "post", `${API}/products/{itemcd}/restock`, { itemcd: "2" }, { qty: 5 })).body.totalQuantity).toBe(105);

		const order = { item: "milk", orderQty: 1, status: "ordered", price: 2000, itemcd: "2", address: "서울시 강남구" };
		expectValidRequest("post", `${API}/orders`, order);
		expectValidRequest("post", `${API}/orders`, { ...order, itemcd: 2 });
		const placed = await call(buyer, "post", `${API}/orders`, {}, order);
		expect(placed.status).toBe(201);
		const id = { id: placed.body.id, orderId: placed.body.id };
		await eventually(() => buyer.get(`${API}/orders/${id.id}`), r => r.body.status === "deliveryPrepared");
		await call(buyer, "get", `${API}/orders/{id}`, id);
		await call(buyer, "get", `${API}/orders`, {}, undefined, "?status=deliveryPrepared&sort=-createdAt");
		await call(buyer, "get", `${API}/pays/{id}`, id);
		await call(buyer, "get", `${API}/pays`, {}, undefined, `?orderId=${id.id}`);
		await call(manager, "get", `${API}/products/{itemcd}`, { itemcd: "2" }); // with a reservation
		await call(courier, "get", `${API}/deliveries`, {}, undefined, `?status=prepared&orderId=${id.id}`);
		await call(courier, "get", `${API}/deliveries/{id}`, id);
		expectValidRequest("post", `${API}/deliveries/{id}/deliverystarted`, { test: 1 });
		expect((await call(courier, "post", `${API}/deliveries/{id}/deliverystarted`, id, { test: "1" })).body.status).toBe("started");
		expect((await call(courier, "post", `${API}/deliveries/{id}/deliverycompleted`, id, { test: "1" })).body.status).toBe("completed");
		await eventually(() => buyer.get(`${API}/customercenters/${id.orderId}`), r => r.status === 200 && r.body.orderStatus === "deliveryCompleted");
		await call(buyer, "get", `${API}/customercenters/{orderId}`, id);
		await call(buyer, "get", `${API}/customercenters`, {}, undefined, "?customer=mallbuyer");
		const notices = await eventually(() => buyer.get(`${API}/notices?orderId=${id.id}`), r => r.body.total === 4);
		await call(buyer, "get", `${API}/notices`, {}, undefined, `?orderId=${id.id}`);
		await call(buyer, "get", `${API}/notices/{id}`, { id: notices.body.rows[0].id });

		// cancelled (the delivery cancelled too), and a rejection for want of stock
		const second = await call(buyer, "post", `${API}/orders`, {}, { ...order, orderQty: 2 });
		await eventually(() => buyer.get(`${API}/orders/${second.body.id}`), r => r.body.status === "deliveryPrepared");
		expect((await call(buyer, "delete", `${API}/orders/{id}`, { id: second.body.id })).body.status).toBe("canceled");
		await eventually(() => courier.get(`${API}/deliveries/${second.body.id}`), r => r.body.status === "canceled");
		await call(courier, "get", `${API}/deliveries/{id}`, { id: second.body.id });
		const rejected = await call(buyer, "post", `${API}/orders`, {}, { ...order, orderQty: 500 });
		await eventually(() => buyer.get(`${API}/orders/${rejected.body.id}`), r => r.body.status === "rejected");
		await call(buyer, "get", `${API}/orders/{id}`, { id: rejected.body.id });
		await eventually(() => buyer.get(`${API}/pays/${rejected.body.id}`), r => r.body.status === "canceled");
		await call(buyer, "get", `${API}/pays/{id}`, { id: rejected.body.id });
		await eventually(() => buyer.get(`${API}/customercenters/${rejected.body.id}`), r => r.body.orderStatus === "rejected");
		await call(buyer, "get", `${API}/customercenters/{orderId}`, { orderId: rejected.body.id });

		// every route of the manifest answered a documented success
		const routes = Object.keys(routesOf("productorder")).map(alias => {
			const [m, p] = alias.split(" ");
			return `${m.toLowerCase()} ${openApiPath(API, p).path}`;
		});
		expect([...called].sort()).toEqual(expect.arrayContaining(routes.sort()));
		expect(routes.filter(r => !called.has(r))).toEqual([]);
	});

	it("errors match their operation's documented answers: 401, 402, 403, 404, 409, 422", async () => {
		const buyer = as.customer("contract-buyer");
		const manager = as.store("MALL");
		expect((await call(manager, "post", `${API}/products`, {}, { itemcd: "c1", totalQuantity: 1 })).status).toBe(201);
		expect((await call(manager, "post", `${API}/products`, {}, { itemcd: "c1", totalQuantity: 1 })).status).toBe(409);
		expect((await call(manager, "post", `${API}/products`, {}, { itemcd: "c 1", totalQuantity: 1 })).status).toBe(422);
		expect(() => expectValidRequest("post", `${API}/products`, { itemcd: "c 1", totalQuantity: 1 })).toThrow(/itemcd|pattern|anyOf/);
		expect((await call(manager, "post", `${API}/products/{itemcd}/restock`, { itemcd: "nope" }, { qty: 1 })).status).toBe(404);
		expect((await call(manager, "get", `${API}/products/{itemcd}`, { itemcd: "nope" })).status).toBe(404);

		const bad = await call(buyer, "post", `${API}/orders`, {}, { item: "milk", orderQty: "many", price: 1, itemcd: "c1" });
		expect(bad.status).toBe(422);
		expect(() => expectValidRequest("post", `${API}/orders`, { item: "milk", orderQty: 1, price: 1, itemcd: "c1", status: "delivered" })).toThrow(/status|enum/);
		expect((await call(buyer, "post", `${API}/orders`, {}, { item: "milk", orderQty: 1, price: 1, itemcd: "c1", status: "delivered" })).status).toBe(422);
		expect((await call(buyer, "post", `${API}/orders`, {}, { item: "milk", orderQty: 1, price: 0, itemcd: "c1" })).status).toBe(402);
		expect((await call(http, "get", `${API}/orders`)).status).toBe(401);
		expect((await call(as.rider(), "post", `${API}/orders`, {}, { item: "milk", orderQty: 1, price: 1, itemcd: "c1" })).status).toBe(403);
		expect((await call(buyer, "post", `${API}/products`, {}, { itemcd: "c2", totalQuantity: 1 })).status).toBe(403);
		expect((await call(buyer, "get", `${API}/orders/{id}`, { id: "no-such-order" })).status).toBe(404);
		expect((await call(buyer, "get", `${API}/customercenters/{orderId}`, { orderId: "no-such-order" })).status).toBe(404);

		const mine = await call(buyer, "post", `${API}/orders`, {}, { item: "milk", orderQty: 1, price: 1, itemcd: "c1" });
		expect((await call(buyer, "delete", `${API}/orders/{id}`, { id: mine.body.id })).status).toBe(200);
		const again = await call(buyer, "delete", `${API}/orders/{id}`, { id: mine.body.id });
		expect([again.status, again.body.data.status]).toEqual([409, "canceled"]);
		expect((await call(as.customer("someone-else"), "get", `${API}/pays/{id}`, { id: mine.body.id })).status).toBe(403);
		await eventually(() => as.rider().get(`${API}/deliveries/${mine.body.id}`), r => r.status === 200);
		expect((await call(as.rider(), "post", `${API}/deliveries/{id}/deliverystarted`, { id: mine.body.id }, { test: 1 })).status).toBe(409);
		expect((await call(as.rider(), "post", `${API}/deliveries/{id}/deliverycompleted`, { id: "nope" }, {})).status).toBe(404);
		expect((await call(as.rider(), "post", `${API}/deliveries/{id}/deliverystarted`, { id: mine.body.id }, { color: "red" })).status).toBe(422);
	});
});
