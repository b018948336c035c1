/**
 * What The Draw's answers look like, once per context (the routes, params, security and errors of the
 * OpenAPI document are generated: lib/openapi.ts). Each schema is checked against the domain's type: a field
 * added to `Entry` and not here does not compile, and the HTTP contract test validates real answers.
 */
import { s, type ApiDocs } from "../../lib/openapi";
import type { MessageRecord } from "../../mixins/notifications.mixin";
import type { Entry } from "./draw.domain";
import type { EntryStatus } from "./events";
import type { MyPageOrderStatus, MyPageRow } from "./mypage.view";
import type { SmsFields } from "./notification.domain";
import type { Order, OrderStatus } from "./order.domain";
import type { Raffle, RaffleRecord, RaffleStatus, Verification } from "./raffle.domain";

const ENTRY_STATUS = s.oneOf<EntryStatus>({ applied: true, cancelled: true, won: true, lost: true, purchased: true, winCancelled: true });
const WIN = s.untyped<boolean | null>({ type: ["boolean", "null"], description: "The result: null before the raffle (and for a cancelled entry), then true (won) or false (lost)." });
const ids = (description: string) => s.array(s.string(), { description });

const entry = s.object<Entry>({
	id: s.string({ description: "The entry id (entryId): derived from the draw, the customer and the generation." }),
	itemNo: s.string({ description: 'The item, kept as given ("1111").' }),
	price: s.number({ minimum: 0 }),
	drawDate: s.string({ format: "date" }),
	size: s.integer({ minimum: 200, maximum: 330, description: "Shoe size, mm." }),
	drawId: s.string({ description: 'The draw, kept as given ("001").' }),
	drawName: s.string(),
	userId: s.string({ description: "The customer." }),
	phone: s.optional(s.string({ description: "Where the SMS go." })),
	generation: s.integer({ minimum: 1, description: "1 for the customer's first entry in the draw, 2 after a cancel and a new application, …" }),
	status: ENTRY_STATUS,
	win: WIN,
	orderId: s.optional(s.string({ description: "The order that bought the win." })),
	lateResult: s.optional(s.oneOf<NonNullable<Entry["lateResult"]>>({ won: true, lost: true }, { description: "The result the raffle told after the entry was cancelled (a win is cancelled at once)." })),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const record = s.object<RaffleRecord>(
	{
		algorithm: s.string({ description: "`fisher-yates/hmac-sha256/v1` (docs/thedraw.md: how to recompute it)." }),
		seed: s.string(),
		winnersRequested: s.integer({ minimum: 1 }),
		candidates: ids("The ids of the active entries at the run, sorted."),
		winners: ids("The winners, in the order drawn."),
		ranAt: s.dateTime()
	},
	{ description: "Everything needed to recompute the run." }
);

const raffle = s.object<Raffle>({
	id: s.string({ description: "The draw id." }),
	drawId: s.string(),
	status: s.oneOf<RaffleStatus>({ open: true, run: true }),
	entries: ids("Every entry applied before the run, sorted (cancelled ones included)."),
	cancelled: ids("The entries cancelled, sorted."),
	late: ids("Entries applied after the run: not candidates, told lost."),
	cancelledWins: ids("Wins cancelled after the run (entry or order cancelled): not re-drawn."),
	run: s.optional(record),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const verification = s.object<Verification>(
	{
		drawId: s.string(),
		algorithm: s.string(),
		seed: s.string(),
		candidates: s.integer({ minimum: 0 }),
		candidatesSorted: s.boolean(),
		winners: ids("The recorded winners."),
		recomputed: ids("The winners recomputed from the record."),
		matches: s.boolean()
	},
	{ description: "A run recomputed from its record alone." }
);

const order = s.object<Order>({
	id: s.string({ description: "The order id (orderId: the seed's orderRequestId)." }),
	orderId: s.string(),
	entryId: s.string({ description: "The winning entry." }),
	drawId: s.string(),
	userId: s.string(),
	phone: s.optional(s.string()),
	itemNo: s.string(),
	drawName: s.string(),
	drawDate: s.string({ format: "date" }),
	size: s.integer(),
	price: s.number({ minimum: 0 }),
	status: s.oneOf<OrderStatus>({ requested: true, placed: true, cancelled: true, removed: true }),
	removedReason: s.optional(s.string()),
	createdAt: s.dateTime(),
	updatedAt: s.dateTime()
});

const sms = s.object<MessageRecord<SmsFields>>(
	{
		id: s.string({ description: "The SMS id: the id of the status change it tells (one SMS per change)." }),
		userId: s.string(),
		phone: s.optional(s.string()),
		entryId: s.string(),
		drawId: s.string(),
		entryStatus: ENTRY_STATUS,
		message: s.string(),
		recipient: s.string(),
		address: s.optional(s.string()),
		text: s.string(),
		eventType: s.string(),
		status: s.oneOf<MessageRecord<SmsFields>["status"]>({ pending: true, sent: true }),
		attempts: s.integer({ minimum: 0, description: "Sends tried (more than one: the provider failed and the SMS was retried)." }),
		sentAt: s.optional(s.dateTime()),
		createdAt: s.dateTime(),
		updatedAt: s.dateTime()
	},
	{ description: "One SMS: `{ userId, phone, entryId, message, sentAt }` and its delivery." }
);

const myPage = s.object<MyPageRow>(
	{
		entryId: s.string(),
		userId: s.optional(s.string()),
		drawId: s.optional(s.string()),
		drawName: s.optional(s.string()),
		itemNo: s.optional(s.string()),
		drawDate: s.optional(s.string({ format: "date" })),
		size: s.optional(s.integer()),
		price: s.optional(s.number({ minimum: 0 })),
		status: s.optional(ENTRY_STATUS),
		win: WIN,
		orderId: s.optional(s.string()),
		orderStatus: s.optional(s.oneOf<MyPageOrderStatus>({ placed: true, cancelled: true })),
		updatedAt: s.dateTime()
	},
	{ description: "The customer's view of one entry, folded only from events (it may lag a command by a moment)." }
);

export const theDrawDocs: ApiDocs = {
	resources: {
		"thedraw.draw": { name: "Entry", title: "entry", schema: entry },
		"thedraw.raffle": { name: "Raffle", title: "raffle", schema: raffle },
		"thedraw.order": { name: "Order", title: "order", schema: order },
		"thedraw.notification": { name: "Sms", title: "SMS", schema: sms },
		"thedraw.mypage": { name: "MyPageEntry", title: "MyPage entry", schema: myPage }
	},
	actions: {
		"thedraw.draw.apply": { summary: "Apply to a draw (the seed's POST /draws)", description: "One active entry per customer and draw: a second answers 409 (with the one they have); so does a draw whose raffle has run.", errors: [409] },
		"thedraw.draw.cancel": { summary: "Cancel an entry", description: "Until the raffle has run; after that 409 with the current status. The entry keeps its row, `cancelled`; the customer may apply again." },
		"thedraw.raffle.get": { summary: "The raffle of a draw, and its record once run (seed, algorithm, sorted candidates, winners)" },
		"thedraw.raffle.run": { summary: "Run the raffle of a draw (admin, once)", description: "Winners uniformly at random among the active entries (`fisher-yates/hmac-sha256/v1` over the sorted entry ids, seeded by `seed` or 32 random bytes). A second run answers 409, so does a draw with no active entry." },
		"thedraw.raffle.verify": { summary: "Recompute a run from its record and say whether it matches (admin)", description: "409 while the raffle has not run.", errors: [409], response: { name: "thedraw.RaffleVerification", schema: verification } },
		"thedraw.order.place": {
			summary: "Order the item of a winning entry (certified by the buyer's password)",
			description: "The buyer is certified synchronously by `thedraw.auth` against their account: not certified answers 403 and the order request is removed (GET 404); certification down or overloaded answers 503 + `Retry-After` (the request removed the same way). A non-winner, and a second order for the same win, answer 409.",
			errors: [409]
		},
		"thedraw.order.cancel": { summary: "Cancel an order: its win is cancelled too (no re-draw)" }
	}
};
