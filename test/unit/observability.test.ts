import { inspect } from "node:util";
import { ConfigError, loadConfig } from "../../config";
import { jsonLogFormatter, logFields, metricsOptions, RequestTraceJaegerExporter, traceHex, tracingOptions } from "../../middlewares/observability";

describe("observability settings", () => {
	it("is off by default: no metrics, no tracing", () => {
		const { observability } = loadConfig({});
		expect(observability).toEqual({ metricsPort: undefined, jaeger: undefined, tracingSampleRate: 1 });
		expect(metricsOptions(observability)).toEqual({ enabled: false });
		expect(tracingOptions(observability)).toEqual({ enabled: false });
	});

	it("METRICS_PORT turns on the Prometheus reporter on that port", () => {
		const { observability } = loadConfig({ METRICS_PORT: "3030" });
		expect(metricsOptions(observability)).toEqual({ enabled: true, reporter: [{ type: "Prometheus", options: { port: 3030, path: "/metrics" } }] });
		expect(() => loadConfig({ METRICS_PORT: "x" })).toThrow(ConfigError);
	});

	it("JAEGER_HOST turns on tracing to the Jaeger agent (JAEGER_PORT defaults to 6832), sampled at TRACING_SAMPLE_RATE", () => {
		const { observability } = loadConfig({ JAEGER_HOST: "jaeger-agent", TRACING_SAMPLE_RATE: "0.25" });
		expect(observability.jaeger).toEqual({ host: "jaeger-agent", port: 6832 });
		const tracing = tracingOptions(observability);
		expect(tracing).toMatchObject({ enabled: true, sampling: { rate: 0.25 } });
		const exporters = (tracing as { exporter: unknown[] }).exporter;
		expect(exporters[0]).toBeInstanceOf(RequestTraceJaegerExporter);
		expect(loadConfig({ JAEGER_HOST: "j", JAEGER_PORT: "6831" }).observability.jaeger?.port).toBe(6831);
		expect(() => loadConfig({ TRACING_SAMPLE_RATE: "2" })).toThrow(/TRACING_SAMPLE_RATE/);
	});
});

describe("trace ids from request ids", () => {
	it("a UUID request id is the trace id (without dashes); any other id is hashed the same way everywhere", () => {
		expect(traceHex("5F2C9A1E-0B7D-4C3E-9A55-0123456789AB")).toBe("5f2c9a1e0b7d4c3e9a550123456789ab");
		expect(traceHex("order-42")).toMatch(/^[0-9a-f]{32}$/);
		expect(traceHex("order-42")).toBe(traceHex("order-42"));
		expect(traceHex("order-42")).not.toBe(traceHex("order-43"));
	});

	it("the exporter gives 128-bit trace ids and 64-bit span ids", () => {
		const exporter = new RequestTraceJaegerExporter({});
		expect(exporter.convertTraceID("5f2c9a1e-0b7d-4c3e-9a55-0123456789ab")?.toString("hex")).toBe("5f2c9a1e0b7d4c3e9a550123456789ab");
		expect(exporter.convertTraceID("cluster-seed-1")?.length).toBe(16);
		expect(exporter.convertSpanID("5f2c9a1e-0b7d-4c3e-9a55-0123456789ab")?.toString("hex")).toBe("5f2c9a1e0b7d4c3e");
		expect(exporter.convertSpanID(null)).toBeNull();
	});
});

describe("JSON log lines", () => {
	const printArgs = (args: unknown[]) => args.map(a => (typeof a === "object" && a !== null ? inspect(a) : a));
	const bindings = { nodeID: "order-1", ns: "", mod: "flowerdelivery.order", svc: "flowerdelivery.order" };

	it("are Moleculer's json shape, with the fields of log fields at the top level", () => {
		const [line] = jsonLogFormatter("warn", ["handled", "OrderPlaced", logFields({ requestID: "r-1", eventId: undefined })], bindings, { printArgs });
		const parsed = JSON.parse(line);
		expect(parsed).toMatchObject({ level: "warn", msg: "handled OrderPlaced", requestID: "r-1", nodeID: "order-1", mod: "flowerdelivery.order" });
		expect(typeof parsed.ts).toBe("number");
		expect("eventId" in parsed).toBe(false);
	});

	it("print as key=value in the console format", () => {
		expect(inspect(logFields({ requestID: "r-1", channel: "flowerdelivery.OrderPlaced" }))).toBe("requestID=r-1 channel=flowerdelivery.OrderPlaced");
	});
});
