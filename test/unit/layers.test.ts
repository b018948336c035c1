/**
 * The layers of the tree (.dependency-cruiser.cjs): the real tree has no import going the wrong way, and each
 * rule does fail — a wrong import planted in a copy of the tree is reported, naming the rule.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
const SOURCES = ["domain", "config", "lib", "middlewares", "mixins", "services", "scripts", "bench", "test", "moleculer.config.ts"];

/** Runs dependency-cruiser over `dir` with the project's rules: its exit code and what it printed. */
function cruise(dir: string, sources = SOURCES): { status: number | null; out: string } {
	const res = spawnSync(process.execPath, [CLI, "--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err", ...sources], { cwd: dir, encoding: "utf8" });
	return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

/** A copy of the tree's sources (and its tsconfig) with `files` written over it. */
function plant(files: Record<string, string>): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
	for (const entry of [...SOURCES.filter(s => s !== "test"), "types", "tsconfig.json"]) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
	fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
	for (const [file, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
		fs.writeFileSync(path.join(dir, file), text);
	}
	return dir;
}

describe("import layers", () => {
	it("the tree has no import going the wrong way", () => {
		const { status, out } = cruise(ROOT);
		expect({ status, out }).toEqual({ status: 0, out: expect.stringContaining("no dependency violations") });
	}, 60000);

	it.each([
		["kernel-imports-nothing", "domain/planted.ts", 'import { config } from "../config";\nexport const x = config;\n'],
		["domain-modules-are-pure", "services/flowerdelivery/planted.domain.ts", 'import { Errors } from "moleculer";\nimport { notFound } from "../../lib/errors";\nexport const x = [Errors, notFound];\n'],
		["config-only-reads-the-environment", "config/planted.ts", 'import { SYSTEMS } from "../services/systems";\nexport const x = SYSTEMS;\n'],
		["blocks-know-no-services", "mixins/planted.ts", 'import { flowerSaga } from "../services/flowerdelivery/saga";\nexport const x = flowerSaga;\n'],
		["systems-are-separate", "services/fishdelivery/planted.ts", 'import { flowerSaga } from "../flowerdelivery/saga";\nexport const x = flowerSaga;\n'],
		["generic-contexts-read-only-manifests", "services/timeline/planted.ts", 'import { flowerSaga } from "../flowerdelivery/saga";\nexport const x = flowerSaga;\n'],
		["identity-internals-stay-inside", "services/gateway/planted.ts", 'import { KeyRing } from "../identity/keys";\nexport const x = KeyRing;\n']
	])("a planted wrong import breaks %s", (rule, file, text) => {
		const dir = plant({ [file]: text });
		try {
			const { status, out } = cruise(dir, SOURCES.filter(s => s !== "test"));
			expect(status).not.toBe(0);
			expect(out).toContain(rule);
			expect(out).toContain(file);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	}, 60000);
});
