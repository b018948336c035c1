/**
 * MyPage read model: one row per entry (keyed by `entryId`), folded only from events — the entry's status
 * changes (EntryStatusChanged, with the entry as it is) and its order's facts — so a customer reads all
 * their entries, each with its status, its result and its order, without any context's data being read.
 * Events arrive on separate channels, so in any order: the status and the order's status only move forward.
 */
import { advance, later, type DomainEvent } from "../../domain";
import { ENTRY_PROGRESS } from "./draw.domain";
import type { DrawEvent, EntryStatus } from "./events";

export type MyPageOrderStatus = "placed" | "cancelled";

export interface MyPageRow {
	entryId: string;
	userId?: string;
	drawId?: string;
	drawName?: string;
	itemNo?: string;
	drawDate?: string;
	size?: number;
	price?: number;
	status?: EntryStatus;
	/** The result: null before the raffle (and for a cancelled entry), true won, false lost. */
	win: boolean | null;
	orderId?: string;
	orderStatus?: MyPageOrderStatus;
	updatedAt: string;
}

const ORDER_PROGRESS: Readonly<Record<MyPageOrderStatus, number>> = { placed: 1, cancelled: 2 };

/** The result an entry's status says. */
export function winOf(status: EntryStatus | undefined): boolean | null {
	if (status === "won" || status === "purchased" || status === "winCancelled") return true;
	if (status === "lost") return false;
	return null;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const isStatus = (v: unknown): v is EntryStatus => typeof v === "string" && v in ENTRY_PROGRESS;

/** The channels MyPage subscribes to. */
export const MYPAGE_EVENTS: readonly DrawEvent[] = ["EntryStatusChanged", "OrderPlaced", "OrderCancelled"];

export function foldMyPage(row: MyPageRow | null, e: Pick<DomainEvent, "type" | "occurredAt" | "data">): MyPageRow {
	const r: MyPageRow = row ? { ...row } : { entryId: String(e.data.entryId), win: null, updatedAt: e.occurredAt };
	const d = e.data;
	r.userId = r.userId ?? str(d.userId);
	r.drawId = r.drawId ?? str(d.drawId);
	switch (e.type) {
		case "EntryStatusChanged":
			Object.assign(r, { drawName: str(d.drawName), itemNo: str(d.itemNo), drawDate: str(d.drawDate), size: num(d.size), price: num(d.price) });
			if (isStatus(d.status)) r.status = advance(ENTRY_PROGRESS, r.status, d.status);
			r.orderId = r.orderId ?? str(d.orderId);
			break;
		case "OrderPlaced":
			r.orderId = r.orderId ?? str(d.orderId);
			r.orderStatus = advance(ORDER_PROGRESS, r.orderStatus, "placed");
			break;
		case "OrderCancelled":
			r.orderId = r.orderId ?? str(d.orderId);
			r.orderStatus = advance(ORDER_PROGRESS, r.orderStatus, "cancelled");
			break;
	}
	r.win = winOf(r.status);
	r.updatedAt = later(r.updatedAt, e.occurredAt);
	return r;
}
