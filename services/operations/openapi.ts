/** What the operations context answers (the console's panel of contexts); routes and errors are generated (lib/openapi.ts). */
import { s, type ApiDocs } from "../../lib/openapi";
import type { DeadLetter } from "../../middlewares/channel-ops";
import type { BreakerState, ContextsState, NodeState, ServiceState } from "./operations.service";

const node = s.object<NodeState>({
	id: s.string(),
	local: s.boolean(),
	up: s.boolean(),
	ready: s.optional(s.boolean()),
	services: s.array(s.string())
});

const serviceState = s.object<ServiceState>({ name: s.string(), nodes: s.array(s.untyped<{ id: string; up: boolean }>({ type: "object", required: ["id", "up"], properties: { id: { type: "string" }, up: { type: "boolean" } } })) });

const breaker = s.object<BreakerState>({
	action: s.string(),
	node: s.string(),
	state: s.oneOf<BreakerState["state"]>({ close: true, open: true, half_open: true, half_open_wait: true }),
	requests: s.integer({ minimum: 0 }),
	failures: s.integer({ minimum: 0 })
});

const contexts = s.object<ContextsState>(
	{
		at: s.dateTime(),
		node: s.string({ description: "The node that answered (its breakers, its readiness)." }),
		nodes: s.array(node),
		services: s.array(serviceState),
		breakers: s.array(breaker),
		channels: s.untyped({
			type: "object",
			required: ["kind", "lag", "deadLetters"],
			properties: {
				kind: { type: "string", enum: ["local", "jetstream", "none"] },
				lag: { type: "array", items: { type: "object", required: ["channel", "group", "owed"], properties: { channel: { type: "string" }, group: { type: "string" }, owed: { type: "integer", minimum: 0 } } } },
				deadLetters: { type: "object", required: ["count", "byGroup"], properties: { count: { type: "integer", minimum: 0 }, byGroup: { type: "object", additionalProperties: { type: "integer" } } } }
			}
		})
	},
	{ description: "The contexts as this node sees them: up and ready, circuit breakers, consumer lag, dead letters." }
);

const deadLetter = s.object<DeadLetter>({
	id: s.string({ description: "What `replay <id>` takes in the REPL." }),
	channel: s.string(),
	group: s.string({ description: "The consumer group that gave up on it." }),
	payload: s.untyped({ description: "The message as published (an event: `{ id, type, data, … }`)." }),
	error: s.string(),
	deliveries: s.integer({ minimum: 0 }),
	at: s.dateTime()
});

export const operationsDocs: ApiDocs = {
	actions: {
		"operations.contexts": { summary: "The panel of contexts: nodes and services up/ready, circuit breakers, consumer lag, dead letters counted", response: { name: "operations.Contexts", schema: contexts } },
		"operations.deadLetters": { summary: "The dead letters with their error (admins): replay one with `replay <id>` in the REPL", response: { name: "operations.DeadLetters", schema: s.array(deadLetter) } }
	}
};
