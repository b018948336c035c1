/**
 * What a system gives the chaos run (scripts/chaos.ts, docs/chaos.md): its actors and how they drive a saga
 * to its end, and how to read what the system holds afterwards. The core (world.ts, faults.ts, audit.ts,
 * run.ts) is generic: it starts the cluster, runs the customers with the retry protocol, injects the
 * faults, waits for the sagas to settle and checks the invariants every system shares. A new system adds
 * `scripts/chaos/<system>.ts` exporting a `SystemDriver` and one line in `scripts/chaos/drivers.ts`.
 */
import type { AccountEntry } from "../../domain";
import type { Rng } from "./rng";
import type { KeyRecord, World } from "./world";

/** The defects a chaos run counts; each must be 0. */
export const DEFECTS = ["refunded-and-delivered", "503-but-placed", "backwards", "lost", "duplicated", "orphaned"] as const;
export type DefectKind = (typeof DEFECTS)[number];

/** One defect found: what it is, the saga it is about, and what was seen. */
export interface Finding {
	defect: DefectKind;
	/** A short, stable name of the rule broken (e.g. "mypage-status", "placed-not-terminal"). */
	rule: string;
	orderId?: string;
	key?: string;
	detail: string;
}

/** An order (the saga's aggregate in its core context), as the driver reads it. */
export interface SagaState {
	id: string;
	/** The customer (token subject) who placed it. */
	owner: string;
	status: string;
	/** It was established (its placement succeeded) at some point: not PaymentPending nor PaymentFailed. */
	established: boolean;
	/** Nothing more will happen to it (delivered, cancelled, rejected, failed). */
	terminal: boolean;
	/** Its cancel took effect (the order is cancelled by the customer). */
	cancelled: boolean;
}

/** A payment of an order. */
export interface PaymentState {
	id: string;
	orderId: string;
	status: string;
	/** The money is taken and stays taken (approved, not refunded). */
	charged: boolean;
	/** It was taken and given back. */
	refunded: boolean;
}

/** Everything the system holds after the run, read through the API (admin token). */
export interface Snapshot {
	orders: SagaState[];
	payments: PaymentState[];
	/** The other contexts' records of a saga, by kind ("store order", "delivery", "mypage"), with the order each is for. */
	records: Record<string, Array<{ id: string; orderId: string }>>;
	/** The system's own rules: refunded-and-delivered and backwards fields (the generic rules are the core's). */
	findings: Finding[];
}

/** How far the sagas have come, while waiting for them to settle. */
export interface Progress {
	established: number;
	/** Established sagas not terminal yet. */
	open: number;
	/** Placements still waiting for their step (closed as failed after PENDING_PLACEMENT_TIMEOUT_MS). */
	pending: number;
}

export interface CustomerSpec {
	name: string;
	/** A demo account: its token comes from POST /oauth/token (the others' are minted with the identity's key). */
	password?: string;
}

/** An actor's loop (a shop, a rider): runs until `world.finished`. */
export interface Worker {
	name: string;
	run(): Promise<void>;
}

/** Where a new saga stands in the run: its number (0, 1, …; customer `index % customers`) and the world. */
export interface PlacementContext {
	index: number;
	world: World;
}

export interface SystemDriver {
	/** The system's name in services/systems.ts. */
	system: string;
	/** Sagas of a full run (CHAOS_SAGAS overrides). */
	defaultSagas: number;
	/** Full name of the service that places a saga (the scope of its Idempotency-Key ids, mixins/idempotency.ts). */
	placeScope: string;
	/** POST here places a saga (with an Idempotency-Key). */
	placePath: string;
	/** DELETE here cancels one. */
	cancelPath(orderId: string): string;
	customers: readonly CustomerSpec[];
	/** The body of a new saga of `customer` (every random choice from `rnd`). */
	placement(customer: string, rnd: Rng, at: PlacementContext): Record<string, unknown>;
	/**
	 * The ids a key's placement attempts may have created. Default: `attemptIds(placeScope, record)` (the ids
	 * `idFor` derives from the caller and the key, mixins/idempotency.ts); a system whose placements derive
	 * their ids otherwise (The Draw: from the draw, the customer and a generation) gives its own.
	 */
	idsOf?(record: KeyRecord): string[];
	/** Accounts the identity context holds besides the demo ones (customers who need a password of their own). */
	accounts?: readonly AccountEntry[];
	/** Runs once the cluster is up, before the load and the faults (e.g. the products the customers will order). */
	setup?(world: World, run: { sagas: number }): Promise<void>;
	/** The share of placed sagas their customer cancels, and when: a random delay after the 201. */
	cancelShare: number;
	cancelDelayMs: readonly [number, number];
	/** Cluster environment the system needs beyond the run's defaults. */
	env?: Record<string, string>;
	/** The other actors (shops, riders), running while the customers place and until the sagas settle. */
	workers(world: World): Worker[];
	progress(world: World): Promise<Progress>;
	snapshot(world: World): Promise<Snapshot>;
}
