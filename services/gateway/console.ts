/**
 * The live console at `/console`: static files of this repository (services/gateway/console/: plain HTML,
 * CSS and JavaScript, no build step) and the stream that keeps it live.
 *
 * - `GET /console` the page, `GET /console/assets/<file>` its script and style (named in a list: nothing else
 *   of the disk is reachable), under a Content-Security-Policy that allows this origin only;
 * - `GET /console/events?system=<system>[&key=<key>]&access_token=<token>`: Server-Sent Events, one `saga`
 *   event per change of a saga's timeline the caller may read (an admin every saga, a customer their own —
 *   the rule of `GET /api/timeline/...`), fed by the timeline context's broadcast (TIMELINE_CHANGED,
 *   fire-and-forget: a push that is lost is caught up by the next one or a reload). EventSource cannot send an
 *   Authorization header, so this one route takes the bearer token as the `access_token` query parameter,
 *   verified like any bearer token (services/gateway/auth.ts); the stream ends when the token expires. The
 *   token is taken out of the URL before the gateway sees the request (`takeStreamToken`, the HTTP server's
 *   first request listener), so no request log and no trace span of the gateway ever carries it.
 *   Streams are bounded (CONSOLE_MAX_STREAMS per gateway: 503, CONSOLE_MAX_STREAMS_PER_USER: 429).
 */
import { createReadStream, readFileSync } from "node:fs";
import { Server, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { Errors, type Context, type Service } from "moleculer";
import type { TimelineSettings } from "../../config";
import type { Principal } from "../../domain";
import { forbidden, inScope, scopeOf, type AccessRule } from "../../lib/access";
import { invalidField, serviceUnavailable } from "../../lib/errors";
import { documented } from "../../lib/openapi";
import { defineMixin } from "../../mixins/schema";
import { TIMELINE_CHANGED, type TimelineChange } from "../timeline/timeline.view";
import type { SystemManifest } from "../system";
import type { AuthMethods } from "./auth";

/** The console's files, beside this module (copied next to the compiled one by `npm run build`). */
export const CONSOLE_DIR = join(__dirname, "console");

const ASSETS: Record<string, string> = {
	"console.js": "text/javascript; charset=utf-8",
	"console.css": "text/css; charset=utf-8"
};

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Who may watch a saga: the rule of the timeline's actions (services/timeline/timeline.service.ts). */
const WATCH: Exclude<AccessRule, { public: true }> = { roles: ["customer", "admin"], owner: "owner" };

/** A comment line now and then, so proxies and the browser keep an idle stream open. */
const HEARTBEAT_MS = 15_000;
/** A client that reads this far behind is dropped (it reconnects and reloads what it shows). */
const MAX_BUFFERED = 1_000_000;

interface Stream {
	res: ServerResponse;
	user: Principal;
	system: string;
	key?: string;
	heartbeat: NodeJS.Timeout;
	expiry: NodeJS.Timeout;
}

interface ConsoleVars {
	streams: Set<Stream>;
}

export interface ConsoleMethods {
	openStream(req: StreamRequest, res: ServerResponse): Promise<void>;
}

type Gateway = Service & ConsoleVars & ConsoleMethods & AuthMethods;

function write(stream: Stream, event: string, data: unknown): void {
	if (stream.res.writableLength > MAX_BUFFERED) {
		stream.res.end();
		return;
	}
	stream.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function close(streams: Set<Stream>, stream: Stream): void {
	clearInterval(stream.heartbeat);
	clearTimeout(stream.expiry);
	streams.delete(stream);
}

const STREAM_PARAMS = new Set(["system", "key"]);
export const STREAM_PATH = "/console/events";

/** A request of the console's stream, with the token taken out of its URL. */
type StreamRequest = IncomingMessage & { $params?: Record<string, unknown>; $streamToken?: string };

/**
 * Takes the `access_token` query parameter out of a request to the console's stream, before the gateway
 * routes it (and logs or traces its URL): kept on the request for `openStream` only.
 */
export function takeStreamToken(req: StreamRequest): void {
	const url = req.url ?? "";
	if (!url.startsWith(`${STREAM_PATH}?`)) return;
	const query = new URLSearchParams(url.slice(STREAM_PATH.length + 1));
	const token = query.get("access_token");
	if (token === null) return;
	query.delete("access_token");
	req.$streamToken = token;
	const rest = query.toString();
	req.url = rest ? `${STREAM_PATH}?${rest}` : STREAM_PATH;
}

/** The mixin of the gateway holding the console's streams: opens them, and pushes each timeline change. */
export function consoleFeed(settings: TimelineSettings, systems: readonly SystemManifest[]) {
	const names = new Set(systems.map(s => s.name));
	return defineMixin<ConsoleMethods & AuthMethods, ConsoleVars>({
		created(this: Gateway) {
			this.streams = new Set();
		},

		started(this: Gateway) {
			// moleculer-web has made its server (in its `created`): be its first request listener.
			const server: unknown = "server" in this ? this.server : undefined;
			if (server instanceof Server) server.prependListener("request", takeStreamToken);
		},

		events: {
			[TIMELINE_CHANGED]: {
				handler(this: Gateway, ctx: Context<TimelineChange>) {
					if (this.streams.size === 0) return;
					const change = ctx.params;
					for (const stream of this.streams) {
						if (stream.system !== change.system || (stream.key !== undefined && stream.key !== change.key)) continue;
						if (!inScope(scopeOf(WATCH, stream.user), { owner: change.owner })) continue;
						write(stream, "saga", change.row);
					}
				}
			}
		},

		methods: {
			async openStream(this: Gateway, req: StreamRequest, res: ServerResponse): Promise<void> {
				const params = req.$params ?? {};
				for (const name of Object.keys(params)) if (!STREAM_PARAMS.has(name)) throw invalidField(name, `The '${name}' parameter is not allowed (access_token, system, key)`);
				const { system, key } = params;
				const token = req.$streamToken;
				if (typeof system !== "string" || !names.has(system)) throw invalidField("system", `The 'system' parameter must be one of: ${[...names].join(", ")}`, system);
				if (key !== undefined && (typeof key !== "string" || key.length < 1 || key.length > 200)) throw invalidField("key", "The 'key' parameter must be a string of 1 to 200 characters", key);
				const { exp, ...user } = await this.verifyBearer(token);
				if (!user.roles.some(r => WATCH.roles.includes(r))) throw forbidden(`This needs the role ${WATCH.roles.join(" or ")}`, { required: [...WATCH.roles], roles: user.roles });
				if (this.streams.size >= settings.maxStreams) throw serviceUnavailable("The console has too many live streams open: try again shortly", 5, "CONSOLE_STREAMS");
				if ([...this.streams].filter(s => s.user.sub === user.sub).length >= settings.maxStreamsPerUser) {
					throw new Errors.MoleculerClientError(`At most ${settings.maxStreamsPerUser} live streams per user`, 429, "RATE_LIMIT_EXCEEDED");
				}

				res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive", "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff" });
				res.write(`retry: 3000\n\n`);
				const streams = this.streams;
				const stream: Stream = {
					res,
					user,
					system,
					...(typeof key === "string" ? { key } : {}),
					heartbeat: setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS),
					// The token's end is the stream's: the page logs in again.
					expiry: setTimeout(
						() => {
							write(stream, "expired", { message: "The token expired: log in again" });
							res.end();
						},
						Math.max(0, exp * 1000 - Date.now())
					)
				};
				streams.add(stream);
				res.on("close", () => close(streams, stream));
				write(stream, "ready", { system, ...(stream.key ? { key: stream.key } : {}), sub: user.sub });
			}
		},

		stopped(this: Gateway) {
			for (const stream of [...this.streams]) {
				close(this.streams, stream);
				stream.res.end();
			}
		}
	});
}

let page: string | undefined;

function send(res: ServerResponse, type: string, body: string, headers: Record<string, string> = {}): void {
	res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", ...headers });
	res.end(body);
}

function notFoundAnswer(res: ServerResponse, what: string): void {
	res.writeHead(404, { "Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff" });
	res.end(JSON.stringify({ name: "NotFoundError", message: `${what} not found`, code: 404, type: "NOT_FOUND" }));
}

/** The gateway route of the console (public: the page logs in itself; the stream checks its token). */
export function consoleRoute() {
	return {
		path: "/console",
		mappingPolicy: "restrict" as const,
		aliases: {
			"GET /": documented(
				{ summary: "The live console (log in, pick a system, watch its sagas and contexts)", tag: "console", responses: { 200: { description: "An HTML page; its script and style are served by this gateway (docs/console.md).", contentType: "text/html" } } },
				function (req: IncomingMessage, res: ServerResponse) {
					page ??= readFileSync(join(CONSOLE_DIR, "index.html"), "utf8");
					send(res, "text/html; charset=utf-8", page, { "Content-Security-Policy": CONSOLE_CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer" });
				}
			),
			"GET /assets/:file": documented(
				{ summary: "The console's script and style", tag: "console", responses: { 200: { description: "console.js or console.css.", contentType: "text/plain" } }, errors: [404] },
				function (req: IncomingMessage & { $params?: Record<string, unknown> }, res: ServerResponse) {
					const file = String(req.$params?.file ?? "");
					const type = Object.prototype.hasOwnProperty.call(ASSETS, file) ? ASSETS[file] : undefined;
					if (!type) return notFoundAnswer(res, `Console asset '${file.slice(0, 100)}'`);
					res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" });
					createReadStream(join(CONSOLE_DIR, file)).on("error", () => res.destroy()).pipe(res);
				}
			),
			"GET /events": documented(
				{
					summary: "The console's live stream of saga timelines (Server-Sent Events)",
					description:
						"`?system=<system>` (and `&key=<key>` for one saga), with the bearer token as `access_token` (EventSource sends no header): one `saga` event (a timeline, as `GET /api/timeline/{system}/{key}` answers it) per change of a saga the caller may read. 401 without a valid token, 403 for roles other than customer and admin, 422 for a bad parameter, 429/503 when too many streams are open.",
					tag: "console",
					responses: { 200: { description: "A `text/event-stream`: `ready`, then `saga` events; `expired` when the token ends.", contentType: "text/event-stream" } },
					errors: [401, 403, 422, 429, 503]
				},
				function (this: Gateway, req: StreamRequest, res: ServerResponse, next: (err?: unknown) => void) {
					this.openStream(req, res).catch(next);
				}
			)
		}
	};
}
