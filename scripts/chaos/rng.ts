/**
 * Deterministic randomness for the chaos run: every random choice (which process dies, how long it stays
 * down, what a customer orders, whether it cancels and when, what the shop decides) is drawn from a PRNG
 * seeded by CHAOS_SEED. Each actor and each saga draws from its own stream (`fork(name)`), so the choices
 * made for saga 17 or for the fault schedule do not depend on how the actors' requests interleaved: the
 * same seed makes the same choices (the timings of a real cluster still differ from run to run).
 */

/** A 32-bit hash of a string (xmur3), the seed of a stream. */
function hash32(text: string): number {
	let h = 1779033703 ^ text.length;
	for (let i = 0; i < text.length; i++) {
		h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
		h = (h << 13) | (h >>> 19);
	}
	h = Math.imul(h ^ (h >>> 16), 2246822507);
	h = Math.imul(h ^ (h >>> 13), 3266489909);
	return (h ^= h >>> 16) >>> 0;
}

export interface Rng {
	/** The seed this stream was made from ("<seed>/<name>…"). */
	readonly name: string;
	/** A float in [0, 1). */
	next(): number;
	/** true with probability `p`. */
	chance(p: number): boolean;
	/** An integer in [min, max] (both included). */
	int(min: number, max: number): number;
	/** A float in [min, max). */
	between(min: number, max: number): number;
	/** One element of a non-empty list. */
	pick<T>(items: readonly T[]): T;
	/** A shuffled copy (Fisher–Yates). */
	shuffle<T>(items: readonly T[]): T[];
	/** An independent stream named after this one and `name`. */
	fork(name: string): Rng;
}

/** sfc32, a small fast PRNG with a 128-bit state, seeded from `name`. */
export function rng(name: string): Rng {
	let a = hash32(`${name}#a`);
	let b = hash32(`${name}#b`);
	let c = hash32(`${name}#c`);
	let d = hash32(`${name}#d`);
	const next = (): number => {
		a >>>= 0;
		b >>>= 0;
		c >>>= 0;
		d >>>= 0;
		let t = (a + b) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		d = (d + 1) | 0;
		t = (t + d) | 0;
		c = (c + t) | 0;
		return (t >>> 0) / 4294967296;
	};
	for (let i = 0; i < 12; i++) next(); // mix the state
	const self: Rng = {
		name,
		next,
		chance: p => next() < p,
		int: (min, max) => min + Math.floor(next() * (max - min + 1)),
		between: (min, max) => min + next() * (max - min),
		pick: items => items[Math.floor(next() * items.length)],
		shuffle: items => {
			const out = [...items];
			for (let i = out.length - 1; i > 0; i--) {
				const j = Math.floor(next() * (i + 1));
				[out[i], out[j]] = [out[j], out[i]];
			}
			return out;
		},
		fork: child => rng(`${name}/${child}`)
	};
	return self;
}
