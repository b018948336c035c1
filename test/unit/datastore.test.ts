/**
 * config/datastore.ts's updateMany: the aggregate store's conditional update and the outbox's `$pull`, on NeDB
 * (moleculer-db's MemoryAdapter), count what they changed (as MemoryAdapter.updateMany does), without the
 * DEP0174 deprecation warning Node 22 prints for the adapter's own updateMany.
 */
import { MemoryAdapter } from "moleculer-db";
import { ServiceBroker, type Service } from "moleculer";
import { updateMany } from "../../lib/datastore";

interface Doc {
	_id: string;
	version: number;
	outbox: { id: string }[];
}

let broker: ServiceBroker;
let store: MemoryAdapter;

beforeAll(async () => {
	broker = new ServiceBroker({ logger: false });
	store = new MemoryAdapter();
	store.init(broker, broker.createService({ name: "datastore-test" }) as Service);
	await store.connect();
});
afterAll(async () => {
	await store.disconnect();
});

it("counts the documents a conditional update changed, and the outbox's $pull removes the published events", async () => {
	await store.insert({ _id: "a", version: 1, outbox: [{ id: "e1" }, { id: "e2" }] });
	expect(await updateMany(store, { _id: "a", version: 1 }, { $set: { version: 2 } })).toBe(1);
	expect(await updateMany(store, { _id: "a", version: 1 }, { $set: { version: 3 } })).toBe(0); // another writer won
	expect(await updateMany(store, { _id: "a" }, { $pull: { outbox: { id: { $in: ["e1"] } } } })).toBe(1);
	const doc = (await store.findById("a")) as Doc;
	expect(doc).toMatchObject({ version: 2, outbox: [{ id: "e2" }] });
	expect(await updateMany(store, { _id: "nobody" }, { $set: { version: 1 } })).toBe(0);
});

it("does not go through MemoryAdapter.updateMany, whose util.promisify of a Promise-returning function Node 22 reports (DEP0174)", async () => {
	// (the warning itself goes to the real process, out of a Jest sandbox's reach: .ci/run checks the test log for it)
	const adapters = jest.spyOn(store, "updateMany");
	await store.insert({ _id: "b", version: 1, outbox: [] });
	expect(await updateMany(store, { _id: "b", version: 1 }, { $set: { version: 2 } })).toBe(1);
	expect(adapters).not.toHaveBeenCalled();
	adapters.mockRestore();
});
