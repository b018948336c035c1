/**
 * The API's documentation at the gateway, open to anyone (no token): `GET /api/openapi.json` (generated on
 * each request from the gateway's routes and the registry's actions: lib/openapi.ts) and `GET /api/docs`
 * (Swagger UI). The page's assets come from the `swagger-ui-dist` package in node_modules: nothing is
 * fetched from the internet (its Content-Security-Policy allows this origin only, and the online spec
 * validator badge is off).
 */
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import type { Service } from "moleculer";
import type { ApiSettingsSchema } from "moleculer-web";
import { buildOpenApi, documented, ERROR_BODY, type ActionLike, type ApiDocs, type RouteLike } from "../../lib/openapi";
import type { SystemManifest } from "../system";

const UI_DIR = dirname(require.resolve("swagger-ui-dist/package.json"));

/** The files of swagger-ui-dist the page loads (served by name from this list only). */
const ASSETS: Record<string, string> = {
	"swagger-ui.css": "text/css; charset=utf-8",
	"swagger-ui-bundle.js": "text/javascript; charset=utf-8",
	"favicon-32x32.png": "image/png",
	"favicon-16x16.png": "image/png"
};
/** The page's own script (written here, not a file of the package). */
const INIT = "init.js";

const TITLE = "Event-driven systems on Moleculer: HTTP API";
const description = (systems: readonly SystemManifest[]) => [
	`Every system under \`/api/<system>\` (${systems.map(s => s.title.toLowerCase()).join(", ")}) needs a bearer token from \`POST /oauth/token\` (docs/identity.md); each action checks the caller's roles and rows.`,
	"JSON in and out. Lists take `?page=&pageSize=&sort=` and plain-equality filters on named fields, and answer `{ rows, total, page, pageSize, totalPages }`.",
	"Errors answer `{ name, message, code, type, data }` with the status (400/422 bad input, 401 no or invalid token, 403 not yours or wrong role, 404, 409 illegal transition with the current status, 402 payment declined, 429 and 503 with `Retry-After` — nothing stands (nothing was done, or a late step was undone), try again —, 504 with `data.outcome: \"unknown\"` — a command that may have been done: retry with the same `Idempotency-Key`). Every creating `POST` takes an `Idempotency-Key` header (up to 255 characters, per caller): the same request again answers the first result, another request with the key a 422. Every answer carries `X-Request-ID`."
].join("\n\n");

/** A system's saga as a table (its manifest's): every event, who tells it, who listens, what it undoes. */
export function sagaTable(system: SystemManifest): string {
	const rows = Object.entries(system.saga.events).map(([type, e]) => `| \`${type}\` | ${e.producer} | ${e.consumers.join(", ")} | ${e.compensates ? `undoes \`${e.compensates}\`` : ""} |`);
	const pivots = system.saga.pivots.map(p => `Pivot: ${p.description} (owned by ${p.owner}; a cancel before it is asked of ${p.owner}).`);
	return ["| event | producer | consumers | |", "|---|---|---|---|", ...rows, "", ...pivots].join("\n");
}

const tags = (systems: readonly SystemManifest[]) => [
	{ name: "identity", description: "OAuth2 tokens and the keys that verify them (docs/identity.md)." },
	...systems.map(system => ({ name: system.name, description: `${system.description}\n\n${sagaTable(system)}` })),
	{ name: "timeline", description: "Each saga's facts in time order and what each consumer did with them (docs/console.md)." },
	{ name: "operations", description: "Probes, metrics, and the contexts, channels and dead letters as an admin reads them." },
	{ name: "console", description: "The live console: its page, files and live stream of saga timelines (docs/console.md)." },
	{ name: "docs", description: "This document and its page." }
];

export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface DocsOptions {
	/** Where both live: `<base>/openapi.json`, `<base>/docs`. */
	base: string;
	/** What each system declares about its resources (services/<system>/openapi.ts). */
	docs: readonly ApiDocs[];
	/** The systems (their titles and sagas describe them). */
	systems: readonly SystemManifest[];
	title?: string;
	description?: string;
	tags?: readonly { name: string; description?: string }[];
}

type Gateway = Service<ApiSettingsSchema>;

/** The actions the registry knows now (every node), by name. */
export function registryActions(svc: Service): Map<string, ActionLike> {
	const actions = new Map<string, ActionLike>();
	for (const item of svc.broker.registry.getActionList({ skipInternal: true }) as { name: string; action?: Omit<ActionLike, "name"> }[]) {
		if (item.action) actions.set(item.name, { name: item.name, params: item.action.params, auth: item.action.auth });
	}
	return actions;
}

/** The document the gateway `svc` serves now. */
export function openApiOf(svc: Gateway, opts: DocsOptions): Record<string, unknown> {
	return buildOpenApi({ routes: (svc.settings.routes ?? []) as RouteLike[], actions: registryActions(svc), docs: opts.docs, title: opts.title ?? TITLE, description: opts.description ?? description(opts.systems), tags: opts.tags ?? tags(opts.systems) });
}

function page(opts: DocsOptions): string {
	const at = `${opts.base}/docs`;
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title ?? TITLE}</title>
<link rel="stylesheet" href="${at}/swagger-ui.css">
<link rel="icon" type="image/png" href="${at}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${at}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${at}/swagger-ui-bundle.js"></script>
<script src="${at}/init.js"></script>
</body>
</html>
`;
}

function init(opts: DocsOptions): string {
	return `window.addEventListener("load", function () {
	window.ui = SwaggerUIBundle({
		url: ${JSON.stringify(`${opts.base}/openapi.json`)},
		dom_id: "#swagger-ui",
		deepLinking: true,
		validatorUrl: null,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout"
	});
});
`;
}

function send(res: ServerResponse, type: string, body: string, headers: Record<string, string> = {}): void {
	res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", ...headers });
	res.end(body);
}

/** The gateway route serving both (public: no authentication, no body). */
export function docsRoute(opts: DocsOptions) {
	const html = page(opts);
	const script = init(opts);
	const files = [...Object.keys(ASSETS), INIT];
	const mediaTypes = [...new Set([...Object.values(ASSETS), "text/javascript"].map(t => t.split(";")[0]))];
	return {
		path: opts.base,
		mappingPolicy: "restrict" as const,
		aliases: {
			"GET openapi.json": documented(
				{ summary: "This document (OpenAPI 3.1)", tag: "docs", responses: { 200: { description: "The OpenAPI document of the whole HTTP API, generated from the gateway's routes and the actions' params.", schema: { type: "object" } } } },
				function (this: Gateway, req: IncomingMessage, res: ServerResponse) {
					send(res, "application/json; charset=utf-8", JSON.stringify(openApiOf(this, opts)));
				}
			),
			"GET docs": documented({ summary: "The API's docs page (Swagger UI)", tag: "docs", responses: { 200: { description: "An HTML page; its assets are served by this gateway.", contentType: "text/html" } } }, function (req: IncomingMessage, res: ServerResponse) {
				send(res, "text/html; charset=utf-8", html, { "Content-Security-Policy": DOCS_CSP, "X-Frame-Options": "DENY" });
			}),
			// One alias for the page's files: an unknown name is the gateway's 404, as for any unknown route.
			"GET docs/:file": documented(
				{
					summary: "A file of the docs page (Swagger UI's script, style and icons, and its init.js)",
					tag: "docs",
					params: { file: { type: "string", enum: files } },
					responses: { 200: { description: "The file.", contentType: mediaTypes }, 404: { description: "Not one of the page's files.", schema: ERROR_BODY } }
				},
				function (this: Gateway & { send404(req: IncomingMessage, res: ServerResponse): void }, req: IncomingMessage & { $params?: { file?: unknown } }, res: ServerResponse) {
					const file = String(req.$params?.file ?? "");
					if (file === INIT) return send(res, "text/javascript; charset=utf-8", script);
					const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
					if (!type) return this.send404(req, res); // the gateway's own 404 (the error shape)
					res.writeHead(200, { "Content-Type": type, "Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff" });
					createReadStream(join(UI_DIR, file)).on("error", () => res.destroy()).pipe(res);
				}
			)
		}
	};
}
