/** The OpenAPI generator alone: fastest-validator rules as JSON Schema, and a document from routes and actions. */
import { buildOpenApi, documented, openApiPath, paramsToSchema, ruleToSchema, s, type ActionLike, type JsonSchema } from "../../lib/openapi";
import { listParams } from "../../mixins/listing";
import { ORDER_DETAILS_PARAMS } from "../../services/fishdelivery/params";

describe("fastest-validator rules as JSON Schema", () => {
	it("strings, numbers, booleans, enums: bounds, integer, positive, pattern, optional, default, nullable", () => {
		expect(ruleToSchema({ type: "string", min: 1, max: 100, trim: true })).toEqual({ schema: { type: "string", minLength: 1, maxLength: 100 }, optional: false });
		expect(ruleToSchema({ type: "string", length: 4, optional: true })).toEqual({ schema: { type: "string", minLength: 4, maxLength: 4 }, optional: true });
		expect(ruleToSchema({ type: "string", empty: false, pattern: /^[a-z]+$/ })?.schema).toEqual({ type: "string", minLength: 1, pattern: "^[a-z]+$" });
		expect(ruleToSchema({ type: "number", integer: true, positive: true, max: 1000, convert: true })?.schema).toMatchObject({ type: "integer", exclusiveMinimum: 0, maximum: 1000 });
		expect(ruleToSchema({ type: "number", min: 0 })?.schema).toEqual({ type: "number", minimum: 0 });
		expect(ruleToSchema({ type: "boolean", default: false })).toEqual({ schema: { type: "boolean", default: false }, optional: true });
		expect(ruleToSchema({ type: "enum", values: ["a", "b"] })?.schema).toEqual({ type: "string", enum: ["a", "b"] });
		expect(ruleToSchema({ type: "enum", values: [1, 2] })?.schema).toEqual({ enum: [1, 2] });
		expect(ruleToSchema({ type: "string", nullable: true })?.schema).toEqual({ type: ["string", "null"] });
		expect(ruleToSchema({ type: "email" })?.schema).toEqual({ type: "string", format: "email" });
		expect(ruleToSchema({ type: "equal", value: "x" })?.schema).toEqual({ const: "x" });
		expect(ruleToSchema({ type: "any" })?.schema).toEqual({});
		expect(ruleToSchema({ type: "forbidden" })).toBeNull();
	});

	it("shorthands, arrays, nested objects and alternatives", () => {
		expect(ruleToSchema("string|min:3|optional")).toEqual({ schema: { type: "string", minLength: 3 }, optional: true });
		expect(ruleToSchema("number[]")?.schema).toEqual({ type: "array", items: { type: "number" } });
		expect(ruleToSchema({ type: "array", items: "string", min: 1, unique: true })?.schema).toEqual({ type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true });
		expect(ruleToSchema({ type: "object", strict: true, props: { a: "string", b: { type: "number", optional: true } } })?.schema).toEqual({
			type: "object",
			properties: { a: { type: "string" }, b: { type: "number" } },
			required: ["a"],
			additionalProperties: false
		});
		expect(ruleToSchema({ $$type: "object|optional", x: "string" })).toEqual({ schema: { type: "object", properties: { x: { type: "string" } }, required: ["x"] }, optional: true });
		expect(ruleToSchema([{ type: "string" }, { type: "number" }])?.schema).toEqual({ anyOf: [{ type: "string" }, { type: "number" }] });
	});

	it("an action's params: required fields, $$strict, path params left out", () => {
		const schema = paramsToSchema({ $$strict: true, id: { type: "string" }, reason: { type: "string", min: 1 }, note: { type: "string", optional: true } }, ["id"]);
		expect(schema).toEqual({ type: "object", properties: { reason: { type: "string", minLength: 1 }, note: { type: "string" } }, required: ["reason"], additionalProperties: false });
		const list = paramsToSchema(listParams({ filters: { status: "string", qty: "number" }, sortable: ["createdAt"], defaultSort: "-createdAt" }));
		expect(Object.keys(list.properties as object)).toEqual(["page", "pageSize", "sort", "status", "qty"]);
		expect(list.required).toBeUndefined();
	});

	it("params that crossed the transporter (JSON) convert the same, less the RegExp patterns", () => {
		const local = paramsToSchema(ORDER_DETAILS_PARAMS);
		const remote = paramsToSchema(JSON.parse(JSON.stringify(ORDER_DETAILS_PARAMS)));
		expect((local.properties as Record<string, JsonSchema>).telephone.pattern).toBe("^[0-9+\\-() ]+$");
		expect((remote.properties as Record<string, JsonSchema>).telephone.pattern).toBeUndefined();
		const { telephone: _l, ...localRest } = local.properties as Record<string, unknown>;
		const { telephone: _r, ...remoteRest } = remote.properties as Record<string, unknown>;
		expect(remoteRest).toEqual(localRest);
	});
});

describe("the document", () => {
	const thing = s.object<{ id: string; n?: number }>({ id: s.string(), n: s.optional(s.integer()) });
	const actions = new Map<string, ActionLike>([
		["shop.thing.list", { name: "shop.thing.list", params: listParams({ filters: { id: "string" }, sortable: ["id"], defaultSort: "id" }), auth: { roles: ["customer"] } }],
		["shop.thing.make", { name: "shop.thing.make", params: { $$strict: true, n: { type: "number", convert: true } }, auth: { roles: ["admin"] } }],
		["shop.thing.poke", { name: "shop.thing.poke", params: { $$strict: true, id: { type: "string", min: 1 } }, auth: { roles: ["admin"] } }]
	]);
	const doc = buildOpenApi({
		routes: [
			{ path: "/", aliases: { "GET live": documented({ summary: "alive", responses: { 200: { description: "yes" } } }, () => undefined), "GET hidden": documented({ summary: "x", responses: {}, hidden: true }, () => undefined) } },
			{ path: "/api/shop", authentication: true, rateLimit: {}, bodyParsers: { json: true }, aliases: { "GET /things": "shop.thing.list", "POST /things": "shop.thing.make", "POST /things/:id/poke": "shop.thing.poke", "GET /gone": "shop.gone.get" } }
		],
		actions,
		docs: [{ resources: { "shop.thing": { name: "Thing", title: "thing", schema: thing } } }]
	}) as any;

	it("paths from the aliases, path params as {name}", () => {
		expect(openApiPath("/api/shop", "/things/:id/poke")).toEqual({ path: "/api/shop/things/{id}/poke", params: ["id"] });
		expect(openApiPath("/", "live")).toEqual({ path: "/live", params: [] });
		expect(Object.keys(doc.paths).sort()).toEqual(["/api/shop/gone", "/api/shop/things", "/api/shop/things/{id}/poke", "/live"]);
	});

	it("a list: query params, a page of the resource, bearer security, the errors the route and action can answer", () => {
		const op = doc.paths["/api/shop/things"].get;
		expect(op.parameters.filter((p: { in: string }) => p.in === "query").map((p: { name: string }) => p.name)).toEqual(["page", "pageSize", "sort", "id"]);
		expect(op.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/shop.ThingPage" });
		expect(Object.keys(op.responses)).toEqual(["200", "401", "403", "422", "429", "503"]);
		expect(op.security).toEqual([{ bearerAuth: [] }]);
		expect(op["x-roles"]).toEqual(["customer"]);
		expect(doc.components.schemas["shop.Thing"]).toEqual({ type: "object", properties: { id: { type: "string" }, n: { type: "integer" } }, required: ["id"], additionalProperties: false });
	});

	it("a create: a JSON body, 201 with Location; a command on :id: 404 and 409, no body when it takes none", () => {
		const make = doc.paths["/api/shop/things"].post;
		expect(make.requestBody).toEqual({ required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/shop.thing.make.body" } } } });
		expect(make.responses["201"].headers.Location).toBeDefined();
		// A create takes an Idempotency-Key; a command may end "outcome unknown" (504).
		expect(make.parameters).toContainEqual({ $ref: "#/components/parameters/Idempotency-Key" });
		expect(make.responses["504"]).toEqual({ $ref: "#/components/responses/OutcomeUnknown" });
		const poke = doc.paths["/api/shop/things/{id}/poke"].post;
		expect(poke.requestBody).toBeUndefined();
		expect(poke.parameters[0]).toEqual({ name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } });
		expect(Object.keys(poke.responses)).toEqual(["200", "400", "401", "403", "404", "409", "413", "415", "422", "429", "503", "504"]);
		expect(poke.parameters).not.toContainEqual({ $ref: "#/components/parameters/Idempotency-Key" });
		// a GET takes no body: none of the body parser's answers
		expect(Object.keys(doc.paths["/api/shop/things"].get.responses)).toEqual(["200", "401", "403", "422", "429", "503"]);
	});

	it("an alias whose action is not discovered is still listed; a function is listed as documented beside it, or hidden", () => {
		expect(doc.paths["/api/shop/gone"].get.description).toContain("not discovered");
		expect(doc.paths["/live"].get).toMatchObject({ summary: "alive", security: [], responses: { 200: { description: "yes" } } });
		expect(doc.paths["/hidden"]).toBeUndefined();
	});
});
