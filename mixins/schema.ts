/**
 * The typed shape of a context's service schema: Moleculer's schema plus the keys our middlewares and
 * mixins read (`channels` for durable events, `collection` for the datastore) and the `auth` key of actions
 * (who may call them), declared once here.
 */
import type { Context, Service, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type MoleculerService = require("moleculer/src/service");
import type { AccessRule } from "./access";
import type { EventContract } from "./channels";

/** The key every action may declare, read by the access middleware (mixins/access.ts): who may call it. */
declare module "moleculer/src/service" {
	interface ActionSchema<TThis = MoleculerService> {
		auth?: AccessRule;
	}
}

export interface ChannelDefinition<TThis, P = unknown> {
	group?: string;
	maxInFlight?: number;
	maxRetries?: number;
	/** What the consumer needs from the event's data (mixins/channels.ts): checked before the handler runs. */
	contract?: EventContract;
	handler(this: TThis, ctx: Context<P>, raw?: unknown): Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type ContextSchema<TMethods = {}, TSettings = ServiceSettingSchema, TVars = {}> = ServiceSchema<TSettings, TMethods, TVars> & {
	// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel names its own payload type
	channels?: Record<string, ChannelDefinition<Service<TSettings> & TVars & TMethods, any>>;
	collection?: string;
};

/**
 * Moleculer types a mixin list as `Partial<ServiceSchema>` with an untyped `this`; our mixins are written
 * against their own typed `this` (methods and vars). This is the one place where that typed schema is
 * handed over to the untyped mixin list.
 */
export function defineMixin<TMethods, TVars>(schema: Partial<ContextSchema<TMethods, ServiceSettingSchema, TVars>>): Partial<ServiceSchema> {
	return schema as unknown as Partial<ServiceSchema>;
}
