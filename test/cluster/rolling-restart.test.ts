/**
 * Graceful shutdown under load: two instances of a context (MyPage, whose view lives in Redis so both
 * serve the same rows) behind the gateway; SIGTERM one, start it again, then the other, several rounds,
 * while clients keep placing orders and reading MyPage. On SIGTERM a broker first announces it takes no
 * more requests and turns unready, finishes what is in flight (requests and channel handlers), stops
 * pulling, and only then leaves. Expected: zero failed requests, every event handled exactly once.
 */
import { FLOWER_DELIVERY, LocalCluster, type ContextSpec } from "../../scripts/cluster";
import { actors, type Actors } from "../support/auth";
import { client, eventually, type Client } from "../support/http";
import { API, seedOrder } from "../support/flower-flows";
import { handledKeys } from "../support/logs";

const ROUNDS = 3;

describe("rolling restart of a context under continuous load", () => {
	const cluster = new LocalCluster({ basePort: 15300, env: { LOG_LEVEL: "info", OUTBOX_SWEEP_MS: "300", CHANNEL_ACK_WAIT_MS: "5000" } });
	const mypage = (name: string): ContextSpec => ({ name, services: "flowerdelivery/mypage", env: { LOG_LEVEL: "debug" } });
	// Writers place orders as their customers; readers (and the checks) read as admin.
	let as: Actors;
	let http: Client;

	beforeAll(async () => {
		await cluster.startServers();
		for (const spec of FLOWER_DELIVERY) await cluster.start(spec.name === "mypage" ? mypage("mypage") : spec);
		await cluster.start(mypage("mypage-2"));
		as = actors(client(cluster.baseUrl));
		http = as.admin();
	});

	afterAll(() => cluster.stopAll());

	it("loses no request and no event, and handles none twice", async () => {
		const placed: string[] = [];
		const failures: string[] = [];
		let requests = 0;
		let running = true;

		const writer = async (i: number) => {
			while (running) {
				const res = await as.customer(`roll${i}`).post(`${API}/orders`, { ...seedOrder, userName: `roll${i}` });
				requests++;
				if (res.status === 201) placed.push(res.body.id);
				else failures.push(`POST ${res.status} ${JSON.stringify(res.body)}`);
			}
		};
		const reader = async (i: number) => {
			while (running) {
				const path = placed.length > 0 && i % 2 ? `${API}/myPages/${placed[0]}` : `${API}/myPages?userName=roll${i}`;
				const res = await http.get(path);
				requests++;
				if (res.status !== 200) failures.push(`GET ${path} ${res.status} ${JSON.stringify(res.body)}`);
			}
		};
		const load = Promise.all([...[0, 1].map(writer), ...[0, 1, 2, 3].map(reader)]);

		for (let round = 0; round < ROUNDS; round++) {
			for (const name of ["mypage", "mypage-2"]) {
				await new Promise(r => setTimeout(r, 500));
				await cluster.stop(name, "SIGTERM");
				await new Promise(r => setTimeout(r, 300));
				await cluster.start(mypage(name));
			}
		}
		await new Promise(r => setTimeout(r, 500));
		running = false;
		await load;

		console.log(`rolling restart: ${ROUNDS * 2} restarts, ${requests} requests, ${failures.length} failed, ${placed.length} orders placed`);
		expect(failures).toEqual([]);
		expect(placed.length).toBeGreaterThan(0);

		// Every placed order reaches MyPage (none lost) …
		for (const id of placed) await eventually(() => http.get(`${API}/myPages/${id}`), r => r.status === 200, 30000);
		// … and each OrderPlaced was handled by exactly one instance, once (none twice).
		const handled = [...handledKeys(cluster.logOf("mypage"), "OrderPlaced"), ...handledKeys(cluster.logOf("mypage-2"), "OrderPlaced")];
		const perOrder = new Map<string, number>();
		for (const id of handled) perOrder.set(id, (perOrder.get(id) ?? 0) + 1);
		expect(placed.filter(id => perOrder.get(id) !== 1)).toEqual([]);
	});
});
