/** What processes' JSON logs (LOG_FORMAT=json) record, read by their fields — never by their wording. */

export interface LogLine {
	level?: string;
	msg?: string;
	nodeID?: string;
	requestID?: string;
	/** The event type a consumer handled (mixins/consume.ts), with its id and the key of the aggregate it addressed. */
	handled?: string;
	eventId?: string;
	key?: string;
	[field: string]: unknown;
}

/** The JSON lines of a log (other lines skipped). */
export function jsonLines(log: string): LogLine[] {
	return log.split("\n").flatMap(line => {
		if (!line.startsWith("{")) return [];
		try {
			return [JSON.parse(line) as LogLine];
		} catch {
			return [];
		}
	});
}

/** The keys (e.g. order ids) of the events of `type` a consumer's log says it handled: one entry per handling. */
export function handledKeys(log: string, type: string): string[] {
	return jsonLines(log)
		.filter(l => l.handled === type && typeof l.key === "string")
		.map(l => l.key as string);
}
