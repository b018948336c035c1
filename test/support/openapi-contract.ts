/**
 * The OpenAPI document as a contract on real answers: for a response the gateway gave, the operation is found
 * by method and path template, the response by status (then `4XX`, then `default`), and the answer must have a
 * documented media type, a body valid against that response's schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1
 * uses) and documented header values that fit their schemas. A request to no documented operation must be
 * the gateway's 404 in the error shape. test/support/http.ts runs it on every answer of the service tier.
 */
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

/** One answer, as a test client saw it. */
export interface SeenResponse {
	method: string;
	/** The whole URL (its path and query are what was asked). */
	url: string;
	status: number;
	headers: Headers;
	/** The raw body. */
	text: string;
}

interface Ref {
	$ref: string;
}
interface MediaType {
	schema?: object;
}
interface HeaderObject {
	schema?: object;
}
interface ResponseObject {
	description?: string;
	headers?: Record<string, HeaderObject | Ref>;
	content?: Record<string, MediaType>;
}
interface Operation {
	responses?: Record<string, ResponseObject | Ref>;
}
export interface OpenApiDocument {
	paths: Record<string, Record<string, Operation>>;
	components?: { responses?: Record<string, ResponseObject>; headers?: Record<string, HeaderObject>; schemas?: Record<string, object> };
}

interface Route {
	method: string;
	template: string;
	pattern: RegExp;
	/** Path params: routes with fewer are tried first, so `/a/b` wins over `/a/{x}`. */
	params: number;
}

const DOC_ID = "urn:openapi-contract:document";
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

const isRef = (v: unknown): v is Ref => typeof v === "object" && v !== null && typeof (v as Ref).$ref === "string";
const pointer = (...parts: string[]) => parts.map(p => `/${p.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const isJson = (mediaType: string) => mediaType === "application/json" || mediaType.endsWith("+json");

export class OpenApiContract {
	/** Answers checked so far. */
	checked = 0;
	/** Every mismatch found so far (also thrown where it was found). */
	readonly failures: string[] = [];
	private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
	private readonly routes: Route[];
	private readonly validators = new Map<string, ValidateFunction>();

	constructor(private readonly doc: OpenApiDocument) {
		addFormats(this.ajv);
		this.ajv.addSchema({ ...doc, $id: DOC_ID });
		this.routes = Object.entries(doc.paths)
			.flatMap(([template, item]) =>
				Object.keys(item)
					.filter(m => METHODS.has(m))
					.map(method => {
						const parts = template.split(/\{[^}]+\}/);
						return { method, template, pattern: new RegExp(`^${parts.map(escapeRegExp).join("[^/]+")}$`), params: parts.length - 1 };
					})
			)
			.sort((a, b) => a.params - b.params);
	}

	/** Throws (and records) what in `res` the document does not say; counts it otherwise. */
	check(res: SeenResponse): void {
		const problem = this.problemOf(res);
		this.checked++;
		if (!problem) return;
		const path = new URL(res.url).pathname;
		const message = `${res.method.toUpperCase()} ${path} answered ${res.status}, not as the OpenAPI document says: ${problem}\nbody: ${res.text.slice(0, 500)}`;
		this.failures.push(message);
		throw new Error(message);
	}

	private problemOf(res: SeenResponse): string | undefined {
		const method = res.method.toLowerCase();
		// moleculer-web routes `/orders/` as `/orders`
		const path = new URL(res.url).pathname.replace(/(.)\/$/, "$1");
		const route = this.routes.find(r => r.method === method && r.pattern.test(path));
		if (!route) {
			// Not an operation of the API: the gateway's "no such route" (404) — or, on a route prefix that parses
			// bodies, the body parser's answer to a body it cannot read, which comes before the alias lookup.
			if (![400, 404, 413, 415].includes(res.status)) return "no operation of the document matches this method and path";
			return this.bodyProblem(res, pointer("components", "schemas", "Error"), "application/json");
		}
		const responses = this.doc.paths[route.template][method].responses ?? {};
		const key = [String(res.status), `${String(res.status)[0]}XX`, "default"].find(k => responses[k] !== undefined);
		const where = `${method.toUpperCase()} ${route.template}`;
		if (!key) return `${where} does not document ${res.status} (it documents ${Object.keys(responses).join(", ")})`;
		const { response, at } = this.resolve(responses[key], pointer("paths", route.template, method, "responses", key));
		const headerProblem = this.headersProblem(res, response, at);
		if (headerProblem) return `${where} ${key}: ${headerProblem}`;
		const content = response.content ?? {};
		const mediaType = (res.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
		if (Object.keys(content).length === 0) return res.text === "" ? undefined : `${where} ${key} documents no body, and one came (${mediaType || "no Content-Type"})`;
		const documented = Object.keys(content).find(t => t === mediaType || t === "*/*" || (t.endsWith("/*") && mediaType.startsWith(t.slice(0, -1))));
		if (!documented) return `${where} ${key} documents ${Object.keys(content).join(", ")}, not ${mediaType || "no Content-Type"}`;
		if (!isJson(documented) || content[documented].schema === undefined) return undefined;
		const problem = this.bodyProblem(res, `${at}${pointer("content", documented, "schema")}`, documented);
		return problem && `${where} ${key}: ${problem}`;
	}

	/** The response object (following a $ref into components.responses) and its JSON pointer. */
	private resolve(r: ResponseObject | Ref, at: string): { response: ResponseObject; at: string } {
		if (!isRef(r)) return { response: r, at };
		const name = r.$ref.split("/").pop() ?? "";
		const response = this.doc.components?.responses?.[name];
		if (!response) throw new Error(`the document refers to a response it does not have: ${r.$ref}`);
		return { response, at: pointer("components", "responses", name) };
	}

	private headersProblem(res: SeenResponse, response: ResponseObject, at: string): string | undefined {
		for (const [name, header] of Object.entries(response.headers ?? {})) {
			const value = res.headers.get(name);
			if (value === null) continue; // a documented header is not a required one
			const schemaAt = isRef(header) ? `${pointer("components", "headers", header.$ref.split("/").pop() ?? "")}${pointer("schema")}` : `${at}${pointer("headers", name, "schema")}`;
			const validate = this.validator(schemaAt);
			const asInteger = /^-?\d+$/.test(value) ? Number(value) : value;
			if (!validate(value) && !validate(asInteger)) return `header ${name}: ${JSON.stringify(value)} ${this.ajv.errorsText(validate.errors)}`;
		}
		return undefined;
	}

	private bodyProblem(res: SeenResponse, schemaAt: string, mediaType: string): string | undefined {
		let body: unknown;
		try {
			body = JSON.parse(res.text);
		} catch {
			return `the body is not ${mediaType}`;
		}
		const validate = this.validator(schemaAt);
		return validate(body) ? undefined : `the body does not match its schema: ${this.ajv.errorsText(validate.errors, { dataVar: "body" })}`;
	}

	private validator(at: string): ValidateFunction {
		let validate = this.validators.get(at);
		if (!validate) {
			validate = this.ajv.getSchema(`${DOC_ID}#${at}`);
			if (!validate) throw new Error(`no schema at ${at} in the OpenAPI document`);
			this.validators.set(at, validate);
		}
		return validate;
	}
}
