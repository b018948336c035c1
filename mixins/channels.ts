/**
 * Channel handler factory for consumers of domain events: checks the envelope, then hands the event to
 * the service. Used by every context so consumers look the same everywhere.
 */
import type { Context, Service } from "moleculer";
import type { DomainEvent } from "../services/shared/domain";
import { requestFields } from "../config/observability";
import type { ChannelDefinition } from "./schema";

export class MalformedEventError extends Error {
	constructor(channel: string) {
		super(`Malformed event on '${channel}': expected { id, type, data: { orderId } }`);
		this.name = "MalformedEventError";
	}
}

function isDomainEvent(p: unknown): p is DomainEvent {
	if (typeof p !== "object" || p === null) return false;
	const e = p as Partial<DomainEvent>;
	return typeof e.id === "string" && typeof e.type === "string" && typeof e.data === "object" && e.data !== null && typeof e.data.orderId === "string";
}

/** `on("OrderPlaced", async function (event, ctx) { … })` */
export function consume<TThis extends Service, D extends object = Record<string, unknown>>(
	handle: (this: TThis, event: DomainEvent<D>, ctx: Context<unknown>) => Promise<unknown>
): ChannelDefinition<TThis> {
	return {
		async handler(this: TThis, ctx: Context<unknown>) {
			const event = ctx.params;
			if (!isDomainEvent(event)) throw new MalformedEventError(ctx.eventName ?? "channel");
			await handle.call(this, event as DomainEvent<D>, ctx);
			this.logger.debug(`handled ${event.type} ${event.id} for order ${event.data.orderId}`, requestFields(ctx));
		}
	};
}
