/**
 * The keys our middlewares and mixins read from a service schema, declared once on Moleculer's own types
 * (as the Moleculer TypeScript template does): an action's `auth` (who may call it: middlewares/access.ts),
 * a service's `channels` (durable events: middlewares/channels.ts) and `collection` (its datastore).
 */
import type { Service as MoleculerService } from "moleculer";
import type { AccessRule } from "../lib/access";
import type { ChannelDefinition } from "../middlewares/channels";

declare module "moleculer/src/service" {
	interface ActionSchema<TThis = MoleculerService> {
		/** Who may call the action, and on which rows (lib/access.ts). Absent: not callable from the gateway. */
		auth?: AccessRule;
	}

	interface ServiceSchema<TSettings, TMethods, TVars, TThis> {
		/** Durable event consumers: one consumer group per context, `<system>.<EventType>` channels. */
		channels?: Record<string, ChannelDefinition<TThis>>;
		/** The datastore collection (MongoDB) of the context's aggregates. */
		collection?: string;
	}
}
