/**
 * fishdelivery.mypage — the customer's MyPage (the seed's CQRS view): one row per order, folded only from
 * events, keyed by orderId and filterable by status.
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { eventView } from "../../mixins/view.mixin";
import { foldMyPage, MYPAGE_EVENTS, type MyPageRow } from "./mypage.view";
import { ORDER_DETAILS_CONTRACT } from "./params";

const LIST: ListSpec = { filters: { status: "string", customerName: "string" }, sortable: ["updatedAt", "status"], defaultSort: "-updatedAt" };

const service: ContextSchema = {
	name: "fishdelivery.mypage",
	mixins: [
		eventView<MyPageRow>({
			system: "fishdelivery",
			key: "orderId",
			events: MYPAGE_EVENTS,
			// The order's details (its customer too) come with OrderPlaced; the other facts only move statuses.
			contracts: { OrderPlaced: ORDER_DETAILS_CONTRACT },
			fold: foldMyPage,
			entity: "MyPage entry",
			list: LIST,
			// A customer's MyPage: their own orders only.
			read: { roles: ["customer", "admin"], owner: "customerName" },
			visible: row => row.placed
		})
	]
};

export default service;
