/**
 * The README's checkpoint table ("The seeds' checkpoints, and what proves them") stays true: every file it
 * names exists, every link into a doc lands on a heading of that doc, and every system of services/systems.ts
 * has its row in the per-system table (and no row names a system that does not exist). The checker is shown
 * to bite on a planted table.
 */
import fs from "node:fs";
import path from "node:path";
import { SYSTEMS } from "../../services/systems";

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const HEADING = "## The seeds' checkpoints, and what proves them";

/** The section of a markdown text from its heading to the next heading of the same level. */
function sectionOf(text: string, heading: string): string {
	const start = text.indexOf(`${heading}\n`);
	if (start < 0) throw new Error(`no section "${heading}"`);
	const rest = text.slice(start + heading.length);
	const end = rest.search(/\n## /);
	return end < 0 ? rest : rest.slice(0, end);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N} _-]/gu, "")
		.replace(/ /g, "-");
}

function anchorsOf(file: string): Set<string> {
	const text = fs.readFileSync(file, "utf8");
	return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(m => slug(m[1])));
}

/** What is wrong with a checkpoint section: missing files, dead anchors, systems without a row or unknown. */
function problems(section: string, root: string, systems: readonly { name: string; title: string }[]): string[] {
	const found: string[] = [];
	const paths = new Set([...section.matchAll(/`((?:test|docs|services|scripts|lib|mixins|helm)\/[^`\s]+)`/g)].map(m => m[1]));
	for (const p of paths) if (!fs.existsSync(path.join(root, p))) found.push(`missing file ${p}`);
	for (const m of section.matchAll(/\]\(([^)#\s]+)(?:#([^)\s]+))?\)/g)) {
		const [, file, anchor] = m;
		const full = path.join(root, file);
		if (!fs.existsSync(full)) found.push(`missing link target ${file}`);
		else if (anchor && !anchorsOf(full).has(anchor)) found.push(`no heading #${anchor} in ${file}`);
	}
	const rows = section.split("\n").filter(l => l.startsWith("| ") && l.includes("›"));
	for (const s of systems) {
		const row = rows.find(r => r.toLowerCase().startsWith(`| ${s.title.toLowerCase()} |`));
		if (!row) found.push(`no row for ${s.title}`);
		else if (!row.includes(`› ${s.name}`)) found.push(`the row of ${s.title} does not name ${s.name}`);
	}
	for (const r of rows) {
		const named = [...r.matchAll(/› (\w+)/g)].map(m => m[1]);
		for (const n of named) if (!systems.some(s => s.name === n)) found.push(`a row names an unknown system ${n}`);
	}
	return found;
}

describe("the README's checkpoint table", () => {
	const section = sectionOf(README, HEADING);

	it("names only files that exist, links only to headings that exist, and has a row for every system", () => {
		expect(problems(section, ROOT, SYSTEMS)).toEqual([]);
		// It names the proving tests, not only docs.
		expect(section.match(/`test\/[^`]+\.test\.ts`/g)?.length ?? 0).toBeGreaterThanOrEqual(20);
	});

	it("catches a planted table: a missing file, a dead anchor, a system without its row, an unknown system", () => {
		const planted = [
			"| x | `test/unit/no-such.test.ts`, [d](docs/design.md#no-such-heading) |",
			"| system | a | b |",
			"| flower delivery | x | `test/cluster/chaos.test.ts` › flowerdelivery |",
			"| gold mine | x | `test/cluster/chaos.test.ts` › goldmine |"
		].join("\n");
		const systems = [
			{ name: "flowerdelivery", title: "Flower delivery" },
			{ name: "fishdelivery", title: "Fish delivery" }
		];
		expect(problems(planted, ROOT, systems).sort()).toEqual(
			["a row names an unknown system goldmine", "missing file test/unit/no-such.test.ts", "no heading #no-such-heading in docs/design.md", "no row for Fish delivery"].sort()
		);
	});
});
