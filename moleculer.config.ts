/**
 * Moleculer runner configuration: broker options built from the environment (see config/).
 *   npm start                → every context in one process, embedded default (no servers needed)
 *   SERVICES=… TRANSPORTER=… → the chosen contexts, clustered over NATS (one per process in Kubernetes)
 */
import { config } from "./config";
import { createBrokerOptions } from "./config/broker";

export = createBrokerOptions(config);
