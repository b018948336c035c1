/**
 * The embedded default (`npm start`: every context in one process, the SQLite store and its durable local
 * channels) killed with SIGKILL again and again while customers place orders: after each restart nothing is
 * lost and nothing is doubled — every order answered 201 is there with exactly one payment, its store order and
 * its MyPage row (every event still owed to a consumer was handed over after the restart), and a request cut off
 * by the kill, retried with its Idempotency-Key, answers the same order.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { actors, type Actors } from "../support/auth";
import { API, seedOrder } from "../support/flower-flows";
import { client, eventually } from "../support/http";

const ROOT = path.join(__dirname, "..", "..");
const PORT = 15700;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe("embedded default under kill -9", () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "embedded-crash-"));
	let proc: ChildProcess | undefined;
	let as: Actors;
	const log = path.join(dataDir, "process.log");

	async function start(): Promise<void> {
		const out = fs.openSync(log, "a");
		const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(PORT), LOG_LEVEL: "warn", OUTBOX_SWEEP_MS: "200", SERVICEDIR: path.join(ROOT, "dist", "services") };
		for (const k of ["SERVICES", "TRANSPORTER", "REDIS_URL", "MONGO_URI", "NODE_OPTIONS"]) delete env[k];
		proc = spawn(process.execPath, [path.join(ROOT, "node_modules", "moleculer", "bin", "moleculer-runner.js"), "--config", path.join(ROOT, "dist", "moleculer.config.js")], { cwd: ROOT, env, stdio: ["ignore", out, out] });
		await eventually(async () => (await fetch(`http://127.0.0.1:${PORT}/ready`)).status, s => s === 200, 30000);
	}

	async function kill(): Promise<void> {
		const p = proc;
		if (!p || p.exitCode !== null) return;
		const gone = new Promise(resolve => p.once("exit", resolve));
		p.kill("SIGKILL");
		await gone;
	}

	beforeAll(async () => {
		await start();
		as = actors(client(`http://127.0.0.1:${PORT}`));
	}, 60000);
	afterAll(async () => {
		await kill();
		fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it("five kills while 4 customers place orders: every 201 order is complete after the restarts, one payment each, cut-off requests resume by key", async () => {
		interface Sent {
			customer: string;
			key: string;
			status?: number;
			id?: string;
		}
		const sent: Sent[] = [];
		let stop = false;
		const customer = async (c: number) => {
			const name = `crash${c}`;
			for (let i = 0; !stop; i++) {
				const s: Sent = { customer: name, key: `${name}-${i}` };
				sent.push(s);
				try {
					const res = await as.customer(name).post(`${API}/orders`, { ...seedOrder, userName: name }, { "Idempotency-Key": s.key });
					s.status = res.status;
					if (res.status === 201) s.id = res.body.id;
				} catch {
					s.status = 0; // the process died under the request
					await sleep(300);
				}
				await sleep(20);
			}
		};
		const load = Promise.all([0, 1, 2, 3].map(customer));
		for (let k = 0; k < 5; k++) {
			await sleep(700 + k * 150);
			await kill();
			await sleep(200);
			await start();
		}
		stop = true;
		await load;

		// A request cut off by a kill (no answer, or a 503/504 while the process was going) is retried with its key.
		for (const s of sent.filter(x => x.status !== 201)) {
			const res = await as.customer(s.customer).post(`${API}/orders`, { ...seedOrder, userName: s.customer }, { "Idempotency-Key": s.key });
			expect([s.key, res.status]).toEqual([s.key, 201]);
			s.id = res.body.id;
		}
		const placed = sent.filter(s => s.id);
		expect(placed.length).toBe(sent.length);
		console.log(`embedded kill -9: ${sent.length} requests, ${sent.filter(s => s.status === 201).length} answered 201 at once, ${sent.filter(s => s.status !== 201).length} cut off and resumed by key, 5 kills`);

		const admin = as.admin();
		/** Every row of a list, page by page. */
		const all = async <T,>(path: string): Promise<T[]> => {
			const rows: T[] = [];
			for (let page = 1; ; page++) {
				const res = await admin.get(`${path}&pageSize=100&page=${page}`);
				rows.push(...(res.body.rows as T[]));
				if (page >= res.body.totalPages) return rows;
			}
		};
		// Each key placed one order, and each order is complete: paid once, at the store, on MyPage.
		const byCustomer = new Map<string, string[]>();
		for (const s of placed) byCustomer.set(s.customer, [...(byCustomer.get(s.customer) ?? []), s.id!]);
		for (const [name, ids] of byCustomer) {
			const orders = await all<{ id: string }>(`${API}/orders?userName=${name}&status=Placed`);
			expect(orders.map(o => o.id).sort()).toEqual([...ids].sort());
			const payments = await all<{ orderId: string }>(`${API}/payments?userName=${name}&status=Approved`);
			expect(payments.map(p => p.orderId).sort()).toEqual([...ids].sort());
		}
		for (const s of placed) {
			await eventually(() => admin.get(`${API}/ordermanagements/${s.id}`), r => r.status === 200 && r.body.status === "Received", 20000);
			await eventually(() => admin.get(`${API}/myPages/${s.id}`), r => r.status === 200 && r.body.orderStatus === "Placed" && r.body.paymentStatus === "Approved", 20000);
		}
	});
});
