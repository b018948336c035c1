/** The Draw: each producer's commands and policies, fed with what the other producers told. */
import * as auth from "../../services/thedraw/auth.domain";
import * as draw from "../../services/thedraw/draw.domain";
import type { DrawEvents } from "../../services/thedraw/events";
import { smsFor, smsSent } from "../../services/thedraw/notification.domain";
import * as order from "../../services/thedraw/order.domain";
import * as raffle from "../../services/thedraw/raffle.domain";
import { hmacSha256 } from "../../services/thedraw/raffle.service";
import { recorder, type Produced } from "./recorder";

const T = "2026-01-01T00:00:00.000Z";

export function produces(): Produced[] {
	const { produced, tell, dataOf } = recorder("thedraw");
	const seed = { itemNo: "1111", price: 100000, drawDate: "2021-08-28", size: 275, drawId: "001", drawName: "NIKE jordan 1", userId: "dj14", phone: "01012345678" };

	// draw: apply, cancel
	const e1 = tell("draw", "apply", draw.apply("e1", seed, 1, T));
	const e2 = tell("draw", "apply", draw.apply("e2", { ...seed, userId: "sneakerfan" }, 1, T));
	const e3 = tell("draw", "apply", draw.apply("e3", { ...seed, userId: "late" }, 1, T));
	const cancelled = tell("draw", "cancel", draw.cancel(e3, T, false));

	// raffle: the candidates from the entries' facts, the run, a late entry
	let r = tell("raffle", "onEntryApplied", raffle.onEntryApplied(null, dataOf<DrawEvents["EntryApplied"]>("EntryApplied"), T));
	r = tell("raffle", "onEntryApplied", raffle.onEntryApplied(r, { entryId: e2.id, drawId: "001" }, T));
	const ran = tell("raffle", "run", raffle.run(r, "001", { winners: 1, seed: "contracts" }, T, hmacSha256));
	tell("raffle", "onEntryApplied (late)", raffle.onEntryApplied(ran, { entryId: "e9", drawId: "001" }, T));
	const winnerId = ran.run!.winners[0];
	const [winner, loser] = winnerId === e1.id ? [e1, e2] : [e2, e1];

	// draw: results, the race (a win reaching a cancelled entry), the order's facts
	const won = tell("draw", "onEntryWon", draw.onEntryWon(winner, T));
	tell("draw", "onEntryLost", draw.onEntryLost(loser, T));
	tell("draw", "onEntryWon (cancelled first)", draw.onEntryWon(cancelled, T));

	// order: the win from the entry's status change, a request, its outcomes
	const win = tell("order", "onEntryStatusChanged", { state: order.onEntryStatusChanged(null, dataOf<DrawEvents["EntryStatusChanged"]>("EntryStatusChanged", d => d.status === "won"), T)!.state, events: [] });
	const requested = tell("order", "requestOrder", order.requestOrder("o1", win, T));
	tell("auth", "certify", auth.certify(null, { orderId: "o1", entryId: win.entryId, drawId: "001", userId: win.userId }, true, T));
	tell("auth", "certify (wrong password)", auth.certify(null, { orderId: "o2", entryId: win.entryId, drawId: "001", userId: win.userId }, false, T));
	const placed = tell("order", "placeCertified", order.placeCertified(requested, T));
	tell("order", "cancelOrder", order.cancelOrder(placed, T));

	const purchased = tell("draw", "onOrderPlaced", draw.onOrderPlaced(won, dataOf<DrawEvents["OrderPlaced"]>("OrderPlaced"), T));
	tell("draw", "onOrderCancelled", draw.onOrderCancelled(purchased, dataOf<DrawEvents["OrderCancelled"]>("OrderCancelled"), T));

	// notification: the SMS of a status change, sent
	const sms = { ...smsFor(dataOf<DrawEvents["EntryStatusChanged"]>("EntryStatusChanged")), id: "m1" };
	tell("notification", "sent", { state: sms, events: [{ type: "SmsSent", data: smsSent(sms) }] });
	return produced;
}
