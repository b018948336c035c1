/**
 * Poison messages at run time: an event whose data breaks what a consumer declared it needs is refused by
 * that consumer with an error naming the event, the consumer and the field, and changes nothing there, not
 * even the record of processed events (the corrected message, with the same id, is applied later).
 * One broker in process with both systems; handlers called directly, and messages published through the
 * embedded default's durable local adapter (a poison message parked as a dead letter at once, with its error).
 */
import { randomUUID } from "node:crypto";
import { Context, ServiceBroker, type Service } from "moleculer";
import { config } from "../../config";
import { brokerOptions } from "../../moleculer.config";
import { publishToChannel } from "../../middlewares/channels";
import { ContractViolationError } from "../../lib/contracts";
import type { LocalDurableAdapter } from "../../middlewares/local-channels";
import { fishDeliverySchemas, flowerDeliverySchemas } from "../support/embedded";
import { eventually } from "../support/http";

type Consumer = Service & {
	emitLocalChannelHandler(channel: string, ctx: Context, raw?: unknown): Promise<void>;
	loadState(id: string): Promise<Record<string, unknown> | null>;
	view: { get(id: string): Promise<Record<string, unknown> | null> };
};

let broker: ServiceBroker;

beforeAll(async () => {
	// Few, quick retries: a poison message fails the same way every time.
	const channels = { ...config.channels, maxRetries: 1, backoffBaseMs: 10, backoffMaxMs: 10 };
	broker = new ServiceBroker({ ...brokerOptions({ ...config, channels }), nodeID: `contracts-${process.pid}` });
	for (const schema of [...flowerDeliverySchemas, ...fishDeliverySchemas]) broker.createService(schema);
	await broker.start();
});
afterAll(() => broker.stop());

const consumer = (name: string): Consumer => {
	const svc = broker.getLocalService(name);
	if (!svc) throw new Error(`no local service ${name}`);
	return svc as unknown as Consumer;
};

function event(type: string, data: { orderId: string } & Record<string, unknown>, id: string = randomUUID()) {
	return { id, type, source: "contract-test", aggregateId: data.orderId, occurredAt: new Date().toISOString(), data };
}

/** Calls a consumer's channel handler as the channels middleware does (no retries). */
function deliver(name: string, channel: string, e: ReturnType<typeof event>): Promise<void> {
	const ctx = Context.create(broker);
	ctx.setParams(e);
	return consumer(name).emitLocalChannelHandler(channel, ctx);
}

/** The error `promise` fails with (it must fail). */
async function refusal(promise: Promise<unknown>): Promise<ContractViolationError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ContractViolationError);
	return err as ContractViolationError;
}

const flowerOrder = (orderId: string) => ({ orderId, storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" });
const fishOrder = (orderId: string) => ({ orderId, customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" });

describe("a consumer refuses an event breaking its contract, and changes nothing", () => {
	it("OrderPlaced with qty as text: the store and MyPage each name the event, themselves and the field; nothing is stored; the corrected message is applied", async () => {
		const orderId = randomUUID();
		const poison = event("OrderPlaced", { ...flowerOrder(orderId), qty: "1" });
		for (const name of ["flowerdelivery.store", "flowerdelivery.mypage"]) {
			const err = await refusal(deliver(name, "flowerdelivery.OrderPlaced", poison));
			expect(err.message).toBe(`Event OrderPlaced '${poison.id}' breaks the contract of its consumer '${name}': data.qty: The 'qty' field must be a number. (got "1")`);
			expect(err).toMatchObject({ eventType: "OrderPlaced", eventId: poison.id, consumer: name, breaches: [{ field: "qty" }] });
		}
		expect(await consumer("flowerdelivery.store").loadState(orderId)).toBeNull();
		expect(await consumer("flowerdelivery.mypage").view.get(orderId)).toBeNull();

		// Not recorded as processed either: the same event, corrected, is applied.
		const fixed = event("OrderPlaced", flowerOrder(orderId), poison.id);
		await deliver("flowerdelivery.store", "flowerdelivery.OrderPlaced", fixed);
		await deliver("flowerdelivery.mypage", "flowerdelivery.OrderPlaced", fixed);
		expect(await consumer("flowerdelivery.store").loadState(orderId)).toMatchObject({ status: "Received", qty: 1 });
		expect(await consumer("flowerdelivery.mypage").view.get(orderId)).toMatchObject({ orderStatus: "Placed", orderQty: 1 });
	});

	it("OrderCancelled without storeName: a store order already received stays as it was; no delivery marker is left", async () => {
		const orderId = randomUUID();
		await deliver("flowerdelivery.store", "flowerdelivery.OrderPlaced", event("OrderPlaced", flowerOrder(orderId)));
		const before = await consumer("flowerdelivery.store").loadState(orderId);
		expect(before).toMatchObject({ status: "Received" });

		const poison = event("OrderCancelled", { orderId, userName: "LKJ" });
		for (const name of ["flowerdelivery.store", "flowerdelivery.delivery"]) {
			const err = await refusal(deliver(name, "flowerdelivery.OrderCancelled", poison));
			expect(err.message).toMatch(new RegExp(`^Event OrderCancelled '${poison.id}' breaks the contract of its consumer '${name}': data\\.storeName: The 'storeName' field is required\\.$`));
		}
		expect(await consumer("flowerdelivery.store").loadState(orderId)).toEqual(before);
		expect(await consumer("flowerdelivery.delivery").loadState(orderId)).toBeNull();
		// Payment needs nothing of it but the orderId: its contract holds, so it is not refused there.
		await expect(deliver("flowerdelivery.payment", "flowerdelivery.OrderCancelled", poison)).resolves.toBeUndefined();
	});

	it("every breach is named at once: OrderTaken with a numeric telephone and no address, refused by the rider", async () => {
		const orderId = randomUUID();
		const { address: _address, ...withoutAddress } = fishOrder(orderId);
		const poison = event("OrderTaken", { ...withoutAddress, telephone: 1012341234 });
		const err = await refusal(deliver("fishdelivery.delivery", "fishdelivery.OrderTaken", poison));
		expect(err.breaches.map(b => b.field).sort()).toEqual(["address", "telephone"]);
		expect(err.message).toContain("data.telephone: The 'telephone' field must be a string. (got 1012341234)");
		expect(err.message).toContain("data.address: The 'address' field is required.");
		expect(await consumer("fishdelivery.delivery").loadState(orderId)).toBeNull();
	});
});

describe("published through the embedded default's durable channels", () => {
	it("OrderCanceled with an unknown reason: the shop and the rider refuse it at once (a poison message is not retried: parked as a dead letter, with its error), their state unchanged; payment and MyPage, which do not read the reason, apply it", async () => {
		const orderId = randomUUID();
		await deliver("fishdelivery.fishstore", "fishdelivery.PayApproved", event("PayApproved", fishOrder(orderId)));
		expect(await consumer("fishdelivery.fishstore").loadState(orderId)).toMatchObject({ status: "Received" });

		const poison = event("OrderCanceled", { ...fishOrder(orderId), reason: "whim" });
		await publishToChannel(broker, "fishdelivery.OrderCanceled", poison, { msgID: poison.id });

		const adapter = (broker as unknown as { channelAdapter: LocalDurableAdapter }).channelAdapter;
		const parked = await eventually(async () => adapter.deadLetters().filter(d => (d.payload as { id?: string }).id === poison.id), d => d.length >= 2, 5000);
		expect(parked.map(d => d.group).sort()).toEqual(["fishdelivery.delivery", "fishdelivery.fishstore"]);
		for (const d of parked) {
			expect(d.deliveries).toBe(1); // not retried
			expect(d.error).toContain(`data.reason: The 'reason' field must be one of: customer, payment-failed. (got "whim")`);
		}

		await eventually(() => consumer("fishdelivery.mypage").view.get(orderId), row => row?.status === "Canceled", 5000);
		await eventually(() => consumer("fishdelivery.payment").loadState(orderId), p => p?.status === "Voided", 5000);
		expect(await consumer("fishdelivery.fishstore").loadState(orderId)).toMatchObject({ status: "Received" });
		expect(await consumer("fishdelivery.delivery").loadState(orderId)).toBeNull();
	});
});
