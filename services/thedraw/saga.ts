/**
 * The Draw's saga, written down once (domain/saga.ts): every fact with its producer, its consumers and what
 * it undoes; the synchronous step as a typed participant; the pivot and who owns it. The contract test, the
 * docs, the cluster launcher and the chart read it.
 */
import { defineSaga, participant } from "../../domain";
import type { CertifyAnswer, CertifyRequest } from "./auth.domain";
import type { DrawEvents } from "./events";

export type DrawContext = "draw" | "raffle" | "order" | "auth" | "notification" | "mypage";

/** order → auth, inside placing an order: only a buyer certified by their own password buys (timeout, breaker, bulkhead). */
export const certify = participant<CertifyRequest, CertifyAnswer>("thedraw.auth.certify");

const ENTRY = ["entryId", "drawId"] as const;
const ORDER = ["orderId", "entryId", "drawId"] as const;

export const drawSaga = defineSaga<DrawContext, DrawEvents>()({
	keys: ["entryId", "drawId", "orderId"],
	events: {
		EntryApplied: { producer: "draw", consumers: ["raffle"], keys: [...ENTRY] },
		EntryCancelled: { producer: "draw", consumers: ["raffle"], keys: [...ENTRY], compensates: "EntryApplied" },
		EntryStatusChanged: {
			producer: "draw",
			consumers: ["order", "notification", "mypage"],
			keys: [...ENTRY],
			beyondSpec:
				"one fact per change of an entry's status, told by the entry's owner (where a cancel and a win that cross are decided): the SMS (one per change), MyPage and the order context's knowledge of wins follow it, so a cancelled entry is never told it won and can never be bought"
		},
		RaffleRun: { producer: "raffle", consumers: ["draw"], keys: ["drawId"] },
		EntryWon: { producer: "raffle", consumers: ["draw"], keys: [...ENTRY] },
		EntryLost: { producer: "raffle", consumers: ["draw"], keys: [...ENTRY] },
		WinCancelled: { producer: "draw", consumers: ["raffle"], keys: [...ENTRY], compensates: "EntryWon" },
		OrderRequested: { producer: "order", consumers: [], keys: [...ORDER] },
		AuthCertified: { producer: "auth", consumers: ["order"], keys: [...ORDER] },
		AuthCancelled: { producer: "auth", consumers: ["order"], keys: [...ORDER], compensates: "OrderRequested" },
		OrderPlaced: { producer: "order", consumers: ["draw", "mypage"], keys: [...ORDER] },
		OrderCancelled: { producer: "order", consumers: ["draw", "mypage"], keys: [...ORDER], compensates: "OrderPlaced" },
		SmsSent: { producer: "notification", consumers: [], keys: [...ENTRY] }
	},
	steps: {
		// No compensation event: a certification that lands after the caller gave up places nothing (the order
		// request was removed, and auth's AuthCertified finds it removed), and certifying has no effect to undo.
		certify: { caller: "order", owner: "auth", participant: certify }
	},
	pivots: [
		{
			description:
				"the raffle is run: from then on the draw takes no candidates and nothing is re-drawn. There is no synchronous cancel step: entries are accepted and cancelled 24/7 by the draw context, also while the raffle is down; a cancel that crossed the run is undone by compensation where the entry lives (a win reaching an entry cancelled first is cancelled at once: WinCancelled, no re-draw)",
			owner: "raffle",
			event: "RaffleRun"
		}
	]
});
