/**
 * HTTP contract of The Draw: the answers of its whole scenario (apply, list, cancel, the raffle and its
 * verification, checkout, the SMS log, MyPage) and its errors (401, 403, 404, 409, 422, 503) validate against
 * the schema the OpenAPI document gives for that operation and status (ajv), through the real gateway.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { openApiPath } from "../../lib/openapi";
import authSchema from "../../services/thedraw/auth.service";
import { actors, type Actors } from "../support/auth";
import { startEmbedded, systemSchemas } from "../support/embedded";
import { client, eventually, type Client, type HttpResult } from "../support/http";

type Doc = Record<string, any>;
const API = "/api/thedraw";
const DOC_ID = "https://gateway.test/openapi.json";

let http: Client;
let as: Actors;
let broker: ServiceBroker;
let doc: Doc;
let ajv: Ajv2020;
let stop: () => Promise<void>;

beforeAll(async () => {
	const app = await startEmbedded(systemSchemas("thedraw"));
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

function expectDocumented(method: string, path: string, res: HttpResult): void {
	const op = doc.paths[path]?.[method];
	if (!op) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
	const r = op.responses[String(res.status)];
	if (!r) throw new Error(`${method.toUpperCase()} ${path} does not document ${res.status} (documents ${Object.keys(op.responses).join(", ")}): ${JSON.stringify(res.body)}`);
	const at = r.$ref ? pointer("components", "responses", String(r.$ref).split("/").pop()!) : pointer("paths", path, method, "responses", String(res.status));
	const validate = ajv.getSchema(`${DOC_ID}#${at}${pointer("content", "application/json", "schema")}`);
	if (!validate) throw new Error(`no JSON schema for ${method} ${path} ${res.status}`);
	if (!validate(res.body)) throw new Error(`${method.toUpperCase()} ${path} ${res.status}: the answer does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body)}`);
}

/** Calls `alias` ("POST /draws", "GET /draws/:id") of The Draw as `who`, checks the answer against the document. */
async function call(who: Client, alias: string, args: Record<string, string> = {}, body?: unknown, query = ""): Promise<HttpResult> {
	const [method, route] = alias.split(" ");
	const { path } = openApiPath(API, route);
	const url = API + route.replace(/:(\w+)/g, (_m, k: string) => encodeURIComponent(args[k])) + query;
	const res = await who.request(method, url, body);
	expectDocumented(method.toLowerCase(), path, res);
	return res;
}

const entry = (userId: string, drawId = "API") => ({ itemNo: "1111", price: "100000", drawDate: "2021-08-28", size: "275", drawId, drawName: "NIKE jordan 1", userId, phone: "01012345678" });

describe("The Draw: real answers match the OpenAPI document", () => {
	it("the whole scenario: apply, list, get, cancel, raffle, verify, order, SMS, MyPage", async () => {
		const dj14 = await as.login("dj14");
		const admin = as.admin();
		const applied = await call(dj14, "POST /draws", {}, entry("dj14"));
		expect(applied.status).toBe(201);
		const id = applied.body.id as string;
		const other = await call(as.customer("api-fan"), "POST /draws", {}, entry("api-fan"));
		const gone = await call(as.customer("api-gone"), "POST /draws", {}, entry("api-gone"));
		await call(dj14, "GET /draws/:id", { id });
		await call(dj14, "GET /draws", {}, undefined, "?drawId=API&status=applied");
		expect((await call(as.customer("api-gone"), "DELETE /draws/:id", { id: gone.body.id })).body.status).toBe("cancelled");
		await eventually(() => admin.get(`${API}/raffles/API`), r => r.status === 200 && r.body.entries.length === 3 && r.body.cancelled.length === 1);
		await call(dj14, "GET /raffles/:drawId", { drawId: "API" }); // open

		// With 2 winners and 2 active entries both win: dj14 can buy.
		const run = await call(admin, "POST /raffles/:drawId/run", { drawId: "API" }, { winners: 2 });
		expect(run.body.status).toBe("run");
		await call(dj14, "GET /raffles/:drawId", { drawId: "API" });
		expect((await call(admin, "GET /raffles/:drawId/verify", { drawId: "API" })).body.matches).toBe(true);
		expect((await call(admin, "POST /raffles/:drawId/run", { drawId: "API" }, { winners: 2 })).status).toBe(409);

		await eventually(() => admin.get(`${API}/draws/${id}`), r => r.body.status === "won");
		const wrong = await call(dj14, "POST /orders", {}, { entryId: id, userPassword: "nope" });
		expect(wrong.status).toBe(403);
		expect((await call(dj14, "GET /orders/:id", { id: wrong.body.data.orderId })).status).toBe(404);
		const placed = await eventually(() => call(dj14, "POST /orders", {}, { entryId: id, userPassword: "dj14-demo-pw" }), r => r.status === 201);
		await call(dj14, "GET /orders/:id", { id: placed.body.id });
		expect((await call(dj14, "POST /orders", {}, { entryId: id, userPassword: "dj14-demo-pw" })).status).toBe(409);
		await eventually(() => admin.get(`${API}/myPages/${id}`), r => r.status === 200 && r.body.orderStatus === "placed");
		expect((await call(dj14, "DELETE /orders/:id", { id: placed.body.id })).body.status).toBe("cancelled");
		expect((await call(dj14, "DELETE /orders/:id", { id: placed.body.id })).status).toBe(409);

		await eventually(() => admin.get(`${API}/notifications?entryId=${id}`), r => r.body.total === 4);
		await call(dj14, "GET /notifications", {}, undefined, `?userId=dj14&entryId=${id}`);
		await call(admin, "GET /notifications", {}, undefined, "?drawId=API&entryStatus=lost");
		await eventually(() => admin.get(`${API}/myPages/${id}`), r => r.status === 200 && r.body.status === "winCancelled");
		await call(dj14, "GET /myPages/:entryId", { entryId: id });
		await call(dj14, "GET /myPages", {}, undefined, "?drawId=API");
		expect((await call(as.customer("api-fan"), "GET /myPages/:entryId", { entryId: other.body.id })).body.status).toBe("won");
	});

	it("errors match the error schema of their operation: 422, 401, 403, 404, 409, 503", async () => {
		const fan = as.customer("api-err");
		expect((await call(fan, "POST /draws", {}, { ...entry("api-err"), size: "big" })).status).toBe(422);
		expect((await call(fan, "POST /draws", {}, { ...entry("api-err"), colour: "red" })).status).toBe(422);
		expect((await call(http, "GET /draws")).status).toBe(401);
		expect((await call(http, "POST /orders", {}, { entryId: "x", userPassword: "y" })).status).toBe(401);
		expect((await call(fan, "POST /raffles/:drawId/run", { drawId: "API2" }, { winners: 1 })).status).toBe(403);
		expect((await call(fan, "GET /raffles/:drawId/verify", { drawId: "API2" })).status).toBe(403);
		expect((await call(fan, "GET /draws/:id", { id: "nope" })).status).toBe(404);
		expect((await call(fan, "GET /raffles/:drawId", { drawId: "NOPE" })).status).toBe(404);
		expect((await call(as.admin(), "GET /raffles/:drawId/verify", { drawId: "NOPE" })).status).toBe(404);
		expect((await call(fan, "DELETE /orders/:id", { id: "nope" })).status).toBe(404);
		expect((await call(fan, "POST /orders", {}, { entryId: "nope", userPassword: "y" })).status).toBe(409);
		expect((await call(as.admin(), "POST /raffles/:drawId/run", { drawId: "NOBODY" }, { winners: 1 })).status).toBe(409);
		const mine = await call(fan, "POST /draws", {}, entry("api-err", "API2"));
		expect((await call(fan, "POST /draws", {}, entry("api-err", "API2"))).status).toBe(409);
		await eventually(() => as.admin().get(`${API}/raffles/API2`), r => r.status === 200);
		expect((await call(as.admin(), "GET /raffles/:drawId/verify", { drawId: "API2" })).status).toBe(409); // not run yet
		expect((await call(as.customer("someone"), "DELETE /draws/:id", { id: mine.body.id })).status).toBe(403);

		// 503 + Retry-After: the step's owner is down.
		await call(as.admin(), "POST /raffles/:drawId/run", { drawId: "API2" }, { winners: 1 });
		await eventually(() => as.admin().get(`${API}/draws/${mine.body.id}`), r => r.body.status === "won");
		await broker.destroyService(broker.getLocalService("thedraw.auth")!);
		try {
			const down = await call(fan, "POST /orders", {}, { entryId: mine.body.id, userPassword: "y" });
			expect(down.status).toBe(503);
			expect(down.headers.get("retry-after")).toBeTruthy();
		} finally {
			broker.createService(authSchema as ServiceSchema);
			await broker.waitForServices(["thedraw.auth"]);
		}
	});
});
