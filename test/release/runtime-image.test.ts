/**
 * The image's runtime stage, without a Docker engine: the Dockerfile's `runtime` stage is read and replayed in an
 * empty temporary folder standing for its WORKDIR — its COPY of package.json and the lock file, its `npm ci
 * --omit=dev` (from the local npm cache), the compiled dist/ it takes from the build stage, its ENV, and then its
 * ENTRYPOINT with nothing else in the environment (no JWT_PRIVATE_KEYS or DATA_DIR of test/setup-env.ts: the
 * embedded default seeds its demo accounts). The started process must be ready, let a customer log in, place a
 * flower order and read it back, serve the docs page, and stop on the image's STOPSIGNAL.
 * So a runtime dependency declared as a dev dependency, a file the image does not copy, or a path that only exists
 * in the source tree fails here. An instruction of that stage this test does not know fails it too: teach it.
 * dist/ is the one `npm test` builds first (the build stage's `npm run build`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";

const ROOT = join(__dirname, "..", "..");

interface Instruction {
	op: string;
	args: string;
}

/** The instructions of one stage of the Dockerfile (continuation lines joined, comments and parser directives dropped). */
function stage(dockerfile: string, name: string): Instruction[] {
	const logical = dockerfile
		.split("\n")
		.filter(line => !line.trim().startsWith("#"))
		.join("\n")
		.replace(/\\\n/g, " ")
		.split("\n")
		.map(line => line.trim())
		.filter(Boolean);
	const out: Instruction[] = [];
	let inStage = false;
	for (const line of logical) {
		const [op, ...rest] = line.split(/\s+/);
		const instruction = { op: op.toUpperCase(), args: rest.join(" ") };
		if (instruction.op === "FROM") inStage = new RegExp(`\\bAS\\s+${name}$`, "i").test(instruction.args);
		else if (inStage) out.push(instruction);
	}
	if (out.length === 0) throw new Error(`the Dockerfile has no stage named ${name}`);
	return out;
}

/** `--flag=value` options before the arguments of COPY or RUN, and the rest. */
function options(args: string): { flags: Record<string, string>; rest: string[] } {
	const words = args.split(/\s+/);
	const flags: Record<string, string> = {};
	while (words[0]?.startsWith("--")) {
		const [k, v = ""] = words.shift()!.slice(2).split("=");
		flags[k] = v;
	}
	return { flags, rest: words };
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.once("error", reject);
		srv.listen(0, "127.0.0.1", () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
	});
}

interface Image {
	dir: string;
	env: Record<string, string>;
	entrypoint: string[];
	stopSignal: NodeJS.Signals;
	/** What each `npm ci` printed. */
	installLog: string;
}

/** Replays the runtime stage into `dir`: the folder holds what the image's WORKDIR would. */
function buildRuntimeStage(dir: string): Image {
	const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
	const buildWorkdir = stage(dockerfile, "build").find(i => i.op === "WORKDIR")?.args ?? "/";
	let workdir = "/";
	const env: Record<string, string> = {};
	let entrypoint: string[] = [];
	let stopSignal: NodeJS.Signals = "SIGTERM";
	let installLog = "";
	/** A path of the image (absolute, or relative to WORKDIR) in the temporary folder. */
	const local = (p: string) => {
		const abs = posix.resolve(workdir, p);
		const rel = posix.relative(workdir, abs);
		if (rel.startsWith("..")) throw new Error(`the runtime stage uses ${abs}, outside its WORKDIR ${workdir}: this test cannot stand for it`);
		return join(dir, rel);
	};
	for (const { op, args } of stage(dockerfile, "runtime")) {
		switch (op) {
			case "ENV":
				for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) env[m[1]] = m[2].replace(/^"|"$/g, "");
				break;
			case "WORKDIR":
				workdir = posix.resolve(workdir, args);
				break;
			case "COPY": {
				const { flags, rest } = options(args);
				const dest = rest.pop()!;
				for (const src of rest) {
					// from the build stage: what `npm run build` left in its WORKDIR, i.e. in this checkout
					const from = flags.from === undefined ? join(ROOT, src) : join(ROOT, posix.relative(buildWorkdir, posix.resolve(buildWorkdir, src)));
					if (!existsSync(from)) throw new Error(`COPY ${src}: ${from} does not exist${flags.from ? " (npm test builds dist/ first; run npm run build)" : ""}`);
					const target = dest.endsWith("/") ? join(local(dest), posix.basename(src)) : local(dest);
					cpSync(from, target, { recursive: true });
				}
				break;
			}
			case "RUN": {
				const { rest } = options(args); // --mount=type=cache: the local npm cache stands for it
				for (const command of rest.join(" ").split("&&").map(c => c.trim())) {
					const [tool, ...words] = command.split(/\s+/);
					if (tool === "npm" && words[0] === "ci") {
						const run = spawnSync("npm", [...words, "--prefer-offline"], { cwd: local("."), encoding: "utf8", timeout: 540000, env: { ...process.env, ...env } });
						installLog += `${run.stdout}\n${run.stderr}`;
						if (run.status !== 0) throw new Error(`${command} failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
					} else if (tool === "apt-get" || (tool === "rm" && words.every(w => w.startsWith("-") || w.startsWith("/var/lib/apt/")))) {
						// The build toolchain a native addon may need (better-sqlite3): this machine has its own
						// (python3, make, g++), which stands for the image's install-then-purge.
					} else if (tool === "mkdir") {
						for (const p of words.filter(w => !w.startsWith("-"))) mkdirSync(local(p), { recursive: true });
					} else if (tool !== "chown") {
						throw new Error(`the runtime stage runs \`${command}\`, which this test does not replay: teach it`);
					}
				}
				break;
			}
			case "ENTRYPOINT":
				entrypoint = JSON.parse(args) as string[];
				break;
			case "STOPSIGNAL":
				stopSignal = args as NodeJS.Signals;
				break;
			case "USER":
			case "EXPOSE":
			case "LABEL":
			case "ARG":
				break; // nothing to stand for here
			default:
				throw new Error(`the runtime stage has ${op} ${args}, which this test does not replay: teach it`);
		}
	}
	if (entrypoint[0] !== "node") throw new Error(`ENTRYPOINT ${JSON.stringify(entrypoint)}: expected node first`);
	// The image's absolute paths (DATA_DIR=/app/data) point into the temporary folder.
	for (const [k, v] of Object.entries(env)) if (v.startsWith(`${workdir}/`) || v === workdir) env[k] = local(v);
	return { dir, env, entrypoint, stopSignal, installLog };
}

let image: Image;
let proc: ChildProcess | undefined;
let output = "";
let exited: Promise<number | null>;
let base: string;

beforeAll(async () => {
	image = buildRuntimeStage(mkdtempSync(join(tmpdir(), "runtime-image-")));
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	// Only what the image sets, and PATH: nothing of this test process's environment.
	const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...image.env, PORT: String(port) };
	// `node` of the image is the Node running this suite (the one CI runs it on: 22).
	proc = spawn(process.execPath, image.entrypoint.slice(1), { cwd: image.dir, env, stdio: ["ignore", "pipe", "pipe"] });
	proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
	proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
	exited = new Promise(resolve => proc!.once("exit", code => resolve(code)));
}, 600000);

afterAll(async () => {
	if (proc && proc.exitCode === null) {
		proc.kill("SIGKILL");
		await exited;
	}
	if (image) rmSync(image.dir, { recursive: true, force: true });
});

async function ready(timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (proc?.exitCode !== null) throw new Error(`the image's entrypoint exited (${proc?.exitCode}):\n${output}`);
		const status = await fetch(`${base}/ready`).then(r => r.status, () => 0);
		if (status === 200) return;
		if (Date.now() > deadline) throw new Error(`/ready did not answer 200 within ${timeoutMs} ms (last: ${status}):\n${output}`);
		await new Promise(r => setTimeout(r, 200));
	}
}

it("installs only production dependencies: none the lock file marks dev-only", () => {
	const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
	const devOnly = Object.entries(lock.packages).filter(([path, p]) => path && p.dev === true).map(([path]) => path);
	expect(devOnly).toEqual(expect.arrayContaining(["node_modules/typescript", "node_modules/jest"]));
	expect(devOnly.filter(path => existsSync(join(image.dir, path)))).toEqual([]);
	expect(existsSync(join(image.dir, "node_modules", "moleculer"))).toBe(true);
});

it("starts with the image's ENTRYPOINT and ENV: ready, a customer logs in, places a flower order and reads it back", async () => {
	await ready(60000);
	const login = await fetch(`${base}/oauth/token`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ grant_type: "password", username: "LKJ", password: "lkj-demo-pw" })
	});
	const token = ((await login.json()) as { access_token?: string }).access_token;
	expect([login.status, typeof token]).toEqual([200, "string"]);
	const auth = { Authorization: `Bearer ${token}` };

	const order = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };
	const placed = await fetch(`${base}/api/flowerdelivery/orders`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify(order) });
	const body = (await placed.json()) as { id: string; status: string };
	expect([placed.status, body]).toEqual([201, expect.objectContaining({ ...order, status: "Placed" })]);
	const read = await fetch(`${base}/api/flowerdelivery/orders/${encodeURIComponent(body.id)}`, { headers: auth });
	expect([read.status, await read.json()]).toEqual([200, expect.objectContaining({ id: body.id, ...order })]);

	// The docs page's files come from a runtime dependency (swagger-ui-dist), the document from dist/.
	expect((await fetch(`${base}/api/docs/swagger-ui-bundle.js`)).status).toBe(200);
	expect((await fetch(`${base}/api/openapi.json`)).status).toBe(200);
	// Aggregates, views and owed events are written where the image's DATA_DIR says (the embedded SQLite store).
	expect(readdirSync(image.env.DATA_DIR)).toEqual(expect.arrayContaining(["store.sqlite", "views.sqlite", "channels.sqlite"]));
});

it("stops on the image's STOPSIGNAL, gracefully, with no deprecation warning of the Node it runs on", async () => {
	proc!.kill(image.stopSignal);
	let timer: NodeJS.Timeout | undefined;
	const code = await Promise.race([exited, new Promise<string>(r => (timer = setTimeout(() => r("still running after 15 s"), 15000)))]);
	clearTimeout(timer);
	expect([code, output.slice(-2000)]).toEqual([0, expect.any(String)]);
	expect(output).not.toMatch(/DeprecationWarning|DEP0\d{3}/);
	expect(output).not.toMatch(/\bERROR\b|Unhandled/i);
});
