/**
 * The one access middleware (every broker registers it, moleculer.config.ts): the `auth` rule each action
 * declares is checked where the action runs, after param validation and before the handler (lib/access.ts
 * says what the rules mean).
 */
import type { ActionSchema, Context, Middleware } from "moleculer";
import { forbidden, GATEWAY, principalOf, scopeOf, scopeParams, unauthorized, type AccessLocals } from "../lib/access";

function declaredParams(action: ActionSchema): (field: string) => boolean {
	const params = action.params ?? {};
	return field => Object.prototype.hasOwnProperty.call(params, field);
}

export function accessMiddleware(): Middleware {
	return {
		name: "Access",
		localAction(next: (ctx: Context) => Promise<unknown>, action: ActionSchema) {
			const rule = action.auth;
			const declared = declaredParams(action);
			return function access(ctx: Context) {
				const fromGateway = ctx.caller === GATEWAY;
				if (!rule) {
					if (fromGateway) throw forbidden("This action is not exposed");
					return next(ctx);
				}
				if ("public" in rule) return next(ctx);
				const meta = ctx.meta as { user?: unknown };
				if (meta.user === undefined && !fromGateway) return next(ctx); // inside the system: trusted
				const user = principalOf(meta.user);
				if (!user) throw unauthorized();
				const scope = scopeOf(rule, user);
				if (ctx.params && typeof ctx.params === "object") scopeParams(scope, ctx.params as Record<string, unknown>, declared);
				(ctx.locals as AccessLocals).scope = scope;
				return next(ctx);
			};
		}
	};
}
