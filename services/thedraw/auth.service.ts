/**
 * thedraw.auth — certifies a buyer at checkout: the saga's synchronous `certify` step (called by the order
 * context, behind the step bulkhead, internal only). The password is checked by the identity context
 * (`identity.verifyPassword`: the accounts are there, never here); the outcome is kept per order request and
 * told (AuthCertified / AuthCancelled). Identity down or overloaded: 503, nothing certified.
 */
import type { Context, Service } from "moleculer";
import { config } from "../../config";
import { participant } from "../../domain";
import { serviceUnavailable, toMoleculerError } from "../../lib/errors";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ContextSchema } from "../../mixins/schema";
import { callStep, isRefusal, StepNotDone, StepOutcomeUnknown, syncStep } from "../../mixins/sync-step";
import { certify, isCertified, notCertified, type CertifyAnswer, type CertifyRequest, type Certification } from "./auth.domain";

/** The identity context's step-up check (an internal action: no route reaches it). */
const verifyPassword = participant<{ username: string; password: string }, { verified: boolean }>("identity.verifyPassword");

type AuthService = Service & AggregateMethods<Certification>;

const id = { type: "string", min: 1, max: 100 } as const;

const certifyAction = syncStep<AuthService, CertifyRequest>(
	{ orderId: id, entryId: id, drawId: id, userId: id, password: { type: "string", min: 1, max: 200 } },
	async function (this: AuthService, ctx: Context<CertifyRequest>): Promise<CertifyAnswer> {
		const { password, ...request } = ctx.params;
		let record = await this.loadState(request.orderId);
		if (!record) {
			let verified: boolean;
			try {
				verified = (await callStep(ctx, verifyPassword, { username: request.userId, password })).verified === true;
			} catch (err) {
				// Identity refused the question itself (e.g. a name it cannot hold): not the user's password.
				if (isRefusal(err)) verified = false;
				else {
					const cause = err instanceof StepNotDone || err instanceof StepOutcomeUnknown ? err.reason : "UNKNOWN";
					throw serviceUnavailable("The password cannot be checked now: nothing was certified, please try again shortly", config.resilience.retryAfterSeconds, cause);
				}
			}
			record = await this.commit(request.orderId, current => certify(current, request, verified, new Date().toISOString()), { ctx });
		}
		if (!record || !isCertified(record)) throw toMoleculerError(notCertified(request.orderId));
		return { orderId: request.orderId, certified: true };
	}
);

const service: ContextSchema<AggregateMethods<Certification>> = {
	name: "thedraw.auth",
	mixins: [aggregateStore<Certification>({ system: "thedraw", entity: "Certification" })],

	actions: {
		// Never a password in a trace.
		certify: { ...certifyAction, tracing: { tags: { params: ["orderId", "entryId", "drawId", "userId"], meta: false } } }
	}
};

export default service;
