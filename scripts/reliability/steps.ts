/**
 * How the reliability suite reaches each synchronous step of a saga table (scenarios step-down, step-saturated, step-slow): per system
 * and step (the names of `saga.steps`), what one request through the gateway is that makes the caller call
 * the step, and what has to exist first. The suite faults the step's owner (down, saturated, slow) and fires
 * the prepared shots; every shot is recorded where the chaos audit reads it (the ledger, or the driver's own
 * records), so that after settling the audit finds any side effect a refused or failed shot left behind.
 */
import type { Entry } from "../../services/thedraw/draw.domain";
import type { SystemDriver } from "../chaos/driver";
import { customerActor } from "../chaos/run";
import { drawOf, purchaseOf, type OrderRequest } from "../chaos/thedraw";
import type { HttpResult, KeyRecord, World } from "../chaos/world";

/** One request that makes the caller call the step, sent once (no retry). */
export type Shot = () => Promise<HttpResult>;

/** What the suite lends an exercise while it prepares its shots. */
export interface ExerciseRun {
	readonly world: World;
	readonly driver: SystemDriver;
	/** `count` new saga numbers, the first a multiple of `align` (The Draw: a draw is one saga of each customer). */
	sagas(count: number, align?: number): number[];
	/** Saga `i` placed by its customer with the retry protocol (in the ledger). */
	place(i: number): Promise<KeyRecord>;
	/** Saga `i`'s placement sent once: in the ledger as its answer says (201 placed, 503 given up, 504 or none unknown). */
	placeOnce(i: number): Promise<HttpResult>;
	/** Every consumer has been delivered everything (JetStream). */
	drained(): Promise<void>;
	/** Runs `fn` while the step's owner is stopped, then starts it again (its usual config). */
	ownerDown<T>(fn: () => Promise<T>): Promise<T>;
}

export interface StepExercise {
	/** What one shot is, for the report. */
	what: string;
	/** The statuses of a shot that mean the step answered on its merits: done, or refused as the domain says. */
	answered: readonly number[];
	/**
	 * The statuses the caller may answer on its own, before the step (the saga moved on meanwhile: a mall order
	 * rejected for want of stock refuses its cancel, 409): such a shot never reached the step and is not judged.
	 */
	refusals?: readonly number[];
	/** `n` shots, with what each needs made first (while the owner runs as usual). */
	prepare(run: ExerciseRun, n: number): Promise<Shot[]>;
}

/** `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, width = 4): Promise<R[]> {
	const out: R[] = [];
	for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
	return out;
}

/** Sagas placed (201) for shots that act on them; a placement that did not end 201 is an error of the preparation. */
async function placed(run: ExerciseRun, n: number): Promise<KeyRecord[]> {
	const records = await inBatches(run.sagas(n), i => run.place(i));
	const failed = records.filter(r => r.final !== "placed");
	if (failed.length > 0) throw new Error(`preparing: ${failed.length} placements did not end 201 (${failed.map(r => r.answers.join(",")).join("; ")})`);
	return records;
}

/** The customer who placed `record`. */
function ownerOf(run: ExerciseRun, record: KeyRecord) {
	const spec = run.driver.customers.find(c => c.name === record.customer);
	if (!spec) throw new Error(`no customer ${record.customer}`);
	return customerActor(run.world, spec);
}

/** The customer cancels the saga of `record`, once (its answer kept where the audit reads it). */
function cancelShot(run: ExerciseRun, record: KeyRecord): Shot {
	return async () => {
		const cancel: NonNullable<KeyRecord["cancel"]> = { at: Date.now(), answers: [] };
		record.cancel = cancel;
		const res = await run.world.as(ownerOf(run, record), { method: "DELETE", path: run.driver.cancelPath(record.placedIds[0]) });
		cancel.answers.push(res.status);
		cancel.final = res.status;
		return res;
	};
}

/** The placing request itself: its step is called inside it (pay). */
const placing: StepExercise = {
	what: "a placement (POST with an Idempotency-Key), whose step is called inside it",
	answered: [201],
	async prepare(run, n) {
		return run.sagas(n).map(i => () => run.placeOnce(i));
	}
};

/** The cancel of a placed saga, which the pivot's owner accepts or refuses (cancelDelivery). */
const cancelling: StepExercise = {
	what: "the customer's cancel of a placed saga (DELETE), asked of the pivot's owner",
	answered: [200, 409],
	refusals: [409],
	async prepare(run, n) {
		return (await placed(run, n)).map(record => cancelShot(run, record));
	}
};

const DRAW = "/api/thedraw";

/** The Draw's checkout of a won entry (certify): entries applied to fresh draws, each raffle run with every entry a winner. */
const checkout: StepExercise = {
	what: "a winner's checkout (POST /orders with the password), certified by auth",
	answered: [201],
	async prepare(run, n) {
		const { world, driver } = run;
		const perDraw = driver.customers.length;
		const passwords = new Map(driver.customers.map(c => [c.name, c.password ?? ""]));
		const shots: Shot[] = [];
		while (shots.length < n) {
			const sagas = run.sagas(perDraw, perDraw);
			const drawId = drawOf(sagas[0]);
			await inBatches(sagas, i => run.place(i));
			// The raffle counts the entries it has heard of: all of them, once delivered.
			await run.drained();
			const ran = await world.command(world.admin(), "raffle", { method: "POST", path: `${DRAW}/raffles/${drawId}/run`, body: { winners: perDraw, seed: `reliability-${world.opts.seed}-${drawId}` } });
			if (ran.status !== 200 && !(ran.status === 409 && ran.body?.data?.status === "run")) throw new Error(`preparing: raffle ${drawId} answered ${ran.status}: ${JSON.stringify(ran.body)}`);
			// The order context knows a win from the entry's status change: every one delivered.
			await run.drained();
			const won = await world.listAll<Entry & Record<string, unknown>>(world.admin(), `${DRAW}/draws?drawId=${drawId}&status=won`);
			for (const e of won.slice(0, n - shots.length)) {
				const password = passwords.get(e.userId) ?? "";
				shots.push(async () => {
					const p = purchaseOf(world, e.id);
					const req: OrderRequest = { key: `reliability-${world.opts.seed}-thedraw-order-${e.id}-buy`, customer: e.userId, entryId: e.id, kind: "buy", answers: [], placedIds: [] };
					p.requests.push(req);
					const res = await world.as(world.login(e.userId, password), { method: "POST", path: `${DRAW}/orders`, body: { entryId: e.id, userPassword: password }, headers: { "Idempotency-Key": req.key } });
					req.answers.push(res.status);
					req.lastRefusal = res.status === 409 ? String(res.body?.data?.status) : undefined;
					if (res.status === 201) {
						const id = String(res.body?.id);
						req.placedIds.push(id);
						p.orderId = id;
						p.placedAt = Date.now();
						p.done = true;
					}
					return res;
				});
			}
			if (won.length === 0) throw new Error(`preparing: raffle ${drawId} ran, and no entry won`);
		}
		return shots;
	}
};

const WAREHOUSE = "/api/warehouse";
const staffOf = (world: World) => world.login("whstaff", "whstaff-demo-pw");

/** The warehouse's receive of a requested delivery (book: the stock is booked in the same step). */
const receiving: StepExercise = {
	what: "staff's receive of a requested delivery (POST …/receive), booked by the warehouse",
	answered: [200],
	async prepare(run, n) {
		const records = await placed(run, n);
		return records.map(record => () => run.world.as(staffOf(run.world), { method: "POST", path: `${WAREHOUSE}/deliveries/${record.placedIds[0]}/receive` }));
	}
};

/**
 * The customer's cancel of a delivery the warehouse was asked to book (cancelDelivery): each delivery is
 * received once while the warehouse is down (503: nothing booked, but from then on only the warehouse may
 * decide its cancel), then the shot cancels it.
 */
const cancellingAsked: StepExercise = {
	what: "the customer's cancel (DELETE) of a delivery whose receive was tried while the warehouse was down",
	answered: [200, 409],
	refusals: [409],
	async prepare(run, n) {
		const records = await placed(run, n);
		const tried = await run.ownerDown(() => inBatches(records, r => run.world.as(staffOf(run.world), { method: "POST", path: `${WAREHOUSE}/deliveries/${r.placedIds[0]}/receive` })));
		const odd = tried.filter(res => res.status !== 503);
		if (odd.length > 0) throw new Error(`preparing: a receive with the warehouse down answered ${odd.map(r => r.status).join(",")}, expected 503`);
		return records.map(record => cancelShot(run, record));
	}
};

/** Per system (services/systems.ts) and step of its saga table: how the suite reaches it. */
export const STEP_EXERCISES: Readonly<Record<string, Readonly<Record<string, StepExercise>>>> = {
	flowerdelivery: { pay: placing, cancelDelivery: cancelling },
	fishdelivery: { pay: placing, cancelDelivery: cancelling },
	productorder: { pay: placing, cancelDelivery: cancelling },
	thedraw: { certify: checkout },
	warehouse: { book: receiving, cancelDelivery: cancellingAsked }
};
