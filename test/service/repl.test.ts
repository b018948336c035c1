/**
 * The operator's REPL commands (services/operations/repl-commands.ts), typed into the real REPL: the broker's
 * own `broker.repl()` (what `npm run repl` starts) runs moleculer-repl with the commands of moleculer.config.ts,
 * over in-memory streams instead of the terminal; each line goes through moleculer-repl's evaluator and its
 * command parser to the command's action, whose printout is read.
 *
 *   saga <system> <key>      a flower order's timeline, every fact with who handled it
 *   deadletters [system]     a poison message parked by two consumers, with the error
 *   replay <id>              handed to its group again (and parked again: it is still poison)
 *   owed                     nothing owed once every consumer is through
 *   raffle verify <drawId>   a clear answer where The Draw does not run; then The Draw's contexts join the
 *                            broker, a raffle is entered and run over HTTP, and the REPL recomputes it
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import repl from "node:repl";
import { PassThrough } from "node:stream";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { publishToChannel } from "../../middlewares/channels";
import timeline from "../../services/timeline/timeline.service";
import { actors, type Actors } from "../support/auth";
import { flowerDeliverySchemas, startEmbedded, systemSchemas } from "../support/embedded";
import { flowerFlows, seedOrder } from "../support/flower-flows";
import { client, eventually } from "../support/http";

let broker: ServiceBroker;
let stop: () => Promise<void>;
let as: Actors;
let server: repl.REPLServer;
const input = new PassThrough();
const output = new PassThrough();
const home = mkdtempSync(join(tmpdir(), "repl-home-"));
const realHome = process.env.HOME;
let prompts = 0;

beforeAll(async () => {
	const app = await startEmbedded([...flowerDeliverySchemas, timeline as ServiceSchema]);
	({ broker, stop } = app);
	as = actors(client(app.baseUrl));
	// The REPL keeps its history in the home folder: a throwaway one. Its terminal: in-memory streams.
	process.env.HOME = home;
	const start = repl.start;
	const spy = jest.spyOn(repl, "start").mockImplementation(options => start({ ...(typeof options === "object" ? options : {}), input, output, terminal: false }));
	const started: unknown = broker.repl();
	spy.mockRestore();
	if (!(started instanceof repl.REPLServer)) throw new Error("broker.repl() started no REPL");
	server = started;
	// moleculer-repl stops the broker and exits the process when its REPL closes: not in a test.
	server.removeAllListeners("exit");
	output.on("data", (chunk: Buffer) => (prompts += chunk.toString().split("mol $ ").length - 1));
});

afterAll(async () => {
	server?.close();
	process.env.HOME = realHome;
	rmSync(home, { recursive: true, force: true });
	await stop();
});

/** Types `line` into the REPL and answers what the command printed, once the REPL prompts again. */
async function type(line: string): Promise<string> {
	const printed: string[] = [];
	const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void printed.push(a.join(" ")));
	try {
		const before = prompts;
		input.write(`${line}\n`);
		await eventually(async () => prompts, n => n > before, 15000, 10);
	} finally {
		log.mockRestore();
	}
	return printed.join("\n");
}

it("registers every command of moleculer.config.ts with the REPL", () => {
	const names = ["saga", "deadletters", "replay", "owed", "raffle"];
	for (const name of names) expect(broker.options.replOptions?.customCommands?.some(c => c.command.split(" ")[0] === name)).toBe(true);
});

it("saga <system> <key> prints an order's timeline: each fact in order, its producer, what each consumer did", async () => {
	const flows = flowerFlows(as);
	const id = await flows.place(seedOrder);
	await eventually(() => broker.call<{ waiting: number; entries: unknown[] }, object>("timeline.get", { system: "flowerdelivery", key: id }), t => t.entries.length === 2 && t.waiting === 0);
	const printed = await type(`saga flowerdelivery ${id}`);
	const lines = printed.split("\n");
	expect(lines[0]).toBe(`flowerdelivery:${id}  (owner LKJ)  latest OrderPlaced`);
	expect(lines[1]).toMatch(/^ {2}\S+ {2}PaymentApproved by payment {2}\S+$/);
	expect(lines[2]).toBe("      → mypage ✓ handled");
	expect(lines[3]).toMatch(/^ {2}\S+ {2}OrderPlaced by order {2}\S+$/);
	expect(lines.slice(4)).toEqual(["      → store ✓ handled", "      → mypage ✓ handled"]);

	expect(await type(`saga flowerdelivery ${randomUUID()}`)).toMatch(/^No saga flowerdelivery\/.+ in the timeline\.$/);
	expect(await type(`saga nosuch ${id}`)).toContain("system");
});

it("deadletters [system] lists a poison message with its error; replay <id> hands it to its group again; owed shows the lag", async () => {
	const orderId = `poison-${randomUUID()}`;
	const id = randomUUID();
	await publishToChannel(broker, "flowerdelivery.OrderPlaced", { id, type: "OrderPlaced", source: "flowerdelivery.order", aggregateId: orderId, occurredAt: new Date().toISOString(), data: { orderId, userName: "poisoned" } }, { msgID: id });
	const listed = await eventually(() => type("deadletters flowerdelivery"), out => out.split("\n").filter(l => /^\S+:\d+ /.test(l) && l.includes(id)).length === 2, 10000);
	const rows = listed.split("\n");
	const store = rows.findIndex(l => l.includes("→ flowerdelivery.store") && l.includes(id));
	expect(rows[store]).toMatch(new RegExp(`^flowerdelivery\\.store:\\d+ {2}\\S+ {2}flowerdelivery\\.OrderPlaced → flowerdelivery\\.store {2}OrderPlaced ${id} {2}after 1 deliveries$`));
	expect(rows[store + 1]).toContain("ContractViolationError");
	expect(rows[store + 1]).toContain("data.storeName");
	expect(await type("deadletters flowerdelivery.mypage")).not.toContain("→ flowerdelivery.store");
	expect(await type("deadletters fishdelivery")).toBe("No dead letters.");

	const letter = rows[store].split(" ")[0];
	expect(await type(`replay ${letter}`)).toBe(`Replayed ${letter}.`);
	// Still poison: its group refuses it again, and it is parked again.
	await eventually(() => type("deadletters flowerdelivery.store"), out => out.includes(id), 10000);
	expect(await type(`replay ${letter}-nosuch`)).toBe(`No dead letter ${letter}-nosuch.`);
	expect(await eventually(() => type("owed"), out => out === "Nothing owed: every consumer is up to date.", 10000)).toBe("Nothing owed: every consumer is up to date.");
});

it("raffle verify <drawId> says so where The Draw does not run, and recomputes a real run where it does", async () => {
	expect(await type("raffle verify RV")).toBe("The Draw is not running here: no service answers thedraw.raffle.verify.");
	expect(await type("raffle check RV")).toBe("Usage: raffle verify <drawId>");
	// The Draw's contexts join the running broker, as their pods join a cluster.
	for (const schema of systemSchemas("thedraw")) broker.createService(schema);
	await broker.waitForServices(["thedraw.draw", "thedraw.raffle"], 10000);
	const entry = { itemNo: "1111", price: "100000", drawDate: "2021-08-28", size: "275", drawId: "RV", drawName: "NIKE jordan 1" };
	for (const userId of ["rv-fan1", "rv-fan2", "rv-fan3"]) expect((await as.customer(userId).post("/api/thedraw/draws", { ...entry, userId })).status).toBe(201);
	const admin = as.admin();
	await eventually(() => admin.get("/api/thedraw/raffles/RV"), r => r.status === 200 && r.body.entries.length === 3);
	const run = await admin.post("/api/thedraw/raffles/RV/run", { winners: 1 });
	expect(run.status).toBe(200);

	const ok = (await type("raffle verify RV")).split("\n");
	expect(ok[0]).toBe("The run of RV matches its record.");
	expect(JSON.parse(ok.slice(1).join("\n"))).toMatchObject({ drawId: "RV", matches: true, candidates: 3, candidatesSorted: true, winners: run.body.run.winners, recomputed: run.body.run.winners });
	// A draw with entries but no run yet, and one nobody entered: The Draw's own refusals, printed.
	expect((await as.customer("rv-fan4").post("/api/thedraw/draws", { ...entry, drawId: "RV-LATER", userId: "rv-fan4" })).status).toBe(201);
	await eventually(() => admin.get("/api/thedraw/raffles/RV-LATER"), r => r.status === 200);
	expect(await type("raffle verify RV-LATER")).toMatch(/RV-LATER/);
	expect(await type("raffle verify RV-LATER")).not.toMatch(/matches/);
	expect(await type("raffle verify NOBODY")).toMatch(/NOBODY/);
});
