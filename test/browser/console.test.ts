/**
 * The live console in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against the
 * real embedded gateway: a customer logs in with the password grant, an order is placed through the API, and
 * each step of its saga — placed, paid, accepted, decorated, the rider's start and completion — appears on the
 * page without a reload, with what each consumer did; an admin sees every customer's sagas and the panel of
 * contexts. The event-to-screen latency (an event's `occurredAt` to the moment its step is on the page) is
 * measured and printed, not asserted. Screenshots go to artifacts/ (git-ignored).
 *
 * Skipped, saying so, only when /usr/bin/chromium is absent (`apt-get install -y chromium`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceSchema } from "moleculer";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import operations from "../../services/operations/operations.service";
import timeline from "../../services/timeline/timeline.service";
import { actors, type Actors } from "../support/auth";
import { allSchemas, startEmbedded } from "../support/embedded";
import { API, seedOrder } from "../support/flower-flows";
import { client, eventually } from "../support/http";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const ARTIFACTS = join(__dirname, "..", "..", "artifacts");

const present = existsSync(CHROMIUM);
if (!present) console.warn(`SKIPPED: the console's browser test needs Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium); it is not installed on this machine.`);
const suite = present ? describe : describe.skip;

/** An element as the page-side callbacks read it (the project compiles without the DOM library). */
interface Tagged {
	dataset: Record<string, string | undefined>;
}

/** The browser globals the page-side callbacks use, and what they leave on the page. */
interface PageWorld {
	document: { body: unknown; querySelectorAll(selector: string): Iterable<Tagged> };
	MutationObserver: new (callback: () => void) => { observe(target: unknown, options: { childList: boolean; subtree: boolean }): void };
	/** When each timeline step (by event id) and each saga row (by key) was first on the page (Date.now()). */
	seenSteps?: Record<string, number>;
	seenRows?: Record<string, number>;
	/** Set once: still there at the end means the page never reloaded. */
	sameDocument?: string;
}

suite("the live console in a real Chromium", () => {
	let baseUrl: string;
	let stop: () => Promise<void>;
	let as: Actors;
	let profile: string;
	let browser: BrowserContext;
	let page: Page;
	/** The order the customer watched being delivered (the admin opens it again). */
	let delivered = "";

	beforeAll(async () => {
		const app = await startEmbedded([...allSchemas, timeline as ServiceSchema, operations as ServiceSchema]);
		({ baseUrl, stop } = app);
		as = actors(client(baseUrl));
		profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
		browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 1000 }, locale: "ko-KR" });
		page = browser.pages()[0] ?? (await browser.newPage());
		mkdirSync(ARTIFACTS, { recursive: true });
	});
	afterAll(async () => {
		await browser?.close();
		if (profile) rmSync(profile, { recursive: true, force: true });
		await stop?.();
	});

	async function logIn(username: string, password: string): Promise<void> {
		await page.goto(`${baseUrl}/console`);
		await page.getByLabel(/아이디/).fill(username);
		await page.getByLabel(/비밀번호/).fill(password);
		await page.getByRole("button", { name: /로그인/ }).click();
		await page.locator('#live[data-state="live"]').waitFor();
	}

	/** Records, in the page, when each step and each row first appears (the page re-renders them on each push). */
	async function watchScreen(): Promise<void> {
		await page.evaluate(() => {
			const w = globalThis as unknown as PageWorld;
			const steps: Record<string, number> = (w.seenSteps = {});
			const rows: Record<string, number> = (w.seenRows = {});
			w.sameDocument = "yes";
			const note = () => {
				const now = Date.now();
				for (const li of w.document.querySelectorAll("#timeline li[data-event-id]")) steps[li.dataset.eventId ?? ""] ??= now;
				for (const tr of w.document.querySelectorAll("#sagas tr[data-key]")) rows[tr.dataset.key ?? ""] ??= now;
			};
			new w.MutationObserver(note).observe(w.document.body, { childList: true, subtree: true });
		});
	}

	const stepTypes = () => page.locator("#timeline > li").evaluateAll(items => items.map(li => (li as unknown as Tagged).dataset.type));

	it("a customer logs in, places an order through the API, and watches every step of its saga appear without reloading", async () => {
		await logIn("LKJ", "lkj-demo-pw");
		await expect(page.locator("#who-name").textContent()).resolves.toContain("LKJ");
		await watchScreen();

		// The order, placed with curl's request (the README's walkthrough), by the customer's own login.
		const customer = await as.login("LKJ");
		const placed = await customer.post(`${API}/orders`, seedOrder, { "Idempotency-Key": `console-${Date.now()}` });
		expect(placed.status).toBe(201);
		const id: string = placed.body.id;
		delivered = id;

		// Its row appears in the recent sagas by itself; opened, its timeline shows placed and paid.
		const row = page.locator(`#sagas tr[data-key="${id}"]`);
		await row.waitFor();
		await expect(row.locator("td").nth(1).textContent()).resolves.toBe("LKJ");
		await row.getByRole("button").focus();
		await page.keyboard.press("Enter");
		await page.locator('#timeline li[data-type="OrderPlaced"] [data-consumer="store"][data-outcome="handled"]').waitFor();
		await expect(page.locator("#saga-title").textContent()).resolves.toContain(id);

		// The store and the rider act through the API; each step appears on the open page as it happens.
		const [store, rider] = [await as.login("kjshop"), await as.login("rider")];
		await eventually(() => store.get(`${API}/ordermanagements/${id}`), r => r.status === 200);
		const steps: [string, () => Promise<unknown>, string][] = [
			["accept", () => store.post(`${API}/ordermanagements/${id}/accept`), "OrderAccepted"],
			["decorate", () => store.post(`${API}/ordermanagements/${id}/decorate`), "DecorationCompleted"],
			["start", async () => {
				await page.locator('#timeline li[data-type="DeliveryRequested"]').waitFor();
				return rider.post(`${API}/deliveries/${id}/start`);
			}, "DeliveryStarted"],
			["complete", () => rider.post(`${API}/deliveries/${id}/complete`), "DeliveryCompleted"]
		];
		for (const [, act, type] of steps) {
			await act();
			await page.locator(`#timeline li[data-type="${type}"]`).waitFor();
		}

		// What is shown: every fact in order, by its producer, each consumer handled, the pivot passed.
		await page.locator("#timeline [data-outcome]").first().waitFor();
		await eventually(() => page.locator('#timeline [data-outcome="waiting"], #timeline [data-outcome="failed"]').count(), n => n === 0, 15000);
		expect(await stepTypes()).toEqual(["PaymentApproved", "OrderPlaced", "OrderAccepted", "DecorationCompleted", "DeliveryRequested", "DeliveryStarted", "DeliveryCompleted"]);
		const completed = page.locator('#timeline li[data-type="DeliveryCompleted"]');
		await expect(completed.locator(".producer").textContent()).resolves.toContain("delivery");
		await expect(completed.locator('[data-consumer="order"]').textContent()).resolves.toContain("처리됨");
		await expect(page.locator('#timeline li[data-type="DeliveryStarted"]').getAttribute("class")).resolves.toContain("pivot");
		await expect(page.locator("#saga-standing").textContent()).resolves.toMatch(/피벗 통과.*|모두 처리됨/);
		await expect(row.locator("td").nth(2).textContent()).resolves.toBe("DeliveryCompleted");
		// The panel of contexts: the order's context up, every consumer up to date, no dead letter.
		await page.locator("#contexts code", { hasText: "flowerdelivery.order" }).first().waitFor();
		await expect(page.locator("#contexts").textContent()).resolves.toContain("데드레터 없음");
		expect(await page.evaluate(() => (globalThis as unknown as PageWorld).sameDocument)).toBe("yes");

		// The latency from each event (its occurredAt, set when its context committed it) to its step on the page.
		const shown = await page.evaluate(() => {
			const w = globalThis as unknown as PageWorld;
			return { steps: w.seenSteps ?? {}, rows: w.seenRows ?? {} };
		});
		const facts = await page.locator("#timeline > li").evaluateAll(items =>
			items.map(li => {
				const { eventId, type, at } = (li as unknown as Tagged).dataset;
				return { id: eventId ?? "", type: type ?? "", at: at ?? "" };
			})
		);
		const live = facts.filter(f => !["OrderPlaced", "PaymentApproved"].includes(f.type)); // the others were there when the saga was opened
		const latencies = live.map(f => ({ type: f.type, ms: shown.steps[f.id] - Date.parse(f.at) }));
		const placedAt = Date.parse(facts.find(f => f.type === "OrderPlaced")!.at);
		const sorted = latencies.map(l => l.ms).sort((a, b) => a - b);
		console.log(
			[
				"Console event-to-screen latency (event occurredAt → its step on the page, real Chromium, embedded default):",
				...latencies.map(l => `  ${l.type.padEnd(20)} ${l.ms} ms`),
				`  median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms over ${sorted.length} steps`,
				`  a new saga's row in the list: ${shown.rows[id] - placedAt} ms after OrderPlaced`
			].join("\n")
		);
		expect(latencies.every(l => Number.isFinite(l.ms))).toBe(true);
		await page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
	});

	it("an admin sees every customer's sagas, and the panel of contexts with each context up and ready", async () => {
		await page.getByRole("button", { name: /로그아웃/ }).click();
		await page.getByLabel(/아이디/).waitFor();
		const other = await as.customer("HanYongsun").post(`${API}/orders`, { ...seedOrder, userName: "HanYongsun" });
		expect(other.status).toBe(201);
		await logIn("admin", "admin-demo-pw");
		const row = page.locator(`#sagas tr[data-key="${other.body.id}"]`);
		await row.waitFor();
		await expect(row.locator("td").nth(1).textContent()).resolves.toBe("HanYongsun");
		expect(await page.locator("#sagas tbody tr").count()).toBeGreaterThanOrEqual(2);
		await row.getByRole("button").click();
		await page.locator('#timeline li[data-type="OrderPlaced"]').waitFor();
		// Fish delivery is a system of its own: picking it shows its sagas only.
		await page.getByLabel(/시스템/).selectOption("fishdelivery");
		await page.locator("#sagas-empty").waitFor({ state: "visible" });
		await page.getByLabel(/시스템/).selectOption("flowerdelivery");
		await row.waitFor();
		await row.getByRole("button").click();
		await page.locator('#timeline li[data-type="OrderPlaced"] [data-outcome="handled"]').first().waitFor();
		await page.locator("#contexts", { hasText: "준비됨" }).waitFor();
		await expect(page.locator("#contexts").textContent()).resolves.toMatch(/flowerdelivery\.payment\.pay/);
		// The customer's delivered order, as the admin sees it.
		await page.locator(`#sagas tr[data-key="${delivered}"]`).getByRole("button").click();
		await page.locator('#timeline li[data-type="DeliveryCompleted"]').waitFor();
		await page.screenshot({ path: join(ARTIFACTS, "console-admin.png"), fullPage: true });
	});
});
