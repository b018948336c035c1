/**
 * The invariants every system's sagas keep, checked against what the customers were answered (the ledger)
 * and what the system holds afterwards (the driver's snapshot, read through the API) and what JetStream
 * holds (the dead-letter stream). The system's own rules (refunded-and-delivered, backwards fields) come
 * with its snapshot.
 */
import { connect, type NatsConnection } from "nats";
import { idFor } from "../../mixins/idempotency";
import type { Finding, Snapshot } from "./driver";
import type { KeyRecord } from "./world";

export interface DeadLetter {
	seq: number;
	subject: string;
	headers: Record<string, string>;
	data: string;
}

/** A NATS connection for reading JetStream (opened on first use, again after nats-server restarted). */
export class JetStreamProbe {
	private nc?: NatsConnection;
	constructor(
		private readonly url: string,
		private readonly deadLetterStream = "DEAD_LETTER"
	) {}

	private async conn(): Promise<NatsConnection> {
		if (this.nc && !this.nc.isClosed()) return this.nc;
		this.nc = await connect({ servers: this.url.replace("nats://", ""), maxReconnectAttempts: 5, timeout: 3000 });
		return this.nc;
	}

	/**
	 * Messages still to deliver or to be acknowledged (the dead-letter stream excluded): of every consumer, or
	 * of one consumer group only (its durable name: `flowerdelivery_store` for the group `flowerdelivery.store`).
	 */
	async undelivered(durable?: string): Promise<number> {
		const jsm = await (await this.conn()).jetstreamManager();
		let n = 0;
		for (const stream of await jsm.streams.list().next()) {
			if (stream.config.name === this.deadLetterStream) continue;
			for (const consumer of await jsm.consumers.list(stream.config.name).next()) {
				if (durable === undefined || consumer.name === durable) n += consumer.num_pending + consumer.num_ack_pending;
			}
		}
		return n;
	}

	/** The messages parked on the dead-letter stream (none when it does not exist). */
	async deadLetters(): Promise<DeadLetter[]> {
		const jsm = await (await this.conn()).jetstreamManager();
		const info = await jsm.streams.info(this.deadLetterStream).catch(() => undefined);
		if (!info || info.state.messages === 0) return [];
		const out: DeadLetter[] = [];
		for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
			const msg = await jsm.streams.getMessage(this.deadLetterStream, { seq }).catch(() => undefined);
			if (!msg) continue;
			const headers: Record<string, string> = {};
			for (const [k, v] of msg.header ?? []) headers[k] = v.join(",");
			out.push({ seq, subject: msg.subject, headers, data: new TextDecoder().decode(msg.data).slice(0, 2000) });
		}
		return out;
	}

	async close(): Promise<void> {
		await this.nc?.close().catch(() => undefined);
	}
}

/** The ids a key's placement attempts got (mixins/idempotency.ts: one per attempt, derived from caller and key). */
export function attemptIds(scope: string, record: KeyRecord): string[] {
	const attempts = Math.max(1, record.answers.length) + 1;
	return Array.from({ length: attempts }, (_, i) => idFor(scope, { caller: record.customer, key: record.key, fingerprint: "" }, i + 1));
}

export interface AuditFigures {
	/** Keys given up after a 503 whose attempt was charged and refunded (the customer saw a charge come and go). */
	gaveUp503ChargeRefunded: number;
	/** Attempts (of any key) whose charge was refunded because the placement failed. */
	refundedAttempts: number;
}

/**
 * The generic invariants: 503-but-placed, lost, duplicated, orphaned (the driver's findings are added as they
 * are). `idsOf` names the ids each key's attempts may have created: a placement scope (`attemptIds` of it),
 * or the driver's own derivation (SystemDriver.idsOf).
 */
export function audit(idsOf: string | ((record: KeyRecord) => string[]), ledger: Iterable<KeyRecord>, snap: Snapshot, deadLetters: DeadLetter[]): { findings: Finding[]; figures: AuditFigures } {
	const idsOfKey = typeof idsOf === "string" ? (record: KeyRecord) => attemptIds(idsOf, record) : idsOf;
	const findings: Finding[] = [...snap.findings];
	const orders = new Map(snap.orders.map(o => [o.id, o]));
	const paymentsByOrder = groupBy(snap.payments, p => p.orderId);
	const keyOf = new Map<string, KeyRecord>();
	const figures: AuditFigures = { gaveUp503ChargeRefunded: 0, refundedAttempts: 0 };

	for (const record of ledger) {
		const ids = idsOfKey(record);
		for (const id of ids) keyOf.set(id, record);
		const established = ids.filter(id => orders.get(id)?.established);
		const charged = ids.filter(id => (paymentsByOrder.get(id) ?? []).some(p => p.charged));
		const where = { key: record.key };

		// 503-but-placed: the last answer said nothing was done, and something stands.
		if (record.final === "gave-up-503") {
			for (const id of established) findings.push({ defect: "503-but-placed", rule: "established", orderId: id, ...where, detail: `answered ${record.answers.join(",")}, order ${orders.get(id)!.status}` });
			for (const id of charged) findings.push({ defect: "503-but-placed", rule: "charged", orderId: id, ...where, detail: `answered ${record.answers.join(",")}, payment still charged` });
			if (ids.some(id => (paymentsByOrder.get(id) ?? []).some(p => p.refunded))) figures.gaveUp503ChargeRefunded++;
		}
		// duplicated: one request, two orders or two charges.
		const answeredIds = new Set(record.placedIds);
		if (answeredIds.size > 1) findings.push({ defect: "duplicated", rule: "two-ids-answered", ...where, detail: `201 with ${[...answeredIds].join(", ")}` });
		if (established.length > 1) findings.push({ defect: "duplicated", rule: "two-orders-per-key", ...where, detail: `established: ${established.join(", ")}` });
		if (charged.length > 1) findings.push({ defect: "duplicated", rule: "two-charges-per-key", ...where, detail: `charged: ${charged.join(", ")}` });
		// lost: a 201 whose order is not there, established.
		for (const id of answeredIds) {
			if (!orders.get(id)?.established) findings.push({ defect: "lost", rule: "201-not-established", orderId: id, ...where, detail: `answered 201, order ${orders.get(id)?.status ?? "missing"}` });
		}
		// lost: a cancel accepted (200) whose order is not cancelled.
		if (record.cancel?.final === 200) {
			for (const id of answeredIds) {
				const order = orders.get(id);
				if (order && !order.cancelled) findings.push({ defect: "lost", rule: "cancel-accepted-not-cancelled", orderId: id, ...where, detail: `cancel answered ${record.cancel.answers.join(",")}, order ${order.status}` });
			}
		}
	}

	for (const order of snap.orders) {
		if (!keyOf.has(order.id)) findings.push({ defect: "orphaned", rule: "order-of-no-request", orderId: order.id, detail: `order ${order.status} of ${order.owner}: no request of the run made it` });
		if (order.established && !order.terminal) findings.push({ defect: "lost", rule: "placed-not-terminal", orderId: order.id, key: keyOf.get(order.id)?.key, detail: `order still ${order.status}` });
	}
	for (const p of snap.payments) {
		const order = orders.get(p.orderId);
		if (p.charged && !order?.established) findings.push({ defect: "orphaned", rule: "charge-without-order", orderId: p.orderId, key: keyOf.get(p.orderId)?.key, detail: `payment ${p.status}, order ${order?.status ?? "missing"}` });
		if (p.refunded && order && !order.established) figures.refundedAttempts++;
	}
	for (const [orderId, list] of paymentsByOrder) if (list.length > 1) findings.push({ defect: "duplicated", rule: "two-payments", orderId, detail: `${list.length} payments: ${list.map(p => `${p.id} ${p.status}`).join(", ")}` });
	for (const [kind, rows] of Object.entries(snap.records)) {
		for (const [orderId, list] of groupBy(rows, r => r.orderId)) {
			if (list.length > 1) findings.push({ defect: "duplicated", rule: `duplicate-${kind.replace(/ /g, "-")}`, orderId, detail: `${list.length} ${kind} records: ${list.map(r => r.id).join(", ")}` });
			if (!orders.get(orderId)?.established) findings.push({ defect: "orphaned", rule: `${kind.replace(/ /g, "-")}-without-order`, orderId, detail: `a ${kind} record, order ${orders.get(orderId)?.status ?? "missing"}` });
		}
	}
	for (const dl of deadLetters) {
		let orderId: string | undefined;
		try {
			const parsed = JSON.parse(dl.data) as { data?: { orderId?: string } };
			orderId = parsed.data?.orderId;
		} catch {
			/* not JSON */
		}
		findings.push({ defect: "lost", rule: "dead-letter", orderId, detail: `DEAD_LETTER #${dl.seq} ${dl.subject} ${JSON.stringify(dl.headers)}` });
	}
	return { findings, figures };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const item of items) {
		const k = keyOf(item);
		const list = out.get(k);
		if (list) list.push(item);
		else out.set(k, [item]);
	}
	return out;
}
