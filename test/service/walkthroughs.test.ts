/**
 * A new user follows every walkthrough unchanged: the README's four ("## … walkthrough") and the "## Walkthrough"
 * of docs/fishdelivery.md, productorder.md, thedraw.md and warehouse.md. Their shell blocks are read from the
 * markdown now (the test follows the docs as they change) and run in order, in one real bash per file (a reader's
 * terminal: the README's later sections use the `token` of its first), against the compiled embedded default
 * started as `npm start` starts it — one process per file, a test port in 16500–16599, its own DATA_DIR, no
 * test settings. The only rewrites are a reader's: the port, and the placeholders (`ORDER=<id from the answer>`,
 * "Keep the id: `ID=8a3b…`") filled with what the reader copies from the answer. Each curl answer is held to the
 * status its comments state, 2xx otherwise, never 5xx. How the docs are read: test/support/walkthrough.ts.
 * Needs `npm run build` first (npm test does it). WALKTHROUGH_LOG=1 prints each command and its answers' statuses.
 */
import fs from "node:fs";
import path from "node:path";
import { startEmbeddedProcess, type EmbeddedProcess } from "../support/embedded-process";
import { BashSession, runSection, statedStatuses, walkthroughSections, type Section, type SectionRun } from "../support/walkthrough";

const ROOT = path.join(__dirname, "..", "..");
const PORTS: [number, number] = [16500, 16599];
/**
 * A reader's pace, far quicker than a reader's (events reach their consumers in milliseconds here): a pause
 * before each command, and a moment to wait before sending once more a command that met an event still on its
 * way (test/support/walkthrough.ts).
 */
const PACE = { pauseMs: 100, momentMs: 1500 };

const DOCS: { file: string; isWalkthrough: (title: string) => boolean; titles: string[] }[] = [
	{ file: "README.md", isWalkthrough: t => / walkthrough$/.test(t), titles: ["Flower delivery walkthrough", "Product-order mall walkthrough", "The Draw walkthrough", "Warehouse walkthrough"] },
	...["fishdelivery", "productorder", "thedraw", "warehouse"].map(name => ({ file: `docs/${name}.md`, isWalkthrough: (t: string) => t === "Walkthrough", titles: ["Walkthrough"] }))
];

const report = (run: SectionRun) => `${run.failures.join("\n\n")}\n\nThe run:\n${run.log.join("\n")}`;

/** A product and a bash for one file's walkthroughs; both gone after its tests. */
function readerSetup(): { product: () => EmbeddedProcess; bash: () => BashSession } {
	let product: EmbeddedProcess | undefined;
	let bash: BashSession | undefined;
	beforeAll(async () => {
		product = await startEmbeddedProcess(PORTS);
		bash = new BashSession();
	}, 60000);
	afterAll(async () => {
		await bash?.close();
		await product?.stop();
	});
	const need = <T>(v: T | undefined): T => {
		if (v === undefined) throw new Error("not started");
		return v;
	};
	return { product: () => need(product), bash: () => need(bash) };
}

describe.each(DOCS)("$file", ({ file, isWalkthrough, titles }) => {
	const sections = walkthroughSections(fs.readFileSync(path.join(ROOT, file), "utf8"), file, isWalkthrough);
	const { product, bash } = readerSetup();
	const seen = new Map<string, number[]>();

	it("has its walkthrough sections, each with commands to run", () => {
		expect(sections.map(s => s.title)).toEqual(titles);
		for (const s of sections) expect(s.steps.filter(step => step.kind === "run").length).toBeGreaterThan(0);
	});

	it.each(sections.map((s): [string, Section] => [s.title, s]))("%s: every command answers what its comments say", async (_title, section) => {
		const run = await runSection(bash(), section, product().port, PACE, seen);
		if (process.env.WALKTHROUGH_LOG) process.stdout.write(`${file} › ${section.title}\n${run.log.join("\n")}\n\n`);
		expect(run.calls.length).toBeGreaterThan(0);
		if (run.failures.length > 0) throw new Error(`${run.failures.length} command(s) of ${file} › ${section.title} failed a new user:\n\n${report(run)}`);
	});
});

describe("the walkthrough checker", () => {
	const { product, bash } = readerSetup();

	it("reads the statuses as the docs state them", () => {
		expect(statedStatuses(`1-2. the customer places an order: 201 + Location, status "Placed". sent again, the same key answers the same order (one charge).`)).toEqual({ now: [201], again: [] });
		expect(statedStatuses(`고객이 Draw를 신청한다 (the seed's command): 201, status "applied", win null; applying again: 409`)).toEqual({ now: [201], again: [409] });
		expect(statedStatuses("the product manager adds product 2 with 100 units (again: 409)")).toEqual({ now: [], again: [409] });
		expect(statedStatuses("ship 3 (more than there is: 409 with the quantity), staff dispose of 2 with a reason")).toEqual({ now: [], again: [] });
		expect(statedStatuses("HTTP/1.1 404 Not Found")).toEqual({ now: [404], again: [] });
		expect(statedStatuses(`409 {"data":{"status":"received",…}}`)).toEqual({ now: [409], again: [] });
		expect(statedStatuses(`size=275 drawId="001" price="100000" qty 200x totalQuantity 99, reservedQuantity 1`)).toEqual({ now: [], again: [] });
	});

	it("runs neither comments nor alternatives, copies what a reader copies, and passes what is right", async () => {
		const markdown = [
			"## Planted walkthrough",
			"```sh",
			"npm start",
			"```",
			"```bash",
			"token() { curl -s -X POST localhost:3000/oauth/token -d grant_type=password -d username=$1 -d password=$2 \\",
			`  | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'; }`,
			"CUSTOMER=$(token LKJ lkj-demo-pw)",
			"# the same with httpie:",
			"#   curl -s localhost:3000/api/planted-not-run",
			`http POST :3000/api/planted-not-run "Authorization: Bearer $CUSTOMER"`,
			`curl -s -i -X POST localhost:3000/api/flowerdelivery/orders -H "Authorization: Bearer $CUSTOMER" -H 'Content-Type: application/json' \\`,
			`  -d '{"storeName":"KJSHOP","itemName":"장미 한바구니","qty":1,"itemPrice":50000,"userName":"LKJ"}'`,
			"```",
			"```",
			`{"id":"8a3b593a-5327-4ae8-b145-25516a6fee3d","status":"Placed"}`,
			"```",
			"Keep the id: `ORDER=8a3b…`.",
			"```bash",
			`curl -s localhost:3000/api/flowerdelivery/orders/$ORDER -H "Authorization: Bearer $CUSTOMER"   # the order`,
			`curl -s -X DELETE localhost:3000/api/flowerdelivery/orders/$ORDER -H "Authorization: Bearer $CUSTOMER"   # cancelled (again: 409)`,
			"curl -s localhost:3000/api/flowerdelivery/orders/$ORDER",
			"# 401",
			"```"
		].join("\n");
		const [section] = walkthroughSections(markdown, "planted.md", t => t.endsWith("walkthrough"));
		expect(section.steps.map(s => s.kind)).toEqual(["skip", "run", "run", "skip", "run", "copy", "run", "run", "run"]);
		const run = await runSection(bash(), section, product().port, { pauseMs: 0, momentMs: 0 });
		expect(run.failures).toEqual([]);
		expect(run.calls.map(c => [c.status, c.rerun])).toEqual([
			[200, false],
			[201, false],
			[200, false],
			[200, false],
			[409, true],
			[401, false]
		]);
		expect(run.calls.some(c => c.args.includes("planted-not-run"))).toBe(false);
		const placed: unknown = JSON.parse(run.calls[1].body);
		expect(placed).toMatchObject({ status: "Placed" });
		const id = placed && typeof placed === "object" && "id" in placed ? placed.id : undefined;
		expect(typeof id).toBe("string");
		expect(run.calls[2].args).toContain(`/orders/${id}`);
	});

	it("fails a wrong stated status, a route that does not exist, a wrong again, a copy the answer cannot give", async () => {
		const markdown = [
			"## Planted walkthrough",
			"```bash",
			"curl -s localhost:3000/ready   # 404 (planted: it answers 200)",
			"curl -s localhost:3000/api/flowerdelivery/planted-no-such-route",
			"ID=<id from the answer>",
			"curl -s localhost:3000/ready   # again: 409",
			"planted-no-such-tool --version",
			"```"
		].join("\n");
		const [section] = walkthroughSections(markdown, "planted.md", t => t.endsWith("walkthrough"));
		const run = await runSection(bash(), section, product().port, { pauseMs: 0, momentMs: 0 });
		expect(run.failures).toHaveLength(5);
		expect(run.failures[0]).toMatch(/planted\.md:3 curl -s localhost:\d+\/ready {3}# 404.*: answered 200, the docs say 404/);
		expect(run.failures[1]).toMatch(/planted\.md:4 .*planted-no-such-route: answered 4\d\d, the docs say 2xx/);
		expect(run.failures[2]).toMatch(/planted\.md:5 ID=<id from the answer>: the answer before it has no "id" to copy/);
		expect(run.failures[3]).toMatch(/planted\.md:6 \(again\) .*: answered 200, the docs say 409/);
		expect(run.failures[4]).toMatch(/planted\.md:7 .*wrote to stderr: .*planted-no-such-tool/);
		expect(run.log.join("\n")).toMatch(/planted-no-such-route\n  → 4\d\d\n  → a moment later: 4\d\d/);
	});
});
