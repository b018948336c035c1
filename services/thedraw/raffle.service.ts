/**
 * thedraw.raffle — one Raffle per draw: its candidates, kept from EntryApplied / EntryCancelled (so entries
 * are taken while this context is down and counted when it returns), the run (admin, once), and the record
 * anyone can recompute (`GET /raffles/:drawId`; `verify` recomputes it: `call thedraw.raffle.verify --drawId 001`
 * in the REPL). The run's results are told in the same write as the run.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { Context, Service } from "moleculer";
import type { AccessRule } from "../../lib/access";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import { policy } from "../../mixins/consume";
import { readRetry } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { requestFields } from "../../middlewares/observability";
import { toMoleculerError } from "../../lib/errors";
import type { DrawEvents } from "./events";
import { DRAW_ID, RUN_PARAMS } from "./params";
import { notRunYet, onEntryApplied, onEntryCancelled, onWinCancelled, run, verify, type HmacSha256, type Raffle, type Verification } from "./raffle.domain";

/** The algorithm's primitive, from node:crypto. */
export const hmacSha256: HmacSha256 = (key, message) => createHmac("sha256", key).update(message).digest();

/** The record of a raffle is for customers to check (it names entries by their opaque ids only). */
const READERS: AccessRule = { roles: ["customer", "admin"] };
const ADMINS: AccessRule = { roles: ["admin"] };

type RaffleService = Service & AggregateMethods<Raffle>;

type EntryKeys = Pick<DrawEvents["EntryApplied"], "entryId" | "drawId">;

const service: ContextSchema<AggregateMethods<Raffle>> = {
	name: "thedraw.raffle",
	mixins: [aggregateStore<Raffle>({ system: "thedraw", entity: "Raffle" })],

	actions: {
		/** The raffle of a draw: its entries, and once run the record (seed, algorithm, sorted candidates, winners). */
		get: {
			auth: READERS,
			retryPolicy: readRetry,
			params: DRAW_ID,
			handler(this: RaffleService, ctx: Context<{ drawId: string }>): Promise<Raffle> {
				return this.loadExisting(ctx.params.drawId);
			}
		},

		/** Runs the raffle of a draw, once (409 the second time, and with no active entry). */
		run: {
			auth: ADMINS,
			params: RUN_PARAMS,
			async handler(this: RaffleService, ctx: Context<{ drawId: string; winners: number; seed?: string }>): Promise<Raffle | null> {
				const { drawId, winners } = ctx.params;
				const seed = ctx.params.seed ?? randomBytes(32).toString("hex");
				const raffle = await this.commit(drawId, current => run(current, drawId, { winners, seed }, new Date().toISOString(), hmacSha256), { ctx });
				if (raffle?.run) this.logger.info(`Raffle of draw ${drawId} run`, requestFields(ctx, { drawId, candidates: raffle.run.candidates.length, winners: raffle.run.winners.length }));
				return raffle;
			}
		},

		/** Recomputes the run from its record alone and says whether the winners match (admin; the REPL: `call thedraw.raffle.verify --drawId 001`). */
		verify: {
			auth: ADMINS,
			retryPolicy: readRetry,
			params: DRAW_ID,
			async handler(this: RaffleService, ctx: Context<{ drawId: string }>): Promise<Verification> {
				const raffle = await this.loadExisting(ctx.params.drawId);
				if (!raffle.run) throw toMoleculerError(notRunYet(raffle.drawId));
				return verify(raffle.drawId, raffle.run, hmacSha256);
			}
		}
	},

	channels: {
		"thedraw.EntryApplied": policy<Raffle, EntryKeys>((cur, e) => onEntryApplied(cur, e.data, e.occurredAt), { key: "drawId", contract: { entryId: "string|empty:false" } }),
		"thedraw.EntryCancelled": policy<Raffle, EntryKeys>((cur, e) => onEntryCancelled(cur, e.data, e.occurredAt), { key: "drawId", contract: { entryId: "string|empty:false" } }),
		"thedraw.WinCancelled": policy<Raffle, EntryKeys>((cur, e) => onWinCancelled(cur, e.data, e.occurredAt), { key: "drawId", contract: { entryId: "string|empty:false" } })
	}
};

export default service;
