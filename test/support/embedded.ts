/** The embedded default in this process: the contexts of the systems, the identity context and the gateway in one broker, on a free port. */
import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { ServiceBroker, type Middleware, type ServiceSchema } from "moleculer";
import { checkResponsesOf } from "./http";
import { OpenApiContract, type OpenApiDocument } from "./openapi-contract";
import { config } from "../../config";
import { brokerOptions } from "../../moleculer.config";
import api from "../../services/gateway/api.service";
import identity from "../../services/identity/identity.service";
import { aliasesOf } from "../../services/system";
import { SYSTEMS } from "../../services/systems";

/** The service schemas of a system's contexts (services/<system>/<context>.service.ts, from its manifest). */
export function systemSchemas(name: string): ServiceSchema[] {
	const system = SYSTEMS.find(s => s.name === name);
	if (!system) throw new Error(`no system ${name}`);
	return system.contexts.map(context => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- each context's module, named by the manifest
		const mod = require(path.join(__dirname, "..", "..", "services", system.name, `${context}.service`)) as { default: ServiceSchema };
		return mod.default;
	});
}

export const flowerDeliverySchemas: ServiceSchema[] = systemSchemas("flowerdelivery");
export const fishDeliverySchemas: ServiceSchema[] = systemSchemas("fishdelivery");
/** Every context of every system. */
export const allSchemas: ServiceSchema[] = SYSTEMS.flatMap(s => systemSchemas(s.name));

let n = 0;

/** `middlewares`: a test's own, innermost (e.g. to hold a consumer back and control an interleaving). */
export async function startEmbedded(schemas: ServiceSchema[] = flowerDeliverySchemas, middlewares: Middleware[] = []): Promise<{ broker: ServiceBroker; baseUrl: string; stop: () => Promise<void> }> {
	const options = brokerOptions(config);
	const broker = new ServiceBroker({ ...options, middlewares: [...middlewares, ...(options.middlewares ?? [])], nodeID: `test-${process.pid}-${++n}` });
	for (const schema of [...schemas, identity as ServiceSchema, api as ServiceSchema]) broker.createService(schema);
	await broker.start();
	const gateway = broker.getLocalService("api");
	const server: unknown = gateway && "server" in gateway ? gateway.server : undefined;
	if (!(server instanceof Server)) throw new Error("gateway has no HTTP server");
	// The gateway listens once every service of the broker has started.
	if (!server.listening) await new Promise(resolve => server.once("listening", resolve));
	const { port } = server.address() as AddressInfo;
	const baseUrl = `http://127.0.0.1:${port}`;
	const contract = await checkAgainstOpenApi(baseUrl);
	return {
		broker,
		baseUrl,
		stop: async () => {
			await broker.stop();
			contract.done();
		}
	};
}

/**
 * From now on every answer of the gateway at `baseUrl` to a test client (test/support/http.ts) is checked against
 * the OpenAPI document that gateway serves now; `done()` stops it, and fails if any answer did not match (even one
 * a poller swallowed while it waited for another answer).
 */
export async function checkAgainstOpenApi(baseUrl: string): Promise<{ contract: OpenApiContract; done: () => void }> {
	const res = await fetch(`${baseUrl}/api/openapi.json`);
	if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
	const contract = new OpenApiContract((await res.json()) as OpenApiDocument);
	checkResponsesOf(baseUrl, r => contract.check(r));
	return {
		contract,
		done: () => {
			checkResponsesOf(baseUrl, undefined);
			if (contract.failures.length > 0) throw new Error(`${contract.failures.length} answer(s) did not match the OpenAPI document:\n${contract.failures.join("\n\n")}`);
		}
	};
}

/** The gateway aliases of a system (`"POST /orders": "flowerdelivery.order.place"`), from its manifest. */
export function routesOf(name: string): Record<string, string> {
	const system = SYSTEMS.find(s => s.name === name);
	if (!system) throw new Error(`no system ${name}`);
	return aliasesOf(system);
}
