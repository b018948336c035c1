/**
 * Consumer-driven contract tests of the domain events (the published language between contexts), for every
 * system in services/systems.ts.
 *
 * Each consumer declares, where it subscribes (`key` and `contract` of `consume`/`policy`, `contracts` of
 * `eventView`), what it needs from each event's data; at run time `consume()` refuses a message breaking it.
 * Here every producer's domain functions are driven to produce every event they can (test/contracts/<system>.ts),
 * and each event, in its wire form (JSON), is checked against the contract of every consumer found in the
 * services' `channels`: a consumer added or a producer changed is covered without touching this file. The
 * system's saga table (its manifest) is checked too: every event has the producer and exactly the consumers
 * the table names, and carries the saga's correlation keys.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ServiceSchema } from "moleculer";
import { compileContract, type EventContract } from "../../lib/contracts";
import type { ChannelDefinition } from "../../middlewares/channels";
import { SYSTEMS } from "../../services/systems";
import type { Produced } from "../contracts/recorder";

/** The producer samples of a system (test/contracts/<system>.ts). */
function producesOf(system: string): Produced[] {
	const file = join(__dirname, "..", "contracts", `${system}.ts`);
	if (!existsSync(file)) throw new Error(`${system} has no producer samples: write test/contracts/${system}.ts (see flowerdelivery.ts)`);
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- each system's samples, found on disk
	return (require(file) as { produces: () => Produced[] }).produces();
}

/** A service's channels, its mixins' included (as Moleculer merges them: the service's own win). */
function channelsOf(schema: ServiceSchema): Record<string, ChannelDefinition<unknown>> {
	const fromMixins = (schema.mixins ?? []).map(m => channelsOf(m as ServiceSchema));
	return Object.assign({}, ...fromMixins, schema.channels ?? {});
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

describe.each(SYSTEMS.map(s => ({ system: s.name, saga: s.saga })))("$system: events keep their consumers' contracts", ({ system, saga }) => {
	const produced = producesOf(system);
	const consumers = consumersOf(system);
	const short = (name: string) => name.slice(system.length + 1);

	it.each(consumers.map(c => [`${short(c.consumer)} ← ${c.type} needs {${Object.keys(c.contract).join(", ")}}`, c] as const))("%s", (_name, { consumer, type, contract }) => {
		const events = produced.filter(p => p.event.type === type);
		expect({ consumer, type, producers: events.map(p => p.producer) }).toEqual({ consumer, type, producers: expect.arrayContaining([expect.any(String)]) });

		const breachesOf = compileContract(contract);
		const broken = events.flatMap(({ producer, how, event }) => breachesOf(onTheWire(event.data)).map(b => `${producer} (${how}) → ${consumer}: data.${b.field}: ${b.message}`));
		expect(broken).toEqual([]);

		// The contract can fail: without any field it needs, a produced event is refused, naming that field.
		const sample = onTheWire(events[0].event.data) as Record<string, unknown>;
		expect(Object.keys(contract).length).toBeGreaterThan(0); // at least the key it addresses its aggregate by
		for (const field of Object.keys(contract).filter(f => !isOptional(contract[f]))) {
			const { [field]: _dropped, ...without } = sample;
			expect({ field, refused: breachesOf(without).map(b => b.field) }).toEqual({ field, refused: [field] });
		}
	});

	it("every event of the saga table is produced by the context it names, and consumed by exactly the contexts it names", () => {
		const producersOf = (type: string) => [...new Set(produced.filter(p => p.event.type === type).map(p => short(p.producer)))];
		const consumersOfType = (type: string) => [...new Set(consumers.filter(c => c.type === type).map(c => short(c.consumer)))].sort();
		for (const [type, { producer, consumers: named }] of Object.entries(saga.events)) {
			expect({ type, producers: producersOf(type) }).toEqual({ type, producers: [producer] });
			expect({ type, consumers: consumersOfType(type) }).toEqual({ type, consumers: [...named].sort() });
		}
	});

	it("every event produced or consumed is in the saga table, and carries its correlation keys", () => {
		const types = [...new Set(produced.map(p => p.event.type))].sort();
		expect(types).toEqual(Object.keys(saga.events).sort());
		expect(consumers.filter(c => !(c.type in saga.events)).map(c => `${c.consumer} ← ${c.type}`)).toEqual([]);
		for (const { event } of produced) {
			for (const key of saga.events[event.type]?.keys ?? saga.keys) expect({ type: event.type, key, value: typeof (event.data as Record<string, unknown>)[key] }).toEqual({ type: event.type, key, value: "string" });
		}
	});

	it("the saga's owner field (who may read its timeline) is carried, as a string, by events of the saga", () => {
		const owner = saga.owner;
		if (owner === undefined) return; // the timeline falls back to OWNER_FIELDS
		const carrying = produced.filter(p => owner in (p.event.data as Record<string, unknown>));
		expect({ owner, carriedBy: carrying.length > 0 }).toEqual({ owner, carriedBy: true });
		for (const { event } of carrying) expect({ type: event.type, owner: typeof (event.data as Record<string, unknown>)[owner] }).toEqual({ type: event.type, owner: "string" });
	});

	it("every synchronous step names an action its owner really has, and every pivot a fact its owner tells", () => {
		for (const [name, step] of Object.entries(saga.steps)) {
			expect({ name, action: step.participant.action.split(".").slice(0, 2).join(".") }).toEqual({ name, action: `${system}.${step.owner}` });
			// eslint-disable-next-line @typescript-eslint/no-require-imports -- the owner's module
			const owner = (require(join(__dirname, "../../services", system, `${step.owner}.service`)) as { default: ServiceSchema }).default;
			expect({ name, actions: Object.keys(owner.actions ?? {}) }).toEqual({ name, actions: expect.arrayContaining([step.participant.action.split(".")[2]]) });
			if (step.compensation) expect(saga.events[step.compensation]?.producer).toBe(step.caller);
		}
		for (const pivot of saga.pivots) {
			expect(saga.events[pivot.event]?.producer).toBe(pivot.owner);
			if (pivot.cancel) expect(saga.steps[pivot.cancel]?.owner).toBe(pivot.owner);
		}
	});
});
