/**
 * Consumer-driven contract tests of the domain events (the published language between contexts).
 *
 * Each consumer declares, where it subscribes (`contract` of `consume`/`policy`, `contracts` of `orderView`),
 * what it needs from each event's data; at run time `consume()` refuses a message breaking it. Here every
 * producer's domain functions are driven to produce every event they can, and each event, in its wire form
 * (JSON), is checked against the contract of every consumer found in the services' `channels`: a consumer
 * added or a producer changed is covered without touching this file. The spec's event tables are checked
 * too: every event has its producer and the consumers the spec names.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ServiceSchema } from "moleculer";
import { compileContract, type EventContract } from "../../mixins/channels";
import type { ChannelDefinition, ContextSchema } from "../../mixins/schema";
import type { Decision, EventDraft } from "../../services/shared/domain";
import * as order from "../../services/flowerdelivery/order.domain";
import * as payment from "../../services/flowerdelivery/payment.domain";
import * as store from "../../services/flowerdelivery/store.domain";
import * as delivery from "../../services/flowerdelivery/delivery.domain";
import * as fishOrder from "../../services/fishdelivery/order.domain";
import * as fishPayment from "../../services/fishdelivery/payment.domain";
import * as fishStore from "../../services/fishdelivery/fishstore.domain";
import * as fishDelivery from "../../services/fishdelivery/delivery.domain";
import type { FishEvents } from "../../services/fishdelivery/events";

const T = "2026-01-01T00:00:00.000Z";

/** An event a producer's domain produced, and how. */
interface Produced {
	producer: string;
	how: string;
	event: EventDraft;
}

/** Collects what producers tell: `tell(producer, how, decision)` keeps its events and answers its state. */
function recorder(system: string) {
	const produced: Produced[] = [];
	const tell = <S>(context: string, how: string, decision: Decision<S> | null): S => {
		if (!decision) throw new Error(`${system}.${context} ${how}: decided nothing`);
		for (const event of decision.events) produced.push({ producer: `${system}.${context}`, how, event });
		return decision.state;
	};
	const dataOf = <D>(type: string): D => {
		const found = produced.find(p => p.event.type === type);
		if (!found) throw new Error(`no ${type} produced yet`);
		return found.event.data as unknown as D;
	};
	return { produced, tell, dataOf };
}

/** Flower delivery: each producer's commands and policies, fed with what the other producers told. */
function flowerDeliveryProduces(): Produced[] {
	const { produced, tell, dataOf } = recorder("flowerdelivery");
	const input = { storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" };

	const pending = order.startPlacement("o1", input, T).state;
	const placed = tell("order", "paymentSucceeded", order.paymentSucceeded(pending, T));
	tell("order", "paymentFailed", order.paymentFailed(pending, "REQUEST_TIMEOUT", T));
	tell("order", "cancel", order.cancel(placed, T));

	const approved = tell("payment", "pay", payment.pay(null, { orderId: "o1", userName: "LKJ", amount: 50000 }, { declineAbove: 0 }, T));
	tell("payment", "onOrderCancelled", payment.onOrderCancelled(approved, T));
	tell("payment", "onOrderRejected", payment.onOrderRejected(approved, T));
	tell("payment", "onOrderPlacementFailed", payment.onOrderPlacementFailed(approved, "o1", "LKJ", T));

	const received = tell("store", "onOrderPlaced", store.onOrderPlaced(null, dataOf<store.OrderPlacedData>("OrderPlaced"), T));
	const accepted = tell("store", "accept", store.accept(received, T));
	tell("store", "reject", store.reject(received, "no roses", T));
	tell("store", "decorate", store.decorate(accepted, T));

	const requested = tell("delivery", "onDecorationCompleted", delivery.onDecorationCompleted(null, dataOf<delivery.DecorationCompletedData>("DecorationCompleted"), T));
	const started = tell("delivery", "start", delivery.start(requested, T));
	tell("delivery", "complete", delivery.complete(started, T));
	tell("delivery", "onOrderCancelled", delivery.onOrderCancelled(requested, dataOf<{ orderId: string; storeName: string; userName: string }>("OrderCancelled"), T));
	return produced;
}

/** Fish delivery: the same, for the seed's events. */
function fishDeliveryProduces(): Produced[] {
	const { produced, tell, dataOf } = recorder("fishdelivery");
	const details = { customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" };

	const pending = fishOrder.startPlacement("o1", details, T).state;
	const placed = tell("order", "paid", fishOrder.paid(pending, T));
	tell("order", "paymentFailed", fishOrder.paymentFailed(pending, "REQUEST_TIMEOUT", T));
	tell("order", "cancel", fishOrder.cancel(placed, T));
	const customerCancel = produced.map(p => p.event).find(e => e.type === "OrderCanceled" && e.data.reason === "customer")?.data as FishEvents["OrderCanceled"];

	const approved = tell("payment", "approve", fishPayment.approve(null, { orderId: "o1", ...details }, T));
	tell("payment", "onOrderPlaced", fishPayment.onOrderPlaced(approved, dataOf<FishEvents["OrderPlaced"]>("OrderPlaced"), T));
	tell("payment", "onOrderCanceled", fishPayment.onOrderCanceled(approved, customerCancel, T));

	const received = tell("fishstore", "onPayApproved", fishStore.onPayApproved(null, dataOf<FishEvents["PayApproved"]>("PayApproved"), T));
	tell("fishstore", "take", fishStore.take(received, T));

	const started = tell("delivery", "onOrderTaken", fishDelivery.onOrderTaken(null, dataOf<FishEvents["OrderTaken"]>("OrderTaken"), T));
	tell("delivery", "complete", fishDelivery.complete(started, T));
	tell("delivery", "onOrderCanceled", fishDelivery.onOrderCanceled(started, customerCancel, T));
	return produced;
}

/** The specs' event tables (specs/flowerdelivery.md "Events"; specs/fishdelivery.md "Events" and requirements). */
type SpecTable = Record<string, { producer: string; consumers: string[] }>;

const FLOWER_SPEC: SpecTable = {
	OrderPlaced: { producer: "order", consumers: ["store", "mypage"] },
	OrderCancelled: { producer: "order", consumers: ["payment", "store", "delivery", "mypage"] },
	PaymentApproved: { producer: "payment", consumers: ["mypage"] },
	PaymentCancelled: { producer: "payment", consumers: ["order", "mypage"] },
	OrderAccepted: { producer: "store", consumers: ["order", "mypage"] },
	OrderRejected: { producer: "store", consumers: ["payment", "order", "mypage"] },
	DecorationCompleted: { producer: "store", consumers: ["delivery", "order", "mypage"] },
	DeliveryRequested: { producer: "delivery", consumers: ["mypage"] },
	DeliveryStarted: { producer: "delivery", consumers: ["order", "mypage"] },
	DeliveryCompleted: { producer: "delivery", consumers: ["order", "mypage"] },
	DeliveryCancelled: { producer: "delivery", consumers: ["order", "mypage"] }
};

// The fish spec lists the events without a table: the producers are the contexts whose facts they are; the
// consumers it names: PayApproved → the shop (req. 3), OrderTaken → delivery (req. 5), OrderCanceled → payment,
// delivery and the shop (req. 7), and MyPage every status change (req. 9).
const FISH_SPEC: SpecTable = {
	OrderPlaced: { producer: "order", consumers: ["mypage"] },
	PayApproved: { producer: "payment", consumers: ["fishstore", "mypage"] },
	PayCanceled: { producer: "payment", consumers: ["mypage"] },
	OrderTaken: { producer: "fishstore", consumers: ["delivery", "mypage"] },
	DeliveryStarted: { producer: "delivery", consumers: ["mypage"] },
	DeliveryCompleted: { producer: "delivery", consumers: ["mypage"] },
	DeliveryCanceled: { producer: "delivery", consumers: ["mypage"] },
	OrderCanceled: { producer: "order", consumers: ["payment", "fishstore", "delivery", "mypage"] }
};

/** Events published beyond the spec's tables, each with why it exists. */
const BEYOND_SPEC: Record<string, Record<string, string>> = {
	flowerdelivery: { OrderPlacementFailed: "order → payment: a placement whose payment failed or timed out; a late charge is refunded" },
	fishdelivery: {}
};

const SYSTEMS: { system: string; produces: () => Produced[]; spec: SpecTable }[] = [
	{ system: "flowerdelivery", produces: flowerDeliveryProduces, spec: FLOWER_SPEC },
	{ system: "fishdelivery", produces: fishDeliveryProduces, spec: FISH_SPEC }
];

/** A service's channels, its mixins' included (as Moleculer merges them: the service's own win). */
function channelsOf(schema: ServiceSchema): Record<string, ChannelDefinition<unknown>> {
	const fromMixins = (schema.mixins ?? []).map(m => channelsOf(m as ServiceSchema));
	return Object.assign({}, ...fromMixins, (schema as ContextSchema).channels ?? {});
}

interface Consumer {
	consumer: string;
	type: string;
	contract: EventContract;
}

/** Every (consumer, event type) of a system, found in its services' `channels` (`<system>.<EventType>`). */
function consumersOf(system: string): Consumer[] {
	const dir = join(__dirname, "../../services", system);
	return readdirSync(dir)
		.filter(f => f.endsWith(".service.ts"))
		.sort()
		.flatMap(file => {
			// eslint-disable-next-line @typescript-eslint/no-require-imports -- every context's module, found on disk
			const schema = (require(join(dir, file)) as { default: ServiceSchema }).default;
			return Object.entries(channelsOf(schema)).map(([channel, def]) => {
				if (!channel.startsWith(`${system}.`)) throw new Error(`${schema.name} consumes '${channel}' from outside ${system}`);
				return { consumer: schema.name, type: channel.slice(system.length + 1), contract: def.contract ?? {} };
			});
		});
}

/** The event as it travels: JSON, so what does not survive the wire (undefined, functions) is not counted on. */
const onTheWire = (data: object): unknown => JSON.parse(JSON.stringify(data));

const isOptional = (rule: unknown): boolean =>
	typeof rule === "string" ? rule.split("|").includes("optional") : typeof rule === "object" && rule !== null && (rule as { optional?: boolean }).optional === true;

describe.each(SYSTEMS)("$system: events keep their consumers' contracts", ({ system, produces, spec }) => {
	const produced = produces();
	const consumers = consumersOf(system);
	const short = (name: string) => name.slice(system.length + 1);

	it.each(consumers.map(c => [`${short(c.consumer)} ← ${c.type} needs {${["orderId", ...Object.keys(c.contract)].join(", ")}}`, c] as const))("%s", (_name, { consumer, type, contract }) => {
		const events = produced.filter(p => p.event.type === type);
		expect({ consumer, type, producers: events.map(p => p.producer) }).toEqual({ consumer, type, producers: expect.arrayContaining([expect.any(String)]) });

		const breachesOf = compileContract(contract);
		const broken = events.flatMap(({ producer, how, event }) => breachesOf(onTheWire(event.data)).map(b => `${producer} (${how}) → ${consumer}: data.${b.field}: ${b.message}`));
		expect(broken).toEqual([]);

		// The contract can fail: without any field it needs, a produced event is refused, naming that field.
		const sample = onTheWire(events[0].event.data) as Record<string, unknown>;
		for (const field of ["orderId", ...Object.keys(contract).filter(f => !isOptional(contract[f]))]) {
			const { [field]: _dropped, ...without } = sample;
			expect({ field, refused: breachesOf(without).map(b => b.field) }).toEqual({ field, refused: [field] });
		}
	});

	it("every event the spec lists is produced by the context it names, and consumed by the contexts it names", () => {
		const producersOf = (type: string) => [...new Set(produced.filter(p => p.event.type === type).map(p => short(p.producer)))];
		const consumersOfType = (type: string) => consumers.filter(c => c.type === type).map(c => short(c.consumer));
		for (const [type, { producer, consumers: named }] of Object.entries(spec)) {
			expect({ type, producers: producersOf(type) }).toEqual({ type, producers: [producer] });
			expect({ type, consumers: consumersOfType(type) }).toEqual({ type, consumers: expect.arrayContaining(named) });
		}
	});

	it("every event produced is in the spec's list, or named beyond it with its reason", () => {
		const types = [...new Set(produced.map(p => p.event.type))].sort();
		expect(types).toEqual([...Object.keys(spec), ...Object.keys(BEYOND_SPEC[system])].sort());
		for (const { event } of produced) expect(typeof event.data.orderId).toBe("string");
	});
});
