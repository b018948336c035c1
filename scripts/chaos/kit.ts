/**
 * Helpers for the systems' drivers: an actor's polling loop, and a builder of findings for the rules a
 * driver checks on its snapshot (statuses that must agree, timestamps that must not be older than the facts).
 */
import type { DefectKind, Finding, Worker } from "./driver";
import type { Rng } from "./rng";
import { sleep, type World } from "./world";

/** A worker that runs `round` again and again (after a random pause of `pauseMs`) until the world is finished. */
export function loop(world: World, name: string, pauseMs: readonly [number, number], round: (rnd: Rng) => Promise<void>): Worker {
	const rnd = world.rng(`worker:${name}`);
	return {
		name,
		async run() {
			while (!world.finished) {
				try {
					await round(rnd);
				} catch (err) {
					world.counters.add(`figure.worker errors (${name})`);
					if (world.counters.get(`figure.worker errors (${name})`) <= 3) world.opts.log(`worker ${name}: ${(err as Error).message}`);
				}
				await sleep(rnd.between(...pauseMs));
			}
		}
	};
}

/**
 * The rows of a list an actor gets to in this round: each with probability `share`, in a random order —
 * so how long a saga waits at each step varies, and cancels meet it at every step.
 */
export function attend<T>(rnd: Rng, res: { status: number; body: { rows: T[] } }, share = 0.6): T[] {
	return res.status === 200 ? rnd.shuffle(res.body.rows).filter(() => rnd.chance(share)) : [];
}

/** Rows by their order id (the last one wins; duplicates are the core's to count). */
export function byOrder<T extends { orderId: string }>(rows: readonly T[]): Map<string, T> {
	return new Map(rows.map(r => [r.orderId, r]));
}

interface Timed {
	createdAt?: string;
	updatedAt?: string;
}

/** Collects findings about one order. */
export class Rules {
	readonly findings: Finding[] = [];

	add(defect: DefectKind, rule: string, orderId: string, detail: string): void {
		this.findings.push({ defect, rule, orderId, detail });
	}

	/** `what` of `orderId` must be `expected` (undefined reads as "none"). */
	same(defect: DefectKind, rule: string, orderId: string, what: string, actual: unknown, expected: unknown): void {
		if ((actual ?? "none") !== (expected ?? "none")) this.add(defect, rule, orderId, `${what}: ${String(actual ?? "none")}, expected ${String(expected ?? "none")}`);
	}

	/** `actual` must be one of `allowed`. */
	oneOf(defect: DefectKind, rule: string, orderId: string, what: string, actual: unknown, allowed: readonly unknown[]): void {
		if (!allowed.includes(actual ?? "none")) this.add(defect, rule, orderId, `${what}: ${String(actual ?? "none")}, expected ${allowed.map(String).join(" or ")}`);
	}

	/** Every record's createdAt ≤ updatedAt. */
	ordered(orderId: string, records: Record<string, Timed | undefined>): void {
		for (const [name, r] of Object.entries(records)) {
			if (r?.createdAt && r.updatedAt && r.updatedAt < r.createdAt) this.add("backwards", "updated-before-created", orderId, `${name}: createdAt ${r.createdAt} > updatedAt ${r.updatedAt}`);
		}
	}

	/** `reader` (who learned the facts of `sources`) must not be older than any of them. */
	notOlder(orderId: string, readerName: string, reader: Timed | undefined, sources: Record<string, Timed | undefined>): void {
		if (!reader?.updatedAt) return;
		for (const [name, s] of Object.entries(sources)) {
			if (s?.updatedAt && reader.updatedAt < s.updatedAt) this.add("backwards", `${readerName}-older-than-${name}`, orderId, `${readerName}.updatedAt ${reader.updatedAt} < ${name}.updatedAt ${s.updatedAt}`);
		}
	}
}
