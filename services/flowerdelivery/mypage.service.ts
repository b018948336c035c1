/**
 * flowerdelivery.mypage — the customer's MyPage, a CQRS view folded only from events.
 */
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { eventView } from "../../mixins/view.mixin";
import { foldMyPage, MYPAGE_EVENTS, type MyPageRow } from "./mypage.view";

const LIST: ListSpec = { filters: { userName: "string", orderStatus: "string", storeName: "string" }, sortable: ["updatedAt", "orderStatus"], defaultSort: "-updatedAt" };

const service: ContextSchema = {
	name: "flowerdelivery.mypage",
	mixins: [
		eventView<MyPageRow>({
			system: "flowerdelivery",
			key: "orderId",
			events: MYPAGE_EVENTS,
			// What MyPage shows beyond the statuses: the order as placed (its owner too), and the reasons.
			contracts: {
				OrderPlaced: { userName: "string|empty:false", storeName: "string", itemName: "string", qty: "number", itemPrice: "number" },
				PaymentCancelled: { reason: "string" },
				OrderRejected: { reason: "string" }
			},
			fold: foldMyPage,
			entity: "MyPage entry",
			list: LIST,
			// A customer's MyPage: their own orders only.
			read: { roles: ["customer", "admin"], owner: "userName" },
			// Listed only once the order is established.
			visible: row => row.placed
		})
	]
};

export default service;
