/**
 * A context that tells customers what happened (the mall's notices, The Draw's SMS, the warehouse's
 * KakaoTalk): for each event it listens to, the system's domain says what message that change makes (or
 * none); the block sends it through the outbound adapter (lib/outbound.ts, chosen by OUTBOUND_PROVIDER) and
 * keeps a record of every message, readable with `list` and `get`.
 *
 * One message per event, never two: the message's id is the event's id. Its record is written `pending`
 * before it is sent and `sent` after (telling `sentEvent`); a send that fails is retried by redelivering the
 * event, with the same id — a provider that honours it as an idempotency key (the webhook provider sends it
 * as `Idempotency-Key`) delivers it once even when a crash came between its send and the record.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { config } from "../config";
import { later, type DomainEvent } from "../domain";
import type { AccessRule } from "../lib/access";
import type { EventContract } from "../lib/contracts";
import { createOutboundProvider, type OutboundProvider } from "../lib/outbound";
import { aggregateStore, type AggregateMethods } from "./aggregate.mixin";
import { consume } from "./consume";
import type { ListSpec } from "./listing";
import { defineMixin } from "./schema";

/** What the domain says one change tells, in the system's own fields (`orderId`, `customer`, …). */
export interface MessageDraft {
	/** Who gets it (a user id). */
	recipient: string;
	/** Where, when there is more than the user (a phone number). */
	address?: string;
	/** In the customer's language (Korean, as the seeds write it). */
	text: string;
}

/** The record of one message: the system's fields, the draft, and where it is. */
export type MessageRecord<F extends object> = F &
	MessageDraft & {
		id: string;
		/** The event that caused it. */
		eventType: string;
		status: "pending" | "sent";
		/** Sends tried (more than one: the provider failed, the event came again). */
		attempts: number;
		sentAt?: string;
		createdAt: string;
		updatedAt: string;
	};

export interface MessageRule<F extends object> {
	/** The correlation key of the event (always required of it). */
	key: string;
	/** What else the rule reads from the event's data. */
	contract?: EventContract;
	/** The message this event makes (null: nothing to tell). Pure: the system's domain. */
	message(event: DomainEvent): (F & MessageDraft) | null;
}

export interface NotificationOptions<F extends object> {
	system: string;
	/** The kind of message, for the provider ("productorder.notice"). */
	channel: string;
	/** By event type: what each one tells. */
	rules: Readonly<Record<string, MessageRule<F>>>;
	/** Told once a message was sent (`NoticeSent`, `SmsSent`, `MessageSent`), carrying `fields(record)`. */
	sentEvent: string;
	/** What `sentEvent` carries (its correlation keys, who, what): the system's published language. */
	sentData(record: MessageRecord<F>): Record<string, unknown>;
	entity: string;
	list: ListSpec;
	read?: AccessRule;
}

export interface NotificationMethods<F extends object> {
	deliver(id: string, draft: F & MessageDraft, eventType: string, ctx: Context): Promise<MessageRecord<F> | null>;
}

interface NotificationVars {
	provider: OutboundProvider;
}

type This<F extends object> = Service & AggregateMethods<MessageRecord<F>> & NotificationMethods<F> & NotificationVars;

/** The record of a message not yet sent (once per id: a redelivered event finds it). */
export function pendingMessage<F extends object>(id: string, eventType: string, draft: F & MessageDraft, now: string): MessageRecord<F> {
	return { ...draft, id, eventType, status: "pending", attempts: 0, createdAt: now, updatedAt: now };
}

export function notifications<F extends object>(opts: NotificationOptions<F>): Partial<ServiceSchema> {
	const block = defineMixin<NotificationMethods<F> & AggregateMethods<MessageRecord<F>>, NotificationVars>({
		created(this: This<F>) {
			this.provider = createOutboundProvider(config.outbound);
		},

		methods: {
			async deliver(this: This<F>, id: string, draft: F & MessageDraft, eventType: string, ctx: Context): Promise<MessageRecord<F> | null> {
				const now = () => new Date().toISOString();
				const record = await this.commit(id, current => (current ? null : { state: pendingMessage(id, eventType, draft, now()), events: [] }), { ctx });
				if (!record || record.status === "sent") return record;
				await this.commit(id, current => (current && current.status === "pending" ? { state: { ...current, attempts: current.attempts + 1, updatedAt: later(current.updatedAt, now()) }, events: [] } : null), { ctx });
				// Throws when the provider fails: the event is redelivered and this send tried again, with the same id.
				await this.provider.send({ id, channel: opts.channel, recipient: record.recipient, address: record.address, text: record.text });
				return this.commit(
					id,
					current => {
						if (!current || current.status === "sent") return null;
						const at = now();
						const sent: MessageRecord<F> = { ...current, status: "sent", sentAt: at, updatedAt: later(current.updatedAt, at) };
						return { state: sent, events: [{ type: opts.sentEvent, data: opts.sentData(sent) }] };
					},
					{ ctx }
				);
			}
		},

		channels: Object.fromEntries(
			Object.entries(opts.rules).map(([type, rule]) => [
				`${opts.system}.${type}`,
				consume<This<F>>(
					async function (event, ctx) {
						const draft = rule.message(event);
						if (draft) await this.deliver(event.id, draft, event.type, ctx);
					},
					{ key: rule.key, contract: rule.contract }
				)
			])
		)
	});
	return { ...block, mixins: [aggregateStore<MessageRecord<F>>({ system: opts.system, entity: opts.entity, list: opts.list, read: opts.read })] };
}
