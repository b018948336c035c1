/** Assertions shared by the test tiers of every system. */
import { DomainError } from "../../domain";
import type { Client } from "./http";

/** `fn` throws a DomainError of `kind` (and, when given, naming the current `status`). */
export function expectDomainError(fn: () => unknown, kind: DomainError["kind"], status?: string): void {
	try {
		fn();
	} catch (err) {
		expect(err).toBeInstanceOf(DomainError);
		expect((err as DomainError).kind).toBe(kind);
		if (status) expect((err as DomainError).details.status).toBe(status);
		return;
	}
	throw new Error("expected a DomainError");
}

/** Each body POSTed to `path` is refused with 422 naming its field, in the error shape, without a stack trace. */
export async function expectValidationErrors(http: Client, path: string, cases: [Record<string, unknown>, string][]): Promise<void> {
	for (const [body, field] of cases) {
		const res = await http.post(path, body);
		expect(res.status).toBe(422);
		expect(res.body.type).toBe("VALIDATION_ERROR");
		expect(JSON.stringify(res.body.data)).toContain(field);
		expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js:\d+/);
	}
	expect((await http.post(path, "{not json")).status).toBe(400);
}
