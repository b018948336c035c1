/**
 * What the timeline's answers look like (the routes, params, security and errors are generated: lib/openapi.ts),
 * each schema checked against the fold's types (timeline.view.ts).
 */
import { s, type ApiDocs, type Schema } from "../../lib/openapi";
import type { OutcomeRecord, TimelineEntry, TimelineSummary, TimelineView } from "./timeline.view";

const outcome = s.object<OutcomeRecord>({
	outcome: s.oneOf<OutcomeRecord["outcome"]>({ handled: true, failed: true }),
	at: s.dateTime(),
	attempts: s.optional(s.integer({ minimum: 1, description: "The highest delivery told (1 = the first)." })),
	error: s.optional(s.string({ description: "The latest failure's error, kept after a later success." })),
	errorAt: s.optional(s.dateTime()),
	deadLettered: s.optional(s.boolean())
});

const stringMap = (description: string): Schema<Record<string, string>> => s.untyped({ type: "object", additionalProperties: { type: "string" }, description });

const entry = s.object<TimelineEntry>({
	at: s.dateTime(),
	type: s.string({ description: "The fact (`OrderPlaced`)." }),
	producer: s.string({ description: "The context that told it." }),
	eventId: s.string(),
	version: s.optional(s.integer({ minimum: 1 })),
	keys: stringMap("The correlation keys the fact carries."),
	owner: s.optional(s.string()),
	consumers: s.array(s.string(), { description: "The consumers the saga table names for it." }),
	outcomes: s.untyped({ type: "object", additionalProperties: outcome, description: "What each consumer told it did (absent: no notice yet)." }),
	compensates: s.optional(s.string()),
	pivot: s.optional(s.boolean())
});

const standing = {
	id: s.string({ description: "`<system>:<key>`." }),
	system: s.string(),
	keyField: s.string({ description: "The correlation key's field (`orderId`)." }),
	key: s.string(),
	owner: s.optional(s.string({ description: "The customer the saga belongs to." })),
	startedAt: s.dateTime(),
	updatedAt: s.dateTime(),
	last: s.string({ description: "The latest fact in time order." }),
	dropped: s.integer({ minimum: 0, description: "Earlier facts no longer kept (TIMELINE_MAX_ENTRIES)." }),
	compensated: s.boolean(),
	pivotPassed: s.boolean(),
	waiting: s.integer({ minimum: 0, description: "(fact, consumer) pairs with no success told yet: where the saga waits." }),
	failing: s.integer({ minimum: 0 }),
	deadLettered: s.integer({ minimum: 0 })
};

const saga = s.object<TimelineView>({ ...standing, entries: s.array(entry) }, { description: "One saga's timeline: its facts in time order and what each consumer did with them." });
const summary = s.object<TimelineSummary>({ ...standing, facts: s.integer({ minimum: 0 }) });

const page: Schema<unknown> = s.untyped({
	type: "object",
	required: ["rows", "total", "page", "pageSize", "totalPages"],
	properties: { rows: { type: "array", items: summary }, total: { type: "integer", minimum: 0 }, page: { type: "integer", minimum: 1 }, pageSize: { type: "integer", minimum: 1 }, totalPages: { type: "integer", minimum: 0 } },
	additionalProperties: false
});

const systems: Schema<unknown> = s.untyped({
	type: "array",
	items: {
		type: "object",
		required: ["name", "title", "keys", "events", "pivots"],
		properties: {
			name: { type: "string" },
			title: { type: "string" },
			keys: { type: "array", items: { type: "string" } },
			owner: { type: "string" },
			events: { type: "object", description: "The saga table: each fact's producer, consumers and what it compensates." },
			pivots: { type: "array", items: { type: "object" } }
		}
	}
});

export const timelineDocs: ApiDocs = {
	resources: { timeline: { name: "Saga", title: "saga timeline", schema: saga } },
	actions: {
		"timeline.systems": { summary: "The systems and their saga tables", response: { name: "timeline.Systems", schema: systems } },
		"timeline.list": { summary: "Recent sagas of a system (a customer: their own)", description: "Newest first; each row says where the saga stands, without its facts.", response: { name: "timeline.SagaSummaryPage", schema: page } },
		"timeline.get": { summary: "One saga's timeline (an admin, or the customer it belongs to)" }
	}
};
