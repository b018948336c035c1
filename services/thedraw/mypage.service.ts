/**
 * thedraw.mypage — the customer's MyPage: all their entries, each with its status, its result and its
 * order, a CQRS view folded only from events (in Redis when REDIS_URL is set: results are read very often).
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { eventView } from "../../mixins/view.mixin";
import { foldMyPage, MYPAGE_EVENTS, type MyPageRow } from "./mypage.view";

const LIST: ListSpec = { filters: { userId: "string", drawId: "string", status: "string" }, sortable: ["updatedAt", "drawId", "status"], defaultSort: "-updatedAt" };

const service: ContextSchema = {
	name: "thedraw.mypage",
	mixins: [
		eventView<MyPageRow>({
			system: "thedraw",
			key: "entryId",
			events: MYPAGE_EVENTS,
			// The entry as it is comes with each of its status changes; the order's facts only move the order's status.
			contracts: {
				EntryStatusChanged: {
					status: { type: "enum", values: ["applied", "cancelled", "won", "lost", "purchased", "winCancelled"] },
					userId: "string|empty:false",
					drawId: "string|empty:false",
					drawName: "string",
					itemNo: "string",
					drawDate: "string",
					size: "number",
					price: "number",
					orderId: "string|optional"
				},
				OrderPlaced: { orderId: "string|empty:false" },
				OrderCancelled: { orderId: "string|empty:false" }
			},
			fold: foldMyPage,
			entity: "MyPage entry",
			list: LIST,
			// A customer's MyPage: their own entries only.
			read: { roles: ["customer", "admin"], owner: "userId" },
			// Listed once the entry's status is known.
			visible: row => row.status !== undefined
		})
	]
};

export default service;
