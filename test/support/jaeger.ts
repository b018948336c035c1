/**
 * A stand-in Jaeger agent for tests: receives the UDP datagrams of Moleculer's Jaeger exporter
 * (jaeger-client's UDPSender: `Agent.emitBatch` thrift messages) on a local socket and decodes them with
 * thriftrw and the IDL that jaeger-client ships.
 */
import dgram from "node:dgram";
import path from "node:path";

export interface ReceivedSpan {
	/** The Jaeger service (Moleculer service full name). */
	service: string;
	operationName: string;
	/** 32 hex digits (traceIdHigh + traceIdLow). */
	traceId: string;
	spanId: string;
	/** 16 hex digits; "0000000000000000" for a root span. */
	parentSpanId: string;
	tags: Record<string, string | number | boolean>;
}

interface ThriftTag {
	key: string;
	vStr?: string | null;
	vDouble?: number | null;
	vBool?: boolean | null;
	vLong?: Buffer | null;
}

interface ThriftSpan {
	traceIdLow: Buffer;
	traceIdHigh: Buffer;
	spanId: Buffer;
	parentSpanId: Buffer;
	operationName: string;
	tags?: ThriftTag[] | null;
}

interface EmitBatch {
	body: { batch: { process: { serviceName: string }; spans: ThriftSpan[] } };
}

interface ThriftRW {
	Agent: { emitBatch: { argumentsMessageRW: { readFrom(buffer: Buffer, offset: number): { err: Error | null; value: EmitBatch } } } };
}

function agentThrift(): ThriftRW {
	// eslint-disable-next-line @typescript-eslint/no-require-imports -- thriftrw ships no typings (jaeger-client's dependency)
	const { Thrift } = require("thriftrw") as { Thrift: new (opts: object) => ThriftRW };
	const idl = path.join(path.dirname(require.resolve("jaeger-client/package.json")), "dist", "src", "thriftrw-idl", "agent.thrift");
	return new Thrift({ entryPoint: idl, allowOptionalArguments: true, allowFilesystemAccess: true });
}

const hex = (b: Buffer | null | undefined, bytes = 8) => (b ? b.toString("hex").padStart(bytes * 2, "0") : "0".repeat(bytes * 2));

function tagValue(t: ThriftTag): string | number | boolean {
	if (t.vStr != null) return t.vStr;
	if (t.vBool != null) return t.vBool;
	if (t.vDouble != null) return t.vDouble;
	if (t.vLong != null) return Number(t.vLong.readBigInt64BE());
	return "";
}

export function decodeBatch(thrift: ThriftRW, datagram: Buffer): ReceivedSpan[] {
	const { err, value } = thrift.Agent.emitBatch.argumentsMessageRW.readFrom(datagram, 0);
	if (err) throw err;
	const { process, spans } = value.body.batch;
	return spans.map(s => ({
		service: process.serviceName,
		operationName: s.operationName,
		traceId: hex(s.traceIdHigh) + hex(s.traceIdLow),
		spanId: hex(s.spanId),
		parentSpanId: hex(s.parentSpanId),
		tags: Object.fromEntries((s.tags ?? []).map(t => [t.key, tagValue(t)]))
	}));
}

export interface JaegerAgent {
	port: number;
	spans: ReceivedSpan[];
	errors: Error[];
	close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 = any free port) and collects every span it receives. */
export async function startJaegerAgent(port = 0): Promise<JaegerAgent> {
	const thrift = agentThrift();
	const socket = dgram.createSocket("udp4");
	const agent: JaegerAgent = {
		port: 0,
		spans: [],
		errors: [],
		close: () => new Promise<void>(resolve => socket.close(() => resolve()))
	};
	socket.on("message", msg => {
		try {
			agent.spans.push(...decodeBatch(thrift, msg));
		} catch (err) {
			agent.errors.push(err as Error);
		}
	});
	await new Promise<void>((resolve, reject) => {
		socket.once("error", reject);
		socket.bind(port, "127.0.0.1", () => resolve());
	});
	agent.port = socket.address().port;
	return agent;
}
