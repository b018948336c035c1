/**
 * Faults while the load runs, one at a time, at random moments (every `everyMs` ± half of it):
 * - SIGKILL of a context process (each context of the system in turn, in a seeded random order), restarted
 *   after a short random pause;
 * - nats-server stopped and started again, once (every context loses its transporter and its channels);
 * - the gateway killed (SIGKILL) and restarted, once (clients see connections refused and reset).
 * Each fault is counted by kind and logged with its timing.
 */
import type { ContextSpec, LocalCluster } from "../cluster";
import type { Rng } from "./rng";
import { sleep } from "./world";

export interface FaultOptions {
	/** Mean time between two faults. */
	everyMs: number;
	/** How long a killed context stays down. */
	downMs: readonly [number, number];
	/** How long nats-server stays down. */
	natsDownMs: readonly [number, number];
	/** Which fault (1st, 2nd, …) is the NATS restart and which the gateway's; 0 = none. */
	natsAt: number;
	gatewayAt: number;
	/** Kills owed if the load ended before this many (done while the actors finish the sagas). */
	minKills: number;
}

export interface FaultEvent {
	kind: "kill" | "nats-restart" | "gateway-restart";
	target: string;
	/** Milliseconds since the run started. */
	at: number;
	downMs: number;
	/** How long the restart took until /ready (or the port) answered. */
	restartMs: number;
}

export class FaultInjector {
	readonly events: FaultEvent[] = [];
	private bag: string[] = [];
	private stopped = false;
	private sleeping?: { wake: () => void };

	constructor(
		private readonly cluster: LocalCluster,
		private readonly specs: readonly ContextSpec[],
		/** The contexts that may be killed (the system's own). */
		private readonly victims: readonly string[],
		private readonly rnd: Rng,
		private readonly opts: FaultOptions,
		private readonly started: number,
		private readonly log: (line: string) => void
	) {}

	/** Faults by kind: "kill <context>", "nats-restart", "gateway-restart". */
	counts(): Record<string, number> {
		const out: Record<string, number> = {};
		for (const e of this.events) {
			const name = e.kind === "kill" ? `kill ${e.target}` : e.kind;
			out[name] = (out[name] ?? 0) + 1;
		}
		return out;
	}

	get kills(): number {
		return this.events.filter(e => e.kind === "kill").length;
	}

	/** Injects faults until `stop()`; the one under way finishes (its context restarted) first. */
	async run(): Promise<void> {
		while (!this.stopped) {
			await this.pause(this.rnd.between(this.opts.everyMs / 2, (this.opts.everyMs * 3) / 2));
			if (this.stopped) break;
			await this.inject(this.nextKind());
		}
	}

	stop(): void {
		this.stopped = true;
		this.sleeping?.wake();
	}

	/** The faults the run promised (the NATS and gateway restarts, `minKills` kills), if the load ended before their turn. */
	async owed(): Promise<void> {
		if (this.opts.natsAt > 0 && !this.events.some(e => e.kind === "nats-restart")) await this.inject("nats-restart");
		if (this.opts.gatewayAt > 0 && !this.events.some(e => e.kind === "gateway-restart")) await this.inject("gateway-restart");
		while (this.kills < this.opts.minKills) {
			await sleep(this.rnd.between(this.opts.everyMs / 4, this.opts.everyMs / 2));
			await this.inject("kill");
		}
	}

	private nextKind(): FaultEvent["kind"] {
		const n = this.events.length + 1;
		if (n >= this.opts.natsAt && this.opts.natsAt > 0 && !this.events.some(e => e.kind === "nats-restart")) return "nats-restart";
		if (n >= this.opts.gatewayAt && this.opts.gatewayAt > 0 && !this.events.some(e => e.kind === "gateway-restart")) return "gateway-restart";
		return "kill";
	}

	private async pause(ms: number): Promise<void> {
		await new Promise<void>(resolve => {
			const timer = setTimeout(resolve, ms);
			this.sleeping = {
				wake: () => {
					clearTimeout(timer);
					resolve();
				}
			};
		});
		this.sleeping = undefined;
	}

	private async inject(kind: FaultEvent["kind"]): Promise<void> {
		const at = Date.now() - this.started;
		if (kind === "nats-restart") {
			const downMs = Math.round(this.rnd.between(...this.opts.natsDownMs));
			this.log(`fault: nats-server stopped for ${downMs} ms`);
			await this.cluster.stopNats();
			await sleep(downMs);
			const t = Date.now();
			await this.cluster.startNats();
			this.events.push({ kind, target: "nats-server", at, downMs, restartMs: Date.now() - t });
			return;
		}
		const target = kind === "gateway-restart" ? "gateway" : this.nextVictim();
		const spec = this.specs.find(s => s.name === target);
		if (!spec) throw new Error(`no context ${target} in the cluster`);
		const downMs = Math.round(this.rnd.between(...this.opts.downMs));
		this.log(`fault: kill -9 ${target}, down for ${downMs} ms`);
		await this.cluster.stop(target, "SIGKILL");
		await sleep(downMs);
		const t = Date.now();
		await this.restart(spec);
		this.events.push({ kind, target, at, downMs, restartMs: Date.now() - t });
	}

	/** Starts a killed context again (a start that times out on a busy machine is tried again). */
	private async restart(spec: ContextSpec): Promise<void> {
		for (let attempt = 1; ; attempt++) {
			try {
				await this.cluster.start(spec);
				return;
			} catch (err) {
				if (attempt >= 3) throw err;
				this.log(`restart of ${spec.name} failed (${(err as Error).message.split("\n")[0]}); trying again`);
				await this.cluster.stop(spec.name, "SIGKILL");
			}
		}
	}

	/** Every context in turn, in a random order per round, so each one is killed as often as the others. */
	private nextVictim(): string {
		if (this.bag.length === 0) this.bag = this.rnd.shuffle(this.victims);
		return this.bag.shift()!;
	}
}
