/**
 * The typed shape of a context's service schema: Moleculer's schema with our keys (`channels`, `collection`,
 * an action's `auth`), which types/moleculer.d.ts declares once on Moleculer's own types.
 */
import type { ServiceSchema, ServiceSettingSchema } from "moleculer";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type ContextSchema<TMethods = {}, TSettings = ServiceSettingSchema, TVars = {}> = ServiceSchema<TSettings, TMethods, TVars>;

/**
 * Moleculer types a mixin list as `Partial<ServiceSchema>` with an untyped `this`; our mixins are written
 * against their own typed `this` (methods and vars). This is the one place where that typed schema is
 * handed over to the untyped mixin list.
 */
export function defineMixin<TMethods, TVars>(schema: Partial<ContextSchema<TMethods, ServiceSettingSchema, TVars>>): Partial<ServiceSchema> {
	return schema as unknown as Partial<ServiceSchema>;
}
