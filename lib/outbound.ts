/**
 * The outbound adapter for customers' messages (the mall's notices, The Draw's SMS, the warehouse's
 * KakaoTalk): an interface and the providers configuration chooses (OUTBOUND_PROVIDER):
 * - `record` (default): the message is kept in the sending context's own log (its notification records,
 *   readable through its API) — nothing leaves the process;
 * - `webhook`: POSTed as JSON to OUTBOUND_WEBHOOK_URL with the message's id as `Idempotency-Key`, so a
 *   provider (an SMS or KakaoTalk gateway, a relay) that sees the same message twice sends it once.
 * A send that fails or times out throws; the caller's message is redelivered and the send retried with the
 * same id: never lost, and never two for one event at a provider that honours the key.
 */

/** One message to one customer. */
export interface OutboundMessage {
	/** Unique per message (one per event that caused it): the provider's idempotency key. */
	id: string;
	/** The system and kind of message ("productorder.notice", "thedraw.sms", …). */
	channel: string;
	/** Who gets it (a user id), and where (a phone number, when there is one). */
	recipient: string;
	address?: string;
	text: string;
}

export interface OutboundProvider {
	readonly name: string;
	send(message: OutboundMessage): Promise<void>;
}

export class OutboundError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "OutboundError";
	}
}

/** Keeps nothing beyond what its caller records: the message is "sent" into the sending context's own log. */
export class RecordingProvider implements OutboundProvider {
	readonly name = "record";
	async send(): Promise<void> {}
}

/** POSTs each message as JSON to a URL, its id as Idempotency-Key; anything but a 2xx is a failed send. */
export class WebhookProvider implements OutboundProvider {
	readonly name = "webhook";

	constructor(
		private readonly url: string,
		private readonly timeoutMs: number
	) {}

	async send(message: OutboundMessage): Promise<void> {
		let res: Response;
		try {
			res = await fetch(this.url, {
				method: "POST",
				headers: { "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.id },
				body: JSON.stringify(message),
				signal: AbortSignal.timeout(this.timeoutMs)
			});
		} catch (err) {
			throw new OutboundError(`Outbound webhook unreachable: ${(err as Error).message}`);
		}
		await res.arrayBuffer().catch(() => undefined);
		if (!res.ok) throw new OutboundError(`Outbound webhook answered ${res.status}`);
	}
}

export interface OutboundProviderSettings {
	provider: "record" | "webhook";
	webhookUrl: string | undefined;
	timeoutMs: number;
}

export function createOutboundProvider(settings: OutboundProviderSettings): OutboundProvider {
	if (settings.provider === "webhook") {
		if (!settings.webhookUrl) throw new Error("OUTBOUND_WEBHOOK_URL is required with the webhook provider");
		return new WebhookProvider(settings.webhookUrl, settings.timeoutMs);
	}
	return new RecordingProvider();
}
