/**
 * What the customer is told by SMS (generic context `notification`): one message per change of an entry's
 * status (EntryStatusChanged: applied, cancelled, won, lost, purchased, winCancelled), in Korean as the seed
 * writes, and the fact that it was sent. The sending, the record and the retries are the notifications
 * block's; this module only says what each change tells.
 */
import type { DrawEvents, EntryStatus } from "./events";

/** The SMS of one change, in The Draw's fields (the record the spec names: `{ userId, phone, entryId, message, sentAt }`). */
export interface SmsFields {
	userId: string;
	phone?: string;
	entryId: string;
	drawId: string;
	/** The status the entry changed to. */
	entryStatus: EntryStatus;
	message: string;
}

/** The SMS and where it goes: to the user, at their phone when the entry gave one. */
export interface Sms extends SmsFields {
	recipient: string;
	address?: string;
	text: string;
}

const TEXT: Readonly<Record<EntryStatus, (d: DrawEvents["EntryStatusChanged"]) => string>> = {
	applied: d => `[THE DRAW] ${d.drawName} (${d.size}) 응모가 완료되었습니다. 추첨 결과는 SMS로 알려드립니다.`,
	cancelled: d => `[THE DRAW] ${d.drawName} (${d.size}) 응모가 취소되었습니다.`,
	won: d => `[THE DRAW] 축하합니다! ${d.drawName} (${d.size})에 당첨되었습니다. 본인 인증 후 구매해 주세요.`,
	lost: d => `[THE DRAW] 아쉽게도 ${d.drawName} (${d.size})에 당첨되지 않았습니다. 다음 DRAW에 참여해 주세요.`,
	purchased: d => `[THE DRAW] ${d.drawName} (${d.size}) 구매가 완료되었습니다. 주문번호 ${d.orderId ?? "-"}`,
	winCancelled: d => `[THE DRAW] ${d.drawName} (${d.size}) 당첨이 취소되었습니다.`
};

/** The one SMS a status change makes. */
export function smsFor(d: DrawEvents["EntryStatusChanged"]): Sms {
	const message = TEXT[d.status](d);
	return {
		userId: d.userId,
		...(d.phone !== undefined ? { phone: d.phone, address: d.phone } : {}),
		entryId: d.entryId,
		drawId: d.drawId,
		entryStatus: d.status,
		message,
		recipient: d.userId,
		text: message
	};
}

/** What SmsSent carries once the SMS `id` was sent. */
export function smsSent(sms: SmsFields & { id: string }): DrawEvents["SmsSent"] {
	return { messageId: sms.id, entryId: sms.entryId, drawId: sms.drawId, userId: sms.userId, ...(sms.phone !== undefined ? { phone: sms.phone } : {}), entryStatus: sms.entryStatus };
}
