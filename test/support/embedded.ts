/** The embedded default in this process: every context, the identity context and the gateway in one broker, on a free port. */
import { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { checkResponsesOf } from "./http";
import { OpenApiContract, type OpenApiDocument } from "./openapi-contract";
import { config } from "../../config";
import { createBrokerOptions } from "../../config/broker";
import api from "../../services/gateway/api.service";
import identity from "../../services/identity/identity.service";
import order from "../../services/flowerdelivery/order.service";
import payment from "../../services/flowerdelivery/payment.service";
import store from "../../services/flowerdelivery/store.service";
import delivery from "../../services/flowerdelivery/delivery.service";
import mypage from "../../services/flowerdelivery/mypage.service";
import fishOrder from "../../services/fishdelivery/order.service";
import fishPayment from "../../services/fishdelivery/payment.service";
import fishStore from "../../services/fishdelivery/fishstore.service";
import fishDelivery from "../../services/fishdelivery/delivery.service";
import fishMyPage from "../../services/fishdelivery/mypage.service";

export const flowerDeliverySchemas: ServiceSchema[] = [order, payment, store, delivery, mypage].map(s => s as ServiceSchema);
export const fishDeliverySchemas: ServiceSchema[] = [fishOrder, fishPayment, fishStore, fishDelivery, fishMyPage].map(s => s as ServiceSchema);

let n = 0;

export async function startEmbedded(schemas: ServiceSchema[] = flowerDeliverySchemas): Promise<{ broker: ServiceBroker; baseUrl: string; stop: () => Promise<void> }> {
	const broker = new ServiceBroker({ ...createBrokerOptions(config), nodeID: `test-${process.pid}-${++n}` });
	for (const schema of [...schemas, identity as ServiceSchema, api as ServiceSchema]) broker.createService(schema);
	await broker.start();
	const gateway = broker.getLocalService("api");
	const server: unknown = gateway && "server" in gateway ? gateway.server : undefined;
	if (!(server instanceof Server)) throw new Error("gateway has no HTTP server");
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
