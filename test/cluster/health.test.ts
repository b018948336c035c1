/**
 * Self-healing probes (the seed's "Liveness Probe" checkpoint): a context that loses its transporter turns
 * unready at once (Kubernetes stops sending it traffic), and not live once that has lasted longer than
 * MAX_DISCONNECTED_MS (Kubernetes restarts it); when NATS comes back it reconnects and is ready again.
 */
import { FLOWER_DELIVERY, LocalCluster } from "../../scripts/cluster";
import { eventually } from "../support/http";

describe("liveness and readiness when the transporter is lost", () => {
	const cluster = new LocalCluster({ basePort: 15500, redis: false, env: { LOG_LEVEL: "warn", MAX_DISCONNECTED_MS: "2000" } });
	const store = FLOWER_DELIVERY.find(s => s.name === "store")!;

	beforeAll(async () => {
		await cluster.startServers();
		await cluster.start(store);
	});

	afterAll(() => cluster.stopAll());

	it("goes unready, then not live, and recovers when NATS is back", async () => {
		expect(await cluster.probe("store", "ready")).toBe(200);
		expect(await cluster.probe("store", "live")).toBe(200);

		await cluster.stopNats();
		await eventually(() => cluster.probe("store", "ready"), s => s === 503, 10000);
		expect(await cluster.probe("store", "live")).toBe(200); // lost only briefly: no restart yet
		await eventually(() => cluster.probe("store", "live"), s => s === 503, 10000);

		await cluster.startNats();
		await eventually(() => cluster.probe("store", "ready"), s => s === 200, 20000);
		expect(await cluster.probe("store", "live")).toBe(200);
	});
});
