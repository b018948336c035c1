/**
 * The bare baseline of the throughput benchmark: moleculer-web with one echo action, nothing else
 * (no validation, no store, no channels). Port from BENCH_PORT.
 */
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";

const broker = new ServiceBroker({ logger: false, nodeID: "bench-echo" });
broker.createService({ name: "echo", actions: { echo: { handler: ctx => ctx.params } } });
broker.createService({
	name: "api",
	mixins: [ApiGateway],
	settings: {
		port: Number(process.env.BENCH_PORT || 3900),
		ip: "127.0.0.1",
		logRequest: null,
		logResponse: null,
		routes: [{ path: "/api", mappingPolicy: "restrict", aliases: { "POST /echo": "echo.echo" }, bodyParsers: { json: true } }]
	}
});
broker.start().then(() => process.send?.("ready"));
process.on("SIGTERM", () => broker.stop().then(() => process.exit(0)));
