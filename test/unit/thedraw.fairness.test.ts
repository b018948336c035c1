/**
 * The raffle is fair: over many runs with deterministic seeds (`fairness-<n>`), every candidate wins at the
 * expected rate, every candidate is first drawn at the expected rate, and every order of the winners is
 * equally likely — each checked by a chi-square test at the 0.1 % significance level. The seeds are fixed,
 * so the statistics are the same on every run: the test never flakes. A classic biased shuffle fails the
 * same test (the test can fail).
 */
import { drawWinners, randomStream, uniformBelow, type HmacSha256 } from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";

/** Upper critical values of chi-square at α = 0.001, by degrees of freedom. */
const CRITICAL_0_001: Record<number, number> = { 5: 20.515, 6: 22.458, 9: 27.877, 19: 43.82 };

function chiSquare(observed: number[], expected: number): number {
	return observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
}

const candidates = (n: number) => Array.from({ length: n }, (_, i) => `entry-${String(i).padStart(3, "0")}`);

function counts(n: number, runs: number, pick: (seed: string, ids: string[]) => string[], key: (winners: string[]) => string[]): Map<string, number> {
	const ids = candidates(n);
	const m = new Map<string, number>();
	for (let r = 0; r < runs; r++) for (const k of key(pick(`fairness-${r}`, ids))) m.set(k, (m.get(k) ?? 0) + 1);
	return m;
}

const report: Record<string, string> = {};
afterAll(() => console.log("raffle fairness (chi-square, alpha 0.001):", report));

describe("the raffle's fairness (chi-square at alpha = 0.001, deterministic seeds)", () => {
	it("20,000 runs, 3 winners among 10: each candidate wins 6,000 times expected", () => {
		const runs = 20000;
		const wins = counts(10, runs, (seed, ids) => drawWinners(seed, ids, 3, hmacSha256), w => w);
		const observed = candidates(10).map(id => wins.get(id) ?? 0);
		expect(observed.reduce((a, b) => a + b, 0)).toBe(runs * 3);
		const stat = chiSquare(observed, (runs * 3) / 10);
		report["wins, 10 candidates, 3 winners, 20000 runs (df 9, critical 27.877)"] = stat.toFixed(3);
		expect(stat).toBeLessThan(CRITICAL_0_001[9]);
	});

	it("20,000 runs, 1 winner among 20: each candidate wins 1,000 times expected", () => {
		const runs = 20000;
		const wins = counts(20, runs, (seed, ids) => drawWinners(seed, ids, 1, hmacSha256), w => w);
		const stat = chiSquare(candidates(20).map(id => wins.get(id) ?? 0), runs / 20);
		report["wins, 20 candidates, 1 winner, 20000 runs (df 19, critical 43.82)"] = stat.toFixed(3);
		expect(stat).toBeLessThan(CRITICAL_0_001[19]);
	});

	it("14,000 runs among 7 (not a power of two: no modulo bias): the first drawn is uniform", () => {
		const runs = 14000;
		const first = counts(7, runs, (seed, ids) => drawWinners(seed, ids, 2, hmacSha256), w => [w[0]]);
		const stat = chiSquare(candidates(7).map(id => first.get(id) ?? 0), runs / 7);
		report["first drawn, 7 candidates, 14000 runs (df 6, critical 22.458)"] = stat.toFixed(3);
		expect(stat).toBeLessThan(CRITICAL_0_001[6]);
	});

	it("18,000 full shuffles of 3: the 6 orders are equally likely — and a classic biased shuffle fails the same test", () => {
		const runs = 18000;
		const orders = counts(3, runs, (seed, ids) => drawWinners(seed, ids, 3, hmacSha256), w => [w.join(",")]);
		expect(orders.size).toBe(6);
		const stat = chiSquare([...orders.values()], runs / 6);
		report["orders of 3, 18000 runs (df 5, critical 20.515)"] = stat.toFixed(3);
		expect(stat).toBeLessThan(CRITICAL_0_001[5]);

		// The naive shuffle (swap i with any position) over the same stream: its bias is caught.
		const naive = (seed: string, ids: string[], hmac: HmacSha256) => {
			const a = [...ids];
			const next = randomStream(seed, hmac);
			for (let i = 0; i < a.length; i++) {
				const j = uniformBelow(a.length, next);
				[a[i], a[j]] = [a[j], a[i]];
			}
			return a;
		};
		const biased = counts(3, runs, (seed, ids) => naive(seed, ids, hmacSha256), w => [w.join(",")]);
		const biasedStat = chiSquare([...biased.values()], runs / 6);
		report["orders of 3 by a naive (biased) shuffle (df 5)"] = biasedStat.toFixed(3);
		expect(biasedStat).toBeGreaterThan(CRITICAL_0_001[5]);
	});
});
