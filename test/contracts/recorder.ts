/**
 * What producers tell, recorded: each system's file here (test/contracts/<system>.ts) drives its producers'
 * domain functions to tell every event they can, feeding each with what the others told; the contract test
 * (test/unit/contracts.test.ts) checks those events against every consumer's contract and the saga table.
 */
import type { Decision, EventDraft } from "../../domain";

/** An event a producer's domain produced, and how. */
export interface Produced {
	producer: string;
	how: string;
	event: EventDraft;
}

/** `tell(producer, how, decision)` keeps its events and answers its state; `dataOf(type)` the data of one told. */
export function recorder(system: string) {
	const produced: Produced[] = [];
	const tell = <S>(context: string, how: string, decision: Decision<S> | null): S => {
		if (!decision) throw new Error(`${system}.${context} ${how}: decided nothing`);
		for (const event of decision.events) produced.push({ producer: `${system}.${context}`, how, event });
		return decision.state;
	};
	const dataOf = <D>(type: string, where: (data: D) => boolean = () => true): D => {
		const found = produced.find(p => p.event.type === type && where(p.event.data as D));
		if (!found) throw new Error(`no ${type} produced yet`);
		return found.event.data as D;
	};
	return { produced, tell, dataOf };
}
