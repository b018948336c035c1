/**
 * The docs' walkthroughs as a new user follows them: the shell blocks of a walkthrough section, read from the
 * markdown, run in order in one real `bash` against a running product, with only the rewrites a reader makes;
 * every curl answer checked against what the block's comments say it answers.
 *
 * What is run, and how the docs are read:
 * - A section is a level-2 heading the caller names (`## Walkthrough`, `## … walkthrough`) up to the next level-1
 *   or level-2 heading. Its ```bash / ```sh / ```shell blocks are its commands; other fenced blocks are example
 *   answers (not run).
 * - A command is a line, with its `\`-continued lines. Comment lines are not run (`#   http …` is an
 *   alternative spelled out). Nor are commands that a reader with curl and a running product skips: httpie
 *   (`http …`, each has its curl form beside it) and `npm …` (the product is already running).
 * - Port: `localhost:3000` and a bare `:3000` become the test's port.
 * - Placeholders (what a reader copies from an answer):
 *     in a block, `NAME=<field from the answer>` — the value of `field` (the first word inside <…>) in the JSON
 *     of the previous answer; for `id`, when the body has none, the last segment of its `Location` header;
 *     in the prose between blocks, an inline `NAME=value…` (ending in an ellipsis: "Keep the id: `ID=8a3b…`")
 *     whose $NAME a later block uses — the same, the field being the one the example answers above show with
 *     that value (`"stockId":"a1c8…"` → stockId; `id` when none does). An inline `NAME=value` given in full is
 *     typed as it stands (the docs say the value is the same on every machine).
 * - Statuses: the comment on a command, the comment lines directly above it (no blank line between) and answer
 *   lines directly below it (`# 422 {…}`, `# HTTP/1.1 404 Not Found`) say what it answers. A status code there
 *   (201, 409, …) is what every curl of the command must answer (one of them, where a comment states two cases:
 *   "a wrong password is 403, the right one 201"); one inside parentheses is another case's
 *   ("(more than there is: 409)", "(then 409)") and not checked, unless its clause says "again" ("again: 409",
 *   "(again: 409)"): that is what the same command answers when repeated — the checker repeats a plain curl
 *   command at once and expects it, and a later identical command is held to it too. No stated status: 2xx.
 *   No answer may be 5xx, every curl must get an answer, and nothing may be written to stderr (a missing tool,
 *   a body that is no JSON where the docs parse one).
 * - Pace: a short pause before each command; a command said to succeed that met a 404 or 409 is sent once more
 *   after a reader's moment (`Pace`), as a reader would have sent it a second later — only that answer counts.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const HTTP_STATUSES = new Set([200, 201, 202, 204, 301, 302, 303, 304, 307, 308, 400, 401, 402, 403, 404, 405, 406, 409, 410, 412, 413, 415, 422, 428, 429, 500, 501, 502, 503, 504]);

/** A command of a walkthrough, as the docs give it. */
export interface RunStep {
	kind: "run";
	line: number;
	text: string;
	/** What every curl of it must answer (empty: any 2xx). */
	now: number[];
	/** What it answers when repeated (empty: not said). */
	again: number[];
	/** The comments read for it. */
	comment: string;
}
export interface CopyStep {
	kind: "copy";
	line: number;
	name: string;
	/** The answer's field the reader copies. */
	field: string;
	text: string;
}
export interface SkipStep {
	kind: "skip";
	line: number;
	text: string;
	why: string;
}
export type Step = RunStep | CopyStep | SkipStep;

export interface Section {
	file: string;
	title: string;
	line: number;
	steps: Step[];
}

type Part = { kind: "shell"; line: number; lines: string[] } | { kind: "example"; text: string } | { kind: "prose"; line: number; text: string };

/** The walkthrough sections of `markdown` (`file` names it in messages): level-2 headings whose title `isWalkthrough`. */
export function walkthroughSections(markdown: string, file: string, isWalkthrough: (title: string) => boolean): Section[] {
	const lines = markdown.split("\n");
	const sections: { title: string; line: number; parts: Part[] }[] = [];
	let current: { title: string; line: number; parts: Part[] } | undefined;
	for (let i = 0; i < lines.length; i++) {
		const fence = /^(`{3,})\s*([\w-]*)\s*$/.exec(lines[i]);
		if (fence) {
			const close = lines.findIndex((l, j) => j > i && l.trim() === fence[1]);
			const end = close === -1 ? lines.length : close;
			const body = lines.slice(i + 1, end);
			if (current) current.parts.push(["bash", "sh", "shell"].includes(fence[2]) ? { kind: "shell", line: i + 2, lines: body } : { kind: "example", text: body.join("\n") });
			i = end;
			continue;
		}
		const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(lines[i]);
		if (heading && heading[1].length <= 2) {
			current = heading[1].length === 2 && isWalkthrough(heading[2]) ? { title: heading[2], line: i + 1, parts: [] } : undefined;
			if (current) sections.push(current);
			continue;
		}
		if (current && lines[i].trim()) current.parts.push({ kind: "prose", line: i + 1, text: lines[i] });
	}
	return sections.map(s => ({ file, title: s.title, line: s.line, steps: stepsOf(s.parts) }));
}

function stepsOf(parts: Part[]): Step[] {
	const steps: Step[] = [];
	parts.forEach((part, p) => {
		if (part.kind === "shell") steps.push(...blockSteps(part.lines, part.line));
		if (part.kind !== "prose") return;
		const later = parts
			.slice(p + 1)
			.flatMap(q => (q.kind === "shell" ? q.lines : []))
			.join("\n");
		for (const m of part.text.matchAll(/`([A-Z][A-Z0-9_]*)=([^`\s]+)`/g)) {
			const [code, name, value] = m;
			if (!new RegExp(`\\$(${name}\\b|\\{${name}\\})`).test(later)) continue;
			const prefix = /^(.*?)(…|\.\.\.)$/.exec(value)?.[1];
			if (prefix === undefined) {
				steps.push({ kind: "run", line: part.line, text: `${name}=${value}`, now: [], again: [], comment: "" });
				continue;
			}
			const examples = parts
				.slice(0, p)
				.flatMap(q => (q.kind === "example" ? [q.text] : []))
				.reverse();
			const field = examples.map(text => new RegExp(`"(\\w+)":\\s*"${escapeRegExp(prefix)}`).exec(text)?.[1]).find(f => f !== undefined) ?? "id";
			steps.push({ kind: "copy", line: part.line, name, field, text: code });
		}
	});
	return steps;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Item = { kind: "blank" } | { kind: "comment"; text: string; code: boolean } | { kind: "command"; text: string; line: number };

/** A comment that shows the answer of the command above it: `# 422 {…}`, `# HTTP/1.1 404 Not Found`. */
const isAnswerLine = (text: string) => /^\s*(HTTP\/[\d.]+\s+\d{3}\b|\d{3}(\s|$))/.test(text);

function blockSteps(lines: string[], firstLine: number): Step[] {
	const items: Item[] = [];
	let codeContinues = false;
	for (let i = 0; i < lines.length; i++) {
		const raw = lines[i];
		if (!raw.trim()) {
			items.push({ kind: "blank" });
			codeContinues = false;
		} else if (/^\s*#/.test(raw)) {
			const text = raw.replace(/^\s*#\s?/, "");
			// a command spelled out in a comment (an alternative: `#   http POST …`, `#     curl … \`) and its continuations
			const code: boolean = codeContinues || /^\s*(curl|http|https|npm)\s/.test(text);
			codeContinues = code && /\\\s*$/.test(raw);
			items.push({ kind: "comment", text, code });
		} else {
			const start = i;
			let text = raw;
			while (/\\\s*$/.test(lines[i]) && i + 1 < lines.length) text += `\n${lines[++i]}`;
			items.push({ kind: "command", text, line: firstLine + start });
			codeContinues = false;
		}
	}
	const claimed = new Set<number>(); // answer lines below a command: its own
	const steps: Step[] = [];
	items.forEach((item, k) => {
		if (item.kind !== "command") return;
		const comments: string[] = [];
		for (let j = k - 1; j >= 0; j--) {
			const above = items[j];
			if (above.kind !== "comment" || claimed.has(j)) break;
			if (!above.code) comments.unshift(above.text);
		}
		const trailing = trailingComment(item.text);
		if (trailing !== undefined) comments.push(trailing);
		for (let j = k + 1; j < items.length; j++) {
			const below = items[j];
			if (below.kind !== "comment" || !isAnswerLine(below.text)) break;
			claimed.add(j);
			comments.push(below.text);
		}
		steps.push(commandStep(item.text, item.line, comments.join(" ")));
	});
	return steps;
}

function commandStep(text: string, line: number, comment: string): Step {
	const placeholder = /^([A-Za-z_]\w*)=<([^>]*)>\s*$/.exec(text);
	if (placeholder) return { kind: "copy", line, name: placeholder[1], field: /^\s*(\w+)/.exec(placeholder[2])?.[1] ?? "id", text };
	const word = /^(?:[A-Za-z_]\w*=[^\s$()`'"]*\s+)*(\S+)/.exec(text)?.[1];
	if (word === "http" || word === "https") return { kind: "skip", line, text, why: "httpie: its curl form is beside it" };
	if (word === "npm") return { kind: "skip", line, text, why: "the product is already running" };
	return { kind: "run", line, text, comment, ...statedStatuses(comment) };
}

/** The comment at the end of a command line (`curl … # 409`): from the first `#` outside quotes that starts a word. */
export function trailingComment(command: string): string | undefined {
	let quote: string | undefined;
	for (let i = 0; i < command.length; i++) {
		const c = command[i];
		if (quote) {
			if (c === "\\" && quote === '"') i++;
			else if (c === quote) quote = undefined;
		} else if (c === "\\") i++;
		else if (c === "'" || c === '"') quote = c;
		else if (c === "#" && (i === 0 || /\s/.test(command[i - 1]))) return command.slice(i + 1).trim();
	}
	return undefined;
}

/** The statuses a comment says a command answers now, and when repeated (see the header of this file). */
export function statedStatuses(comment: string): { now: number[]; again: number[] } {
	const now: number[] = [];
	const again: number[] = [];
	let depth = 0;
	let clause = "";
	for (let i = 0; i < comment.length; ) {
		const c = comment[i];
		const digits = /^\d+/.exec(comment.slice(i))?.[0];
		if (digits) {
			const code = Number(digits);
			const before = comment[i - 1] ?? " ";
			const after = comment[i + digits.length] ?? " ";
			if (digits.length === 3 && HTTP_STATUSES.has(code) && !/[\w.=/-]/.test(before) && !/[\w-]/.test(after) && !(after === "." && /\d/.test(comment[i + 4] ?? ""))) {
				if (/\bagain\b/i.test(clause)) again.push(code);
				else if (depth === 0) now.push(code);
			}
			clause += digits;
			i += digits.length;
			continue;
		}
		if (c === "(") depth++;
		if (c === ")") depth = Math.max(0, depth - 1);
		clause = "(),;".includes(c) ? "" : clause + c;
		i++;
	}
	return { now: [...new Set(now)], again: [...new Set(again)] };
}

/** One curl the walkthrough ran, as the wrapper recorded it. */
export interface Call {
	/** The arguments, shell-quoted. */
	args: string;
	/** 0: no answer (curl failed). */
	status: number;
	/** The response head (the last one, after a redirect or a 100). */
	headers: string;
	body: string;
	/** What curl wrote to stderr. */
	stderr: string;
}

export interface Checked extends Call {
	file: string;
	line: number;
	command: string;
	expected: string;
	rerun: boolean;
	ok: boolean;
}

const WRAPPER = String.raw`
__WT_CURL="$(type -P curl)"
curl() {
	local rec
	rec="$(mktemp "$__WT_DIR/call.XXXXXXXX")" || return 1
	printf '%q ' "$@" > "$rec.args"
	"$__WT_CURL" "$@" -o "$rec.out" -D "$rec.head" -w '%{http_code}' > "$rec.status" 2> "$rec.err"
	local rc=$?
	[ -f "$rec.out" ] && cat "$rec.out"
	printf '%s\n' "$rec" >> "$__WT_DIR/calls"
	return $rc
}
`;

/** A real bash, kept across the commands of a walkthrough (its variables and functions live on), with curl wrapped. */
export class BashSession {
	private readonly proc: ChildProcessWithoutNullStreams;
	private stdout = "";
	private stderr = "";
	private n = 0;
	private seen = 0;
	private exit: string | undefined;
	readonly dir: string;

	constructor() {
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "walkthrough-"));
		fs.writeFileSync(path.join(this.dir, "calls"), "");
		const home = path.join(this.dir, "home"); // no ~/.curlrc of whoever runs the tests
		fs.mkdirSync(home);
		this.proc = spawn("bash", ["--noprofile", "--norc"], { cwd: this.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", __WT_DIR: this.dir } });
		this.proc.stdout.on("data", (d: Buffer) => (this.stdout += d.toString()));
		this.proc.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
		this.proc.once("exit", (code, signal) => (this.exit = `bash exited (${code ?? signal})`));
		this.proc.once("error", err => (this.exit = `bash failed: ${err.message}`));
		this.proc.stdin.on("error", () => undefined); // bash gone: reported by the next run
		fs.writeFileSync(path.join(this.dir, "wrapper.sh"), WRAPPER);
		this.proc.stdin.write(`. "$__WT_DIR/wrapper.sh"\n`);
	}

	/** Runs `script` in the session (sourced, stdin from /dev/null); what it wrote, and the curls it made. */
	async run(script: string, timeoutMs = 30000): Promise<{ stdout: string; stderr: string; calls: Call[] }> {
		const n = ++this.n;
		const file = path.join(this.dir, `step-${n}.sh`);
		fs.writeFileSync(file, `${script}\n`);
		const marker = `__WT_END_${n}__`;
		this.proc.stdin.write(`. ${JSON.stringify(file)} </dev/null; echo; echo ${marker}; echo ${marker} >&2\n`);
		const deadline = Date.now() + timeoutMs;
		while (!(this.stdout.includes(marker) && this.stderr.includes(marker))) {
			if (this.exit) throw new Error(`${this.exit} running:\n${script}\n${this.stderr}`);
			if (Date.now() > deadline) throw new Error(`no end of the step within ${timeoutMs} ms:\n${script}`);
			await new Promise(resolve => setTimeout(resolve, 5));
		}
		const stdout = this.stdout.slice(0, this.stdout.indexOf(marker)).replace(/\n$/, "");
		const stderr = this.stderr.slice(0, this.stderr.indexOf(marker));
		this.stdout = this.stdout.slice(this.stdout.indexOf(marker) + marker.length + 1);
		this.stderr = this.stderr.slice(this.stderr.indexOf(marker) + marker.length + 1);
		return { stdout, stderr, calls: this.newCalls() };
	}

	private newCalls(): Call[] {
		const recs = fs.readFileSync(path.join(this.dir, "calls"), "utf8").split("\n").filter(Boolean);
		const calls = recs.slice(this.seen).map(rec => {
			const read = (ext: string) => (fs.existsSync(rec + ext) ? fs.readFileSync(rec + ext, "utf8") : "");
			const out = read(".out");
			const heads = read(".head")
				.split(/\r?\n\r?\n/)
				.filter(h => h.trim());
			const raw = read(".head");
			return { args: read(".args").trim(), status: Number(read(".status")) || 0, headers: heads.at(-1) ?? "", body: raw && out.startsWith(raw) ? out.slice(raw.length) : out, stderr: read(".err") };
		});
		this.seen = recs.length;
		return calls;
	}

	async close(): Promise<void> {
		if (!this.exit) {
			const gone = new Promise(resolve => this.proc.once("exit", resolve));
			this.proc.stdin.end("exit\n");
			await gone;
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
	}
}

/** What a reader copies: `field` of the answer's JSON; for `id` without one, the last segment of its Location. */
export function copiedValue(call: Call | undefined, field: string): string | undefined {
	if (!call) return undefined;
	try {
		const body: unknown = JSON.parse(call.body);
		const value = body && typeof body === "object" && !Array.isArray(body) ? Object.entries(body).find(([k]) => k === field)?.[1] : undefined;
		if (typeof value === "string" || typeof value === "number") return String(value);
	} catch {
		/* not JSON */
	}
	const location = /^location:\s*(\S+)/im.exec(call.headers)?.[1];
	return field === "id" && location ? location.split("/").filter(Boolean).at(-1) : undefined;
}

/** `localhost:3000` and a bare `:3000` → the test's port. */
export const onPort = (text: string, port: number) => text.replace(/localhost:3000\b/g, `localhost:${port}`).replace(/(^|\s):3000\b/g, `$1:${port}`);

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A plain curl command, safe to send again as it stands. */
const repeatable = (text: string) => /^curl\s/.test(text) && !/\$\(|`|;|\||&&/.test(text.slice(0, text.length - (trailingComment(text)?.length ?? 0)));

export interface SectionRun {
	calls: Checked[];
	failures: string[];
	/** Each step and what it did, for a failure's message. */
	log: string[];
}

export interface Pace {
	/** Before each command. */
	pauseMs: number;
	/**
	 * A reader's moment: a command said to succeed that answered 404 or 409 (what the product answers while the
	 * event that makes it possible is still on its way) is sent once more after this long, as a reader at a
	 * reader's pace would have sent it; only that second answer counts (both are in the log).
	 */
	momentMs: number;
}

/**
 * Runs the steps of `section` in `session` against the product on `port` and checks each answer. `seen`
 * carries the again-statuses of commands across the sections of one session.
 */
export async function runSection(session: BashSession, section: Section, port: number, pace: Pace = { pauseMs: 100, momentMs: 1500 }, seen = new Map<string, number[]>()): Promise<SectionRun> {
	const calls: Checked[] = [];
	const failures: string[] = [];
	const log: string[] = [];
	let last: Call | undefined;
	const where = (line: number) => `${section.file}:${line}`;
	for (const step of section.steps) {
		if (step.kind === "skip") {
			log.push(`${where(step.line)} skipped (${step.why}): ${step.text.split("\n")[0]}`);
			continue;
		}
		if (step.kind === "copy") {
			const value = copiedValue(last, step.field);
			if (value === undefined) {
				failures.push(`${where(step.line)} ${step.text}: the answer before it has no "${step.field}" to copy (answer ${last?.status ?? "none"}: ${(last?.body ?? "").slice(0, 300)})`);
				continue;
			}
			await session.run(`${step.name}=${shellQuote(value)}`);
			log.push(`${where(step.line)} ${step.name}=${value} (copied: ${step.field})`);
			continue;
		}
		const key = step.text.replace(/\s+/g, " ").trim();
		const again = seen.get(key);
		const expected = again && again.length > 0 ? again : step.now;
		const runs: { rerun: boolean; want: number[] }[] = [{ rerun: false, want: expected }];
		if (step.again.length > 0 && repeatable(step.text)) runs.push({ rerun: true, want: step.again });
		for (const { rerun, want } of runs) {
			await sleep(pace.pauseMs);
			const head = `${where(step.line)}${rerun ? " (again)" : ""} ${step.text.split("\n")[0]}`;
			let res = await session.run(onPort(step.text, port));
			log.push(`${head}\n  → ${res.calls.map(c => c.status).join(", ") || "no curl"}`);
			if (!rerun && want.length === 0 && res.calls.some(c => c.status === 404 || c.status === 409)) {
				await sleep(pace.momentMs);
				res = await session.run(onPort(step.text, port));
				log.push(`  → a moment later: ${res.calls.map(c => c.status).join(", ") || "no curl"}`);
			}
			if (res.stderr.trim()) failures.push(`${head}: wrote to stderr: ${res.stderr.trim().slice(0, 500)}`);
			for (const call of res.calls) {
				const ok = call.status > 0 && call.status < 500 && (want.length > 0 ? want.includes(call.status) : call.status >= 200 && call.status < 300);
				const stated = want.length > 0 ? want.join(" or ") : "2xx";
				calls.push({ ...call, file: section.file, line: step.line, command: step.text, expected: stated, rerun, ok });
				if (!ok)
					failures.push(
						`${head}: ${call.status === 0 ? `no answer (${call.stderr.trim()})` : `answered ${call.status}`}, the docs say ${stated}${call.status >= 500 ? " (and no answer may be 5xx)" : ""}\n  curl ${call.args}\n  ${call.body.slice(0, 400)}`
					);
			}
			if (!rerun && res.calls.length > 0) last = res.calls.at(-1);
		}
		if (step.again.length > 0) seen.set(key, step.again);
	}
	return { calls, failures, log };
}
