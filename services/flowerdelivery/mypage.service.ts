/**
 * flowerdelivery.mypage — the customer's MyPage, a CQRS view folded only from events.
 */
import type { Context, Service } from "moleculer";
import { consume } from "../../mixins/channels";
import { notFound } from "../../mixins/errors";
import { listParams, toPageQuery, type ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { viewStore, type ViewMethods } from "../../mixins/view.mixin";
import { foldMyPage, MYPAGE_EVENTS, type MyPageRow } from "./mypage.view";

const LIST: ListSpec = { filters: { userName: "string", orderStatus: "string", storeName: "string" }, sortable: ["updatedAt", "orderStatus"], defaultSort: "-updatedAt" };

type MyPageService = Service & ViewMethods<MyPageRow>;

const isPlaced = (row: unknown): boolean => typeof row === "object" && row !== null && "placed" in row && row.placed === true;

const service: ContextSchema<object, object, ViewMethods<MyPageRow>> = {
	name: "flowerdelivery.mypage",
	mixins: [viewStore<MyPageRow>("flowerdelivery.mypage")],

	actions: {
		list: {
			params: listParams(LIST),
			async handler(this: MyPageService, ctx: Context<Record<string, unknown>>) {
				const q = toPageQuery(ctx.params, LIST);
				return this.view.list({ filter: q.query, page: q.page, pageSize: q.pageSize, sort: q.sort, visible: isPlaced });
			}
		},
		get: {
			params: { $$strict: true, orderId: { type: "string", min: 1, max: 100 } },
			async handler(this: MyPageService, ctx: Context<{ orderId: string }>) {
				const row = await this.view.get(ctx.params.orderId);
				if (!row || !row.placed) throw notFound("MyPage entry", ctx.params.orderId);
				return row;
			}
		}
	},

	channels: Object.fromEntries(
		MYPAGE_EVENTS.map(type => [
			`flowerdelivery.${type}`,
			consume<MyPageService>(async function (e) {
				await this.view.apply(e.data.orderId, e.id, row => foldMyPage(row, e));
			})
		])
	)
};

export default service;
