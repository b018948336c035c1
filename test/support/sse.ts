/** A Server-Sent Events client for tests (what a browser's EventSource reads), over fetch. */
export interface SseEvent {
	event: string;
	data: string;
}

export interface SseStream {
	status: number;
	headers: Headers;
	/** Every event received so far, in order. */
	events: SseEvent[];
	/** The first event (received already or later) that `accept` holds for; fails after `timeoutMs`. */
	next(accept: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
	/** The answer's body when it is not a stream (an error). */
	body(): Promise<unknown>;
	close(): void;
}

export async function openSse(url: string): Promise<SseStream> {
	const abort = new AbortController();
	const res = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: abort.signal });
	const events: SseEvent[] = [];
	const waiters = new Set<() => void>();
	const isStream = res.ok && (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
	if (isStream && res.body) {
		void (async () => {
			const reader = res.body!.getReader();
			const decoder = new TextDecoder();
			let buffer = "";
			try {
				for (;;) {
					const { value, done } = await reader.read();
					if (done) break;
					buffer += decoder.decode(value, { stream: true });
					let end: number;
					while ((end = buffer.indexOf("\n\n")) >= 0) {
						const block = buffer.slice(0, end);
						buffer = buffer.slice(end + 2);
						let event = "message";
						const data: string[] = [];
						for (const line of block.split("\n")) {
							if (line.startsWith("event: ")) event = line.slice(7);
							else if (line.startsWith("data: ")) data.push(line.slice(6));
						}
						if (data.length > 0) {
							events.push({ event, data: data.join("\n") });
							for (const wake of waiters) wake();
						}
					}
				}
			} catch {
				/* closed */
			}
		})();
	}
	return {
		status: res.status,
		headers: res.headers,
		events,
		next(accept, timeoutMs = 15000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = events.find(accept);
					if (!found) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(found);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`no such event within ${timeoutMs} ms; received: ${events.map(e => e.event).join(", ")}`));
				}, timeoutMs);
				waiters.add(check);
				check();
			});
		},
		async body() {
			const text = await res.text();
			try {
				return JSON.parse(text);
			} catch {
				return text;
			}
		},
		close: () => abort.abort()
	};
}
