/**
 * Certification aggregate (generic context `auth`): the step-up check of a buyer at checkout, once per
 * order request (keyed by `orderId`). The password is checked against the identity context's accounts
 * (never a credential here); the outcome is kept and told — AuthCertified or AuthCancelled — and asked
 * again, the same request gets the same answer.
 */
import { DomainError, type Decision, type Tracked } from "../../domain";
import { drawEvent } from "./events";

export type CertificationStatus = "certified" | "cancelled";

export interface Certification extends Tracked<CertificationStatus> {
	orderId: string;
	entryId: string;
	drawId: string;
	userId: string;
}

/** What `thedraw.auth.certify` takes: who is buying what, and the password they typed (checked, never kept). */
export interface CertifyRequest {
	orderId: string;
	entryId: string;
	drawId: string;
	userId: string;
	password: string;
}

/** What it answers when the buyer is certified (a buyer who is not is refused: 403). */
export interface CertifyAnswer {
	orderId: string;
	certified: true;
}

/**
 * The outcome of the check (`verified`: the identity context says the password is the user's), stored and
 * told once per order; a repeat decides nothing (the first outcome stands).
 */
export function certify(current: Certification | null, req: Omit<CertifyRequest, "password">, verified: boolean, now: string): Decision<Certification> | null {
	if (current) return null;
	const keys = { orderId: req.orderId, entryId: req.entryId, drawId: req.drawId, userId: req.userId };
	const state: Certification = { id: req.orderId, ...keys, status: verified ? "certified" : "cancelled", createdAt: now, updatedAt: now };
	return { state, events: [verified ? drawEvent("AuthCertified", keys) : drawEvent("AuthCancelled", keys)] };
}

/** The answer a certification gives, asked the first time or again. */
export const isCertified = (c: Pick<Certification, "status">): boolean => c.status === "certified";

/** The refusal of a buyer who was not certified: 403 (the order request is removed). */
export function notCertified(orderId: string): DomainError {
	return new DomainError("Forbidden", "Not certified: the password does not match your account; the order request was removed", { orderId, certified: false });
}
