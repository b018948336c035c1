/**
 * Where the time goes: a V8 CPU profile (`node --cpu-prof`) summarised by self time, per module (an npm
 * package, a file of the project, Node's core, the garbage collector, native code) and per function.
 * Only the samples taken inside a window (the load) count when one is given: V8's profile clock and
 * `process.hrtime` are both CLOCK_MONOTONIC on Linux, so the window is taken in this process.
 *
 *   node dist/bench/profile.js <file.cpuprofile>     summarises a profile on its own (the whole of it)
 */
import fs from "node:fs";
import path from "node:path";

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	hitCount?: number;
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileSummary {
	file: string;
	/** Sampled time inside the window (ms), idle excluded. */
	busyMs: number;
	idleMs: number;
	windowed: boolean;
	byModule: { module: string; selfMs: number; share: number }[];
	top: { fn: string; module: string; selfMs: number; share: number }[];
}

/** The module a frame belongs to: a package of node_modules, a file of the project, Node's core, or V8's own. */
export function moduleOf(frame: CallFrame): string {
	const url = frame.url;
	if (!url) {
		if (frame.functionName.startsWith("(")) return frame.functionName; // (garbage collector), (program), (idle), (root)
		return "(native / V8 builtins)";
	}
	if (url.startsWith("node:")) return `node:${url.slice(5).replace(/^internal\//, "").split("/")[0]}`;
	const file = url.replace(/^file:\/\//, "");
	const nm = file.lastIndexOf("/node_modules/");
	if (nm >= 0) {
		const rest = file.slice(nm + "/node_modules/".length).split("/");
		return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
	}
	const dist = file.lastIndexOf("/dist/");
	if (dist >= 0) return `project: ${file.slice(dist + "/dist/".length).replace(/\.js$/, ".ts")}`;
	return file;
}

export function summarise(file: string, window?: { fromUs: number; toUs: number }, topN = 25): ProfileSummary {
	const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
	const byId = new Map(profile.nodes.map(n => [n.id, n]));
	const selfByNode = new Map<number, number>();
	let t = profile.startTime;
	// Some samples fall outside the window only if the clocks agree: if none falls inside, the whole profile counts.
	let inside = 0;
	for (let i = 0; i < profile.samples.length; i++) {
		t += profile.timeDeltas[i];
		if (window && (t < window.fromUs || t > window.toUs)) continue;
		inside++;
		const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i];
		selfByNode.set(profile.samples[i], (selfByNode.get(profile.samples[i]) ?? 0) + dt);
	}
	const windowed = !!window && inside > 0;
	if (window && inside === 0) return summarise(file, undefined, topN);
	const mod = new Map<string, number>();
	const fns = new Map<string, { module: string; us: number }>();
	let idle = 0;
	let busy = 0;
	for (const [id, us] of selfByNode) {
		const node = byId.get(id);
		if (!node) continue;
		const m = moduleOf(node.callFrame);
		if (m === "(idle)") {
			idle += us;
			continue;
		}
		busy += us;
		mod.set(m, (mod.get(m) ?? 0) + us);
		const name = `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url ? `${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : ""}`.trim();
		const key = `${m}|${name}`;
		const f = fns.get(key) ?? { module: m, us: 0 };
		f.us += us;
		fns.set(key, f);
	}
	const ms = (us: number) => Math.round(us / 100) / 10;
	return {
		file,
		busyMs: ms(busy),
		idleMs: ms(idle),
		windowed,
		byModule: [...mod.entries()].sort((a, b) => b[1] - a[1]).map(([module, us]) => ({ module, selfMs: ms(us), share: us / busy })),
		top: [...fns.entries()]
			.sort((a, b) => b[1].us - a[1].us)
			.slice(0, topN)
			.map(([key, f]) => ({ fn: key.slice(key.indexOf("|") + 1), module: f.module, selfMs: ms(f.us), share: f.us / busy }))
	};
}

export function printSummary(s: ProfileSummary, modules = 20, fns = 25): string {
	const pct = (v: number) => `${(v * 100).toFixed(1).padStart(5)} %`;
	const lines = [`CPU profile ${s.windowed ? "(load window only)" : "(whole run)"}: ${s.busyMs} ms busy, ${s.idleMs} ms idle — self time by module:`];
	for (const m of s.byModule.slice(0, modules)) lines.push(`  ${pct(m.share)}  ${String(m.selfMs).padStart(8)} ms  ${m.module}`);
	lines.push("top functions by self time:");
	for (const f of s.top.slice(0, fns)) lines.push(`  ${pct(f.share)}  ${String(f.selfMs).padStart(8)} ms  ${f.fn}  [${f.module}]`);
	return lines.join("\n");
}

if (require.main === module) {
	const file = process.argv[2];
	if (!file) {
		console.error("usage: node dist/bench/profile.js <file.cpuprofile>");
		process.exit(2);
	}
	console.log(printSummary(summarise(file)));
}
