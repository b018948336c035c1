/**
 * The OpenAPI 3.1 document of the HTTP API, generated — never written per route — from what the gateway
 * really serves:
 * - paths and methods from the gateway's route aliases (moleculer-web settings), path params from `:name`;
 * - query parameters (GET, DELETE) and JSON request bodies (POST, PUT, PATCH) from the fastest-validator
 *   `params` of the action each alias calls, as the registry knows it (any node: local or remote);
 * - security from the route (`authentication`: bearer token) and the roles from the action's `auth` rule;
 * - the error answers from what the gateway, the route and the action can answer (shared/specs/gateway.md):
 *   400, 401, 402, 403, 404, 409, 413, 415, 422, 429, 503, always in the error shape `{ name, message, code, type, data }`;
 * - success bodies from the resource schemas each system declares once per context (`ApiDocs`: an entity, and
 *   the page of a `list`), typed against the domain's TypeScript interfaces with the builders below.
 * An alias whose action is not discovered (yet) is still listed, without params.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AccessRule } from "./access";

export type JsonSchema = Record<string, unknown>;

// ---- typed schema builders: a resource's schema is checked against its TypeScript type ----------------

declare const TYPE: unique symbol;
/** A JSON Schema for values of type T (T is only known to the compiler). */
export type Schema<T> = JsonSchema & { readonly [TYPE]?: T };
/** A property that may be absent. */
export interface Optional<T> {
	readonly optional: Schema<T>;
}

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type RequiredKeys<T> = Exclude<keyof T, OptionalKeys<T>>;
/** One schema per property of T: plain for the required ones, `s.optional(…)` for the optional ones, no others. */
export type Props<T> = { [K in RequiredKeys<T>]-?: Schema<T[K]> } & { [K in OptionalKeys<T>]-?: Optional<NonNullable<T[K]>> };

export const s = {
	string: (extra: JsonSchema = {}): Schema<string> => ({ type: "string", ...extra }),
	dateTime: (): Schema<string> => ({ type: "string", format: "date-time" }),
	integer: (extra: JsonSchema = {}): Schema<number> => ({ type: "integer", ...extra }),
	number: (extra: JsonSchema = {}): Schema<number> => ({ type: "number", ...extra }),
	boolean: (): Schema<boolean> => ({ type: "boolean" }),
	constant: <const V extends string>(value: V): Schema<V> => ({ type: "string", const: value }),
	/** Every member of the union T, each named once (a member left out or one too many does not compile). */
	oneOf: <T extends string>(members: Record<T, true>, extra: JsonSchema = {}): Schema<T> => ({ type: "string", enum: Object.keys(members), ...extra }),
	array: <T>(items: Schema<T>, extra: JsonSchema = {}): Schema<T[]> => ({ type: "array", items, ...extra }),
	optional: <T>(schema: Schema<T>): Optional<T> => ({ optional: schema }),
	/** An object with exactly the properties of T (additional properties are not allowed). */
	object: <T>(props: Props<T>, extra: JsonSchema = {}): Schema<T> => {
		const properties: Record<string, JsonSchema> = {};
		const required: string[] = [];
		for (const [key, value] of Object.entries(props as Record<string, JsonSchema | Optional<unknown>>)) {
			if (isOptional(value)) properties[key] = value.optional;
			else {
				properties[key] = value;
				required.push(key);
			}
		}
		return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
	},
	/** A schema not checked against a type (e.g. a third party's shape). */
	untyped: <T>(schema: JsonSchema): Schema<T> => schema
};

function isOptional(v: unknown): v is Optional<unknown> {
	return typeof v === "object" && v !== null && "optional" in v && Object.keys(v).length === 1;
}

// ---- what each system declares --------------------------------------------------------------------

/** The rows a context answers: `get` and its commands answer one, `list` answers a page of them. */
export interface ResourceDoc {
	/** Component name (prefixed with the system): "Order" → `flowerdelivery.Order`, `flowerdelivery.OrderPage`. */
	name: string;
	/** What the rows are called in summaries ("store order"). */
	title: string;
	schema: JsonSchema;
}

/** What an action's answer is when it is not its context's resource, and the answers only it gives. */
export interface ActionDoc {
	summary?: string;
	description?: string;
	/** The success body, with its component name. */
	response?: { name: string; schema: JsonSchema };
	/** Statuses only this action answers (e.g. 402 for a declined payment). */
	errors?: number[];
	/** Security requirements other than the route's (e.g. optional HTTP Basic for a client). */
	security?: Record<string, string[]>[];
}

export interface ApiDocs {
	/** By context (service) name. */
	resources?: Record<string, ResourceDoc>;
	/** By action name. */
	actions?: Record<string, ActionDoc>;
}

/** An alias that is a function, not an action: its operation, given beside the function (`documented`). */
export interface HandlerDoc {
	summary: string;
	description?: string;
	tag?: string;
	/** Schemas of the alias's path params (`:name`; a string when not given). */
	params?: Record<string, JsonSchema>;
	/** Status → description and body (its content type or types, default JSON, and schema). */
	responses: Record<string, { description: string; contentType?: string | readonly string[]; schema?: JsonSchema }>;
	/** Error statuses it answers, described by the shared error responses (`#/components/responses`). */
	errors?: readonly number[];
	/** Left out of the document. */
	hidden?: boolean;
}

/** The body of every error answer (`{ name, message, code, type, data }`), for a handler's own error statuses. */
export const ERROR_BODY: JsonSchema = { $ref: "#/components/schemas/Error" };

const HANDLER_DOC = Symbol.for("openapi.handlerDoc");

/** Attaches the operation's documentation to an alias function (read by the generator). */
export function documented<F extends (...args: never[]) => unknown>(doc: HandlerDoc, fn: F): F {
	Object.defineProperty(fn, HANDLER_DOC, { value: doc, enumerable: false });
	return fn;
}

function handlerDocOf(fn: unknown): HandlerDoc | undefined {
	return typeof fn === "function" ? (fn as unknown as Record<symbol, HandlerDoc | undefined>)[HANDLER_DOC] : undefined;
}

// ---- fastest-validator → JSON Schema -------------------------------------------------------------

export interface Converted {
	schema: JsonSchema;
	optional: boolean;
}

/** The shorthand "string|min:3|optional" as a rule object. */
function expandShorthand(rule: string): Record<string, unknown> {
	const [type, ...flags] = rule.split("|").map(p => p.trim());
	const out: Record<string, unknown> = { type: type.endsWith("[]") ? "array" : type };
	if (type.endsWith("[]")) out.items = type.slice(0, -2);
	for (const flag of flags) {
		const [k, v] = flag.split(":");
		if (v === undefined) out[k] = true;
		else out[k] = v === "true" ? true : v === "false" ? false : Number.isNaN(Number(v)) ? v : Number(v);
	}
	return out;
}

const CONVERTED = "Numeric strings are accepted (converted).";

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function patternOf(p: unknown): string | undefined {
	if (p instanceof RegExp) return p.source;
	if (typeof p === "string" && p) return p;
	return undefined; // a RegExp that crossed the transporter arrives as {}: no pattern known
}

/** One fastest-validator rule as JSON Schema (null for a `forbidden` field: it is not part of the input). */
export function ruleToSchema(raw: unknown): Converted | null {
	if (typeof raw === "string") return ruleToSchema(expandShorthand(raw));
	if (Array.isArray(raw)) {
		const alternatives = raw.map(ruleToSchema).filter((c): c is Converted => c !== null);
		return { schema: { anyOf: alternatives.map(c => c.schema) }, optional: alternatives.some(c => c.optional) };
	}
	if (typeof raw !== "object" || raw === null) return { schema: {}, optional: false };
	const rule = raw as Record<string, unknown>;
	if (rule.$$type !== undefined) {
		// { $$type: "object|optional", a: …, b: … }
		const { $$type, ...props } = rule;
		const head = expandShorthand(String($$type));
		return ruleToSchema({ ...head, props });
	}
	const type = typeof rule.type === "string" ? rule.type : "any";
	let schema: JsonSchema;
	switch (type) {
		case "string": {
			schema = { type: "string" };
			const min = num(rule.length) ?? num(rule.min) ?? (rule.empty === false ? 1 : undefined);
			const max = num(rule.length) ?? num(rule.max);
			if (min !== undefined) schema.minLength = min;
			if (max !== undefined) schema.maxLength = max;
			const pattern = patternOf(rule.pattern) ?? (rule.numeric ? "^-?[0-9]+(\\.[0-9]+)?$" : rule.alpha ? "^[a-zA-Z]+$" : rule.alphanum ? "^[a-zA-Z0-9]+$" : rule.alphadash ? "^[a-zA-Z0-9_-]+$" : rule.hex ? "^[0-9a-fA-F]+$" : undefined);
			if (pattern) schema.pattern = pattern;
			if (Array.isArray(rule.enum)) schema.enum = rule.enum;
			break;
		}
		case "number": {
			schema = { type: rule.integer ? "integer" : "number" };
			if (num(rule.min) !== undefined) schema.minimum = rule.min;
			if (num(rule.max) !== undefined) schema.maximum = rule.max;
			if (rule.positive && (num(rule.min) === undefined || (rule.min as number) <= 0)) schema.exclusiveMinimum = 0;
			if (rule.negative && (num(rule.max) === undefined || (rule.max as number) >= 0)) schema.exclusiveMaximum = 0;
			if (num(rule.equal) !== undefined) schema.const = rule.equal;
			if (rule.convert) schema.description = CONVERTED;
			break;
		}
		case "boolean":
			schema = { type: "boolean" };
			if (rule.convert) schema.description = '"true"/"false", "1"/"0", "on"/"off" are accepted (converted).';
			break;
		case "enum": {
			const values = Array.isArray(rule.values) ? rule.values : [];
			schema = values.every(v => typeof v === "string") ? { type: "string", enum: values } : { enum: values };
			break;
		}
		case "equal":
			schema = { const: rule.value };
			break;
		case "email":
			schema = { type: "string", format: "email" };
			break;
		case "url":
			schema = { type: "string", format: "uri" };
			break;
		case "uuid":
			schema = { type: "string", format: "uuid" };
			break;
		case "date":
			schema = { type: "string", format: "date-time" };
			break;
		case "objectID":
			schema = { type: "string", pattern: "^[0-9a-fA-F]{24}$" };
			break;
		case "array": {
			schema = { type: "array" };
			const items = rule.items === undefined ? null : ruleToSchema(rule.items);
			if (items) schema.items = items.schema;
			const min = num(rule.length) ?? num(rule.min) ?? (rule.empty === false ? 1 : undefined);
			const max = num(rule.length) ?? num(rule.max);
			if (min !== undefined) schema.minItems = min;
			if (max !== undefined) schema.maxItems = max;
			if (rule.unique) schema.uniqueItems = true;
			break;
		}
		case "object": {
			const props = (rule.props ?? rule.properties) as Record<string, unknown> | undefined;
			schema = props ? paramsToSchema({ ...props, ...(rule.strict !== undefined ? { $$strict: rule.strict } : {}) }) : { type: "object" };
			break;
		}
		case "multi": {
			const alternatives = (Array.isArray(rule.rules) ? rule.rules : []).map(ruleToSchema).filter((c): c is Converted => c !== null);
			schema = { anyOf: alternatives.map(c => c.schema) };
			break;
		}
		case "forbidden":
			return null;
		default:
			schema = {}; // any, custom, …: whatever the action's own check accepts
	}
	if (typeof rule.description === "string") schema.description = rule.description;
	if (rule.default !== undefined && typeof rule.default !== "function") schema.default = rule.default;
	if (rule.nullable === true) schema = schema.type ? { ...schema, type: [schema.type, "null"] } : { anyOf: [schema, { type: "null" }] };
	return { schema, optional: rule.optional === true || rule.default !== undefined };
}

/** An action's `params` (or an object rule's props) as an object schema; `$$strict: true` allows no other field. */
export function paramsToSchema(params: Record<string, unknown>, exclude: readonly string[] = []): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [field, rule] of Object.entries(params)) {
		if (field.startsWith("$$") || exclude.includes(field)) continue;
		const converted = ruleToSchema(rule);
		if (!converted) continue;
		properties[field] = converted.schema;
		if (!converted.optional) required.push(field);
	}
	return { type: "object", properties, ...(required.length ? { required } : {}), ...(params.$$strict === true ? { additionalProperties: false } : {}) };
}

// ---- the document -----------------------------------------------------------------------------------

/** A gateway route, as moleculer-web takes it in `settings.routes`. */
export interface RouteLike {
	path?: string;
	aliases?: Record<string, unknown>;
	authentication?: boolean;
	rateLimit?: unknown;
	bodyParsers?: { json?: unknown; urlencoded?: unknown };
}

/** An action as the registry knows it (`broker.registry.getActionList()`), local or remote. */
export interface ActionLike {
	name: string;
	params?: Record<string, unknown>;
	auth?: AccessRule;
}

export interface OpenApiInput {
	routes: readonly RouteLike[];
	actions: ReadonlyMap<string, ActionLike>;
	docs: readonly ApiDocs[];
	title?: string;
	description?: string;
	/** Tags in the order shown, with what each groups; tags not named here follow, sorted. */
	tags?: readonly { name: string; description?: string }[];
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;
type Method = (typeof METHODS)[number];

/** The error answers, by status: the description, and the headers that come with it. */
const ERRORS: Record<number, { name: string; description: string; schema?: string; headers?: string[] }> = {
	400: { name: "BadRequest", description: "Bad input: a body that is not JSON (or not a form where one is taken), a `__proto__` key, or a request the grant refuses." },
	401: { name: "Unauthorized", description: "No token, or an invalid or expired one (`WWW-Authenticate` says why).", headers: ["WWW-Authenticate"] },
	402: { name: "PaymentRequired", description: "The payment was declined: the order was not placed." },
	403: { name: "Forbidden", description: "Not yours, or the wrong role (`data.required` names the roles)." },
	404: { name: "NotFound", description: "No such resource (`data.id`)." },
	409: { name: "Conflict", description: "An illegal state transition or a conflict: `data.status` is the current state." },
	413: { name: "PayloadTooLarge", description: "The body is larger than the route takes." },
	415: { name: "UnsupportedMediaType", description: "A body the parser cannot read: a charset other than UTF-8 (or an encoding it does not take)." },
	422: { name: "ValidationFailed", description: "Invalid input: `data` lists each field and why.", schema: "ValidationError" },
	429: { name: "TooManyRequests", description: "Rate limited: retry after `Retry-After` seconds.", headers: ["Retry-After"] },
	503: { name: "ServiceUnavailable", description: "A dependency is overloaded or down and nothing stands (nothing was done, or a step that answered too late was undone: a late charge is refunded): retry after `Retry-After` seconds.", headers: ["Retry-After"] },
	504: { name: "OutcomeUnknown", description: "A command that may or may not have been done (its context timed out or went away after the request reached it; `data.outcome` is `\"unknown\"`): retry with the same `Idempotency-Key` to learn which." }
};

const errorSchema: JsonSchema = {
	type: "object",
	description: "Every error (Moleculer's error shape); never a stack trace.",
	required: ["name", "message", "code"],
	properties: {
		name: { type: "string", examples: ["MoleculerClientError"] },
		message: { type: "string" },
		code: { type: "integer", minimum: 400, maximum: 599, description: "The HTTP status." },
		type: { type: "string", examples: ["NOT_FOUND", "ILLEGAL_TRANSITION", "UNAUTHORIZED"] },
		data: { description: "Details: the current `status` of a 409, the `retryAfter` of a 503, …" }
	},
	additionalProperties: false
};

const validationErrorSchema: JsonSchema = {
	type: "object",
	description: "A request refused by validation (422): one entry per field.",
	required: ["name", "message", "code", "type", "data"],
	properties: {
		name: { type: "string", const: "ValidationError" },
		message: { type: "string" },
		code: { type: "integer", const: 422 },
		type: { type: "string", const: "VALIDATION_ERROR" },
		data: {
			type: "array",
			items: {
				type: "object",
				required: ["type", "message"],
				properties: { type: { type: "string", examples: ["required", "stringMin", "objectStrict"] }, field: { type: "string", description: "The field (absent when the rule is about the whole body, e.g. an unknown field)." }, message: { type: "string" }, actual: {}, expected: {} }
			}
		}
	},
	additionalProperties: false
};

const pageOf = (ref: string, title: string): JsonSchema => ({
	type: "object",
	description: `A page of ${title} rows.`,
	required: ["rows", "total", "page", "pageSize", "totalPages"],
	properties: {
		rows: { type: "array", items: { $ref: ref } },
		total: { type: "integer", minimum: 0 },
		page: { type: "integer", minimum: 1 },
		pageSize: { type: "integer", minimum: 1 },
		totalPages: { type: "integer", minimum: 0 }
	},
	additionalProperties: false
});

const ref = (name: string, kind = "schemas") => ({ $ref: `#/components/${kind}/${name}` });

/** "/api/flowerdelivery" + "/orders/:id" → "/api/flowerdelivery/orders/{id}" and the path params. */
export function openApiPath(base: string, aliasPath: string): { path: string; params: string[] } {
	const joined = `/${base}/${aliasPath}`.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
	const params: string[] = [];
	const path = joined.replace(/:([A-Za-z0-9_]+)\??/g, (_m, name: string) => {
		params.push(name);
		return `{${name}}`;
	});
	return { path, params };
}

/** "GET /orders/:id" → ["get", "/orders/:id"] (no method: GET). */
function parseAlias(key: string): { method: Method; path: string } | null {
	const parts = key.trim().split(/\s+/);
	const [m, p] = parts.length > 1 ? parts : ["GET", parts[0]];
	const method = m.toLowerCase() as Method;
	return METHODS.includes(method) ? { method, path: p } : null;
}

function actionOf(target: unknown): string | undefined {
	if (typeof target === "string") return target.includes(":") ? target.split(":")[1] : target;
	if (Array.isArray(target)) return target.filter((t): t is string => typeof t === "string").pop();
	if (typeof target === "object" && target !== null && typeof (target as { action?: unknown }).action === "string") return (target as { action: string }).action;
	return undefined;
}

function rolesText(auth: AccessRule | undefined): string | undefined {
	if (!auth) return undefined;
	if ("public" in auth) return "Anyone (no token).";
	const scoped = [auth.owner ? `a customer only their own rows (\`${auth.owner}\` is the token's subject)` : "", auth.store ? `a store owner only their store's rows (\`${auth.store}\`)` : ""].filter(Boolean);
	return `Roles: ${auth.roles.join(", ")}${scoped.length ? `; ${scoped.join(", ")}` : ""}.`;
}

function capitalize(s: string): string {
	return s.charAt(0).toUpperCase() + s.slice(1);
}

let cachedVersion: string | undefined;
/** The package's version (package.json above this module, in the sources or in dist/). */
function packageVersion(): string {
	if (cachedVersion) return cachedVersion;
	for (let dir = __dirname, i = 0; i < 4; i++, dir = dirname(dir)) {
		const file = join(dir, "package.json");
		if (existsSync(file)) return (cachedVersion = String((JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "0.0.0"));
	}
	return (cachedVersion = "0.0.0");
}

/** The whole document: every alias of every route. */
export function buildOpenApi(input: OpenApiInput): JsonSchema {
	const resources = new Map<string, ResourceDoc>();
	const actionDocs = new Map<string, ActionDoc>();
	for (const d of input.docs) {
		for (const [k, v] of Object.entries(d.resources ?? {})) resources.set(k, v);
		for (const [k, v] of Object.entries(d.actions ?? {})) actionDocs.set(k, v);
	}
	const schemas: Record<string, JsonSchema> = { Error: errorSchema, ValidationError: validationErrorSchema };
	const paths: Record<string, Partial<Record<Method, JsonSchema>>> = {};
	const tags = new Set<string>();
	const operationIds = new Set<string>();
	const usedErrors = new Set<number>();

	/** The components of a context's resource: one row, and (asked for by a `list`) a page of them. */
	const entityRef = (service: string, withPage: boolean): { one?: string; page?: string; title?: string } => {
		const res = resources.get(service);
		if (!res) return {};
		const system = service.split(".")[0];
		const one = `${system}.${res.name}`;
		const page = `${one}Page`;
		schemas[one] ??= res.schema;
		if (withPage) schemas[page] ??= pageOf(`#/components/schemas/${one}`, res.title);
		return { one, page: withPage ? page : undefined, title: res.title };
	};

	for (const route of input.routes) {
		const base = route.path ?? "/";
		const takesJson = route.bodyParsers?.json !== undefined && route.bodyParsers.json !== false;
		const takesForm = route.bodyParsers?.urlencoded !== undefined && route.bodyParsers.urlencoded !== false;
		for (const [key, target] of Object.entries(route.aliases ?? {})) {
			const alias = parseAlias(key);
			if (!alias) continue;
			const { path, params: pathParams } = openApiPath(base, alias.path);
			const operation: JsonSchema = {};
			const errors = new Set<number>();
			const parameters: JsonSchema[] = [];
			const actionName = actionOf(target);
			const handlerDoc = actionName ? undefined : handlerDocOf(target) ?? handlerDocOf((target as { handler?: unknown } | null)?.handler);
			if (handlerDoc?.hidden) continue;

			if (actionName) {
				const service = actionName.split(".").slice(0, -1).join(".");
				const verb = actionName.split(".").pop() ?? actionName;
				const system = actionName.split(".")[0];
				const action = input.actions.get(actionName);
				const doc = actionDocs.get(actionName);
				const entity = entityRef(service, verb === "list" && !doc?.response);
				const params = action?.params ?? {};
				tags.add(system);
				operation.tags = [system];
				operation.summary = doc?.summary ?? (verb === "list" ? `List ${entity.title ?? service} rows` : verb === "get" ? `Get one ${entity.title ?? service}` : `${capitalize(verb)}${entity.title ? ` (${entity.title})` : ""}`);
				let id = actionName;
				for (let n = 2; operationIds.has(id); n++) id = `${actionName}.${n}`;
				operationIds.add(id);
				operation.operationId = id;
				operation.description = [doc?.description, rolesText(action?.auth), `Action: \`${actionName}\`${action ? "" : " (not discovered now: its params are not known)"}.`].filter(Boolean).join("\n\n");
				operation["x-moleculer-action"] = actionName;
				if (action?.auth && !("public" in action.auth)) operation["x-roles"] = [...action.auth.roles];

				for (const name of pathParams) {
					const converted = params[name] !== undefined ? ruleToSchema(params[name]) : null;
					parameters.push({ name, in: "path", required: true, schema: converted?.schema ?? { type: "string" } });
				}
				const rest = paramsToSchema(params, pathParams);
				const fields = rest.properties as Record<string, JsonSchema>;
				const required = new Set((rest.required as string[] | undefined) ?? []);
				const hasBody = alias.method === "post" || alias.method === "put" || alias.method === "patch";
				if (!hasBody) {
					for (const [name, schema] of Object.entries(fields)) {
						// a query value is always a string: the conversion goes without saying there
						const { description, ...rule } = schema;
						parameters.push({ name, in: "query", required: required.has(name), schema: rule, ...(description && description !== CONVERTED ? { description } : {}) });
					}
				} else if (Object.keys(fields).length > 0) {
					const bodyName = `${actionName}.body`;
					schemas[bodyName] = rest;
					const content: Record<string, JsonSchema> = {};
					if (takesJson || !takesForm) content["application/json"] = { schema: ref(bodyName) };
					if (takesForm) content["application/x-www-form-urlencoded"] = { schema: ref(bodyName) };
					operation.requestBody = { required: required.size > 0, content };
				}
				// The route's body parsers read a body on any method a client can send one with (DELETE too).
				if ((takesJson || takesForm) && alias.method !== "get" && alias.method !== "head") {
					errors.add(400);
					errors.add(413);
					errors.add(415);
				}
				if (Object.keys(params).some(k => !k.startsWith("$$")) || params.$$strict === true) errors.add(422);
				if (pathParams.length > 0) errors.add(404);
				if (pathParams.length > 0 && alias.method !== "get") errors.add(409);
				if (action?.auth && !("public" in action.auth)) errors.add(403);
				errors.add(503);
				if (alias.method !== "get") errors.add(504);
				for (const status of doc?.errors ?? []) errors.add(status);

				const creates = alias.method === "post" && pathParams.length === 0 && !doc?.response;
				if (creates) parameters.push(ref("Idempotency-Key", "parameters"));
				const body = doc?.response ? (schemas[doc.response.name] ??= doc.response.schema, doc.response.name) : verb === "list" ? entity.page : entity.one;
				const success: JsonSchema = {
					description: creates ? `Created: the ${entity.title ?? "resource"}; \`Location\` is its URL.` : "OK",
					headers: { "X-Request-ID": ref("X-Request-ID", "headers"), ...(creates ? { Location: ref("Location", "headers") } : {}) },
					content: { "application/json": { schema: body ? ref(body) : {} } }
				};
				operation.responses = { [creates ? "201" : "200"]: success };
			} else {
				const doc = handlerDoc;
				const tag = doc?.tag ?? "operations";
				tags.add(tag);
				operation.tags = [tag];
				operation.summary = doc?.summary ?? `${alias.method.toUpperCase()} ${path}`;
				if (doc?.description) operation.description = doc.description;
				const id = `${tag}.${alias.method}${path.replace(/[^A-Za-z0-9]+/g, "_")}`;
				operationIds.add(id);
				operation.operationId = id;
				for (const name of pathParams) parameters.push({ name, in: "path", required: true, schema: doc?.params?.[name] ?? { type: "string" } });
				const responses: Record<string, JsonSchema> = {};
				for (const [status, r] of Object.entries(doc?.responses ?? { 200: { description: "OK" } })) {
					const types = r.contentType === undefined ? ["application/json"] : typeof r.contentType === "string" ? [r.contentType] : r.contentType;
					responses[status] = { description: r.description, ...(r.schema || r.contentType ? { content: Object.fromEntries(types.map(t => [t, { schema: r.schema ?? {} }])) } : {}) };
				}
				operation.responses = responses;
				for (const status of doc?.errors ?? []) errors.add(status);
			}

			if (route.authentication) errors.add(401);
			if (route.rateLimit) errors.add(429);
			const responses = operation.responses as Record<string, JsonSchema>;
			for (const status of [...errors].sort((a, b) => a - b)) {
				usedErrors.add(status);
				responses[String(status)] = ref(ERRORS[status]?.name ?? "Error", "responses");
			}
			parameters.push(ref("X-Request-ID", "parameters"));
			operation.parameters = parameters;
			operation.security = (actionName && actionDocs.get(actionName)?.security) ?? (route.authentication ? [{ bearerAuth: [] }] : []);
			paths[path] ??= {};
			paths[path][alias.method] = operation;
		}
	}

	const responses: Record<string, JsonSchema> = {};
	for (const status of [...usedErrors].sort((a, b) => a - b)) {
		const e = ERRORS[status];
		if (!e) continue;
		const headers: Record<string, JsonSchema> = { "X-Request-ID": ref("X-Request-ID", "headers") };
		for (const h of e.headers ?? []) headers[h] = ref(h, "headers");
		responses[e.name] = { description: `${status}: ${e.description}`, headers, content: { "application/json": { schema: ref(e.schema ?? "Error") } } };
	}

	return {
		openapi: "3.1.0",
		// Relative: the API is where this document was fetched from (any host, port or proxy in front).
		servers: [{ url: "/", description: "This gateway" }],
		info: {
			title: input.title ?? "HTTP API",
			version: packageVersion(),
			description: input.description ?? "",
			license: { name: "MIT", identifier: "MIT" }
		},
		tags: [...(input.tags ?? []).filter(tag => tags.has(tag.name)), ...[...tags].filter(name => !input.tags?.some(tag => tag.name === name)).sort().map(name => ({ name }))],
		paths,
		components: {
			schemas,
			responses,
			parameters: {
				"X-Request-ID": { name: "X-Request-ID", in: "header", required: false, description: "Correlation id: answered back, and carried by the logs, traces and events of this request (one is made when none is sent).", schema: { type: "string", maxLength: 200 } },
				"Idempotency-Key": {
					name: "Idempotency-Key",
					in: "header",
					required: false,
					description: "Makes a retry safe: the same request with the same key (per caller) answers the first result — same id, same status — and creates nothing more; another request with the key is a 422. Keys are kept with what they created (at least 24 h). A 503 (nothing was done) leaves the key free; after a 504, retry with it.",
					schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" }
				}
			},
			headers: {
				"X-Request-ID": { description: "The request's correlation id.", schema: { type: "string" } },
				Location: { description: "URL of the created resource.", schema: { type: "string" } },
				"Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 1 } },
				"WWW-Authenticate": { description: 'The bearer challenge, e.g. `Bearer realm="api", error="invalid_token"`.', schema: { type: "string" } }
			},
			securitySchemes: {
				bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An access token from `POST /oauth/token` (RS256 JWT, verified against `/.well-known/jwks.json`)." },
				clientBasic: { type: "http", scheme: "basic", description: "Machine clients: `client_id:client_secret` for `grant_type=client_credentials`." }
			}
		}
	};
}
