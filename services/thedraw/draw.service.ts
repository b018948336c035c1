/**
 * thedraw.draw — the core context: customers apply to draws and cancel their entries, 24/7 (no other context
 * is called), and read their entries and results. The entry's status is decided here, from the customer's
 * commands and the facts of the raffle and the order context; every change is told (EntryStatusChanged).
 * The context learns that a draw's raffle has run from events only (RaffleRun, or any of its results) and
 * then refuses new entries and cancels (409).
 */
import { createHash } from "node:crypto";
import { Errors, type Context, type Service, type ServiceSettingSchema } from "moleculer";
import type { ContextResponseMeta } from "moleculer-web";
import type { DomainEvent } from "../../domain";
import { requireParam, type AccessRule } from "../../lib/access";
import { invalidField, toMoleculerError } from "../../lib/errors";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { consume, policy } from "../../mixins/consume";
import { callerOf, creatingRequest } from "../../mixins/idempotency";
import { idParam, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import type { AggregateDoc } from "../../mixins/store";
import { Collection } from "./collections";
import { alreadyApplied, apply, cancel, drawClosed, isActive, isCalendarDate, onEntryLost, onEntryWon, onOrderCancelled, onOrderPlaced, type ApplyInput, type Entry } from "./draw.domain";
import type { DrawEvents } from "./events";
import { ENTRY_PARAMS } from "./params";

const LIST: ListSpec = { filters: { drawId: "string", status: "string", userId: "string" }, sortable: ["createdAt", "updatedAt", "generation"], defaultSort: "-createdAt" };

/** A customer applies, reads and cancels their own entries (the token's subject is the entry's `userId`). */
const OWN_ENTRIES: AccessRule = { roles: ["customer", "admin"], owner: "userId" };

interface DrawMethods {
	/** Whether this context has heard that the raffle of `drawId` has run. */
	isDrawn(drawId: string): Promise<boolean>;
	markDrawn(drawId: string, ranAt: string): Promise<void>;
}

interface DrawVars {
	drawn: Collection;
	/** Draws known to have run (a fact that never goes back): no lookup once seen. */
	drawnCache: Set<string>;
}

type DrawService = Service & AggregateMethods<Entry> & DrawMethods & DrawVars;

/**
 * The id of a customer's `generation`-th entry in a draw: a UUID-shaped SHA-256 of the three. Two concurrent
 * applies of one customer to one draw compute the same id, and the second insert collides (409); after a
 * cancel, the next application is the next generation.
 */
export function entryIdFor(drawId: string, userId: string, generation: number): string {
	const h = createHash("sha256").update(`thedraw.entry\n${drawId}\n${userId}\n${generation}`).digest("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function created(ctx: Context<unknown, ContextResponseMeta>, entry: Entry): Entry {
	ctx.meta.$statusCode = 201;
	ctx.meta.$location = `/api/thedraw/draws/${entry.id}`;
	return entry;
}

/** A raffle result reached the draw context: the draw has run (for later applies and cancels), and the entry learns its result. */
function result(decide: (current: Entry | null, now: string) => ReturnType<typeof onEntryWon>) {
	return consume<DrawService, DrawEvents["EntryWon"]>(
		async function (this: DrawService, event: DomainEvent<DrawEvents["EntryWon"]>, ctx) {
			await this.markDrawn(event.data.drawId, event.occurredAt);
			await this.commit(event.data.entryId, current => decide(current, event.occurredAt), { ctx, causationId: event.id });
		},
		{ key: "entryId", contract: { drawId: "string|empty:false" } }
	);
}

const service: ContextSchema<AggregateMethods<Entry> & DrawMethods, ServiceSettingSchema, DrawVars> = {
	name: "thedraw.draw",
	mixins: [aggregateStore<Entry>({ system: "thedraw", entity: "Entry", list: LIST, read: OWN_ENTRIES })],

	actions: {
		/** The seed's `POST /draws`: one active entry per customer and draw (409), none once the raffle has run (409). */
		apply: {
			auth: OWN_ENTRIES,
			params: ENTRY_PARAMS,
			async handler(this: DrawService, ctx: Context<ApplyInput, ContextResponseMeta>): Promise<Entry> {
				const p = ctx.params;
				const userId = requireParam(p.userId, "userId");
				if (!isCalendarDate(p.drawDate)) throw invalidField("drawDate", "The 'drawDate' field must be a calendar date (YYYY-MM-DD).", p.drawDate);
				const input: ApplyInput = { itemNo: p.itemNo, price: p.price, drawDate: p.drawDate, size: p.size, drawId: p.drawId, drawName: p.drawName, userId, ...(p.phone !== undefined ? { phone: p.phone } : {}) };
				// The customer's entries in this draw, by their derived ids: generation 1, 2, … up to the active one (no scan).
				const mine: AggregateDoc<Entry>[] = [];
				for (let generation = 1; ; generation++) {
					const doc = await this.loadDoc(entryIdFor(p.drawId, userId, generation));
					if (!doc) break;
					mine.push(doc);
					if (isActive(doc.state)) break;
				}

				// A repeat of a request with its Idempotency-Key answers the entry it made, whatever happened since.
				const request = creatingRequest(ctx);
				if (request) {
					for (const doc of mine) {
						if (doc.request?.caller !== callerOf(ctx) || doc.request.key !== request.key) continue;
						if (doc.request.fingerprint !== request.fingerprint) throw invalidField("Idempotency-Key", "The Idempotency-Key was used with another request: send a new key for a new request");
						return created(ctx, doc.state);
					}
				}
				if (await this.isDrawn(p.drawId)) throw toMoleculerError(drawClosed(p.drawId));
				const latest = mine.at(-1)?.state;
				if (latest && isActive(latest)) throw toMoleculerError(alreadyApplied(latest));

				const generation = (latest?.generation ?? 0) + 1;
				const id = entryIdFor(p.drawId, userId, generation);
				try {
					const { state } = await this.create(id, ctx, now => apply(id, input, generation, now));
					return created(ctx, state);
				} catch (err) {
					// Applied concurrently (the same id): the other request won.
					if (err instanceof Errors.MoleculerError && err.type === "ALREADY_EXISTS") {
						const existing = await this.loadState(id);
						if (existing) throw toMoleculerError(alreadyApplied(existing));
					}
					throw err;
				}
			}
		},

		/** The customer cancels the entry: until the raffle has run (409 with the current status after that). */
		cancel: {
			auth: OWN_ENTRIES,
			params: idParam,
			async handler(this: DrawService, ctx: Context<{ id: string }>): Promise<Entry | null> {
				const entry = await this.loadExisting(ctx.params.id);
				const raffleRun = await this.isDrawn(entry.drawId);
				return this.command(ctx.params.id, ctx, (current, now) => cancel(current, now, raffleRun));
			}
		}
	},

	channels: {
		"thedraw.RaffleRun": consume<DrawService, Pick<DrawEvents["RaffleRun"], "drawId">>(
			async function (this: DrawService, event: DomainEvent<Pick<DrawEvents["RaffleRun"], "drawId">>) {
				await this.markDrawn(event.data.drawId, event.occurredAt);
			},
			{ key: "drawId" }
		),
		"thedraw.EntryWon": result(onEntryWon),
		"thedraw.EntryLost": result(onEntryLost),
		"thedraw.OrderPlaced": policy<Entry, Pick<DrawEvents["OrderPlaced"], "entryId" | "orderId">>((cur, e) => onOrderPlaced(cur, e.data, e.occurredAt), { key: "entryId", contract: { orderId: "string|empty:false" } }),
		"thedraw.OrderCancelled": policy<Entry, Pick<DrawEvents["OrderCancelled"], "entryId" | "orderId">>((cur, e) => onOrderCancelled(cur, e.data, e.occurredAt), { key: "entryId", contract: { orderId: "string|empty:false" } })
	},

	methods: {
		async isDrawn(this: DrawService, drawId: string): Promise<boolean> {
			if (this.drawnCache.has(drawId)) return true;
			const known = await this.drawn.has(drawId);
			if (known) this.drawnCache.add(drawId);
			return known;
		},

		async markDrawn(this: DrawService, drawId: string, ranAt: string): Promise<void> {
			if (this.drawnCache.has(drawId)) return;
			await this.drawn.insertOnce({ _id: drawId, drawId, ranAt });
			this.drawnCache.add(drawId);
		}
	},

	created(this: DrawService) {
		this.drawn = new Collection(`${this.fullName}.drawn`);
		this.drawnCache = new Set();
	},

	async started(this: DrawService) {
		await this.drawn.open(this);
	},

	async stopped(this: DrawService) {
		await this.drawn.close();
	}
};

export default service;
