/**
 * The placements the suite measures, one per system: the route, who places (a demo account of
 * docs/identity.md), the body, and what must exist first.
 */
import { call, demoToken, type Request } from "./support";

export interface Target {
	system: string;
	/** What is measured, as the table shows it. */
	title: string;
	/** The request, given a base URL (setup done, token taken). */
	prepare(baseUrl: string): Promise<Request>;
	/** What the placement is, in words (docs/performance.md). */
	note: string;
}

const BENCH_ITEMCD = "bench-1";

export const TARGETS: Record<string, Target> = {
	flowerdelivery: {
		system: "flowerdelivery",
		title: "flower POST /api/flowerdelivery/orders",
		note: "the seed's order as LKJ: order stored pending, payment step (payment.pay: stored), order placed (OrderPlaced relayed) → 201",
		async prepare(baseUrl) {
			const token = await demoToken(baseUrl, "LKJ");
			return flowerRequest(token);
		}
	},
	fishdelivery: {
		system: "fishdelivery",
		title: "fish POST /api/fishdelivery/orders",
		note: "the seed's order as HanYongsun (payment step inside the placement)",
		async prepare(baseUrl) {
			const token = await demoToken(baseUrl, "HanYongsun", "han-demo-pw");
			return {
				method: "POST",
				path: "/api/fishdelivery/orders",
				headers: { authorization: `Bearer ${token}` },
				body: JSON.stringify({ customerName: "HanYongsun", fishName: "flatfish", qty: 1, telephone: "01012341234", address: "kyungkido sungnamsi" }),
				expect: 201
			};
		}
	},
	productorder: {
		system: "productorder",
		title: "productorder POST /api/productorder/orders",
		note: "mallmanager first adds one product with 10^9 units; mallbuyer orders it (pay step inside; every order then reserves a unit of that one hot product)",
		async prepare(baseUrl) {
			const manager = await demoToken(baseUrl, "mallmanager");
			const added = await call(baseUrl, "POST", "/api/productorder/products", manager, { itemcd: BENCH_ITEMCD, totalQuantity: 1_000_000_000, name: "bench milk" });
			if (added.status !== 201) throw new Error(`adding the bench product answered ${added.status}: ${added.text}`);
			const token = await demoToken(baseUrl, "mallbuyer");
			return {
				method: "POST",
				path: "/api/productorder/orders",
				headers: { authorization: `Bearer ${token}` },
				body: JSON.stringify({ item: "milk", orderQty: 1, status: "ordered", price: 2000, itemcd: BENCH_ITEMCD }),
				expect: 201
			};
		}
	},
	thedraw: {
		system: "thedraw",
		title: "thedraw POST /api/thedraw/draws",
		note: "one draw (a launch with many entrants, as in the seed), every request a new entrant: the admin applies in the name of a new userId each time (one active entry per customer and draw, docs/thedraw.md)",
		async prepare(baseUrl) {
			const token = await demoToken(baseUrl, "admin");
			let n = 0;
			const run = Date.now().toString(36);
			return {
				method: "POST",
				path: "/api/thedraw/draws",
				headers: { authorization: `Bearer ${token}` },
				nextBody: () => JSON.stringify({ itemNo: "1111", price: 100000, drawDate: "2021-08-28", size: 275, drawId: "BENCH", drawName: "NIKE jordan 1", userId: `entrant-${run}-${++n}`, phone: "01012345678" }),
				expect: 201
			};
		}
	},
	warehouse: {
		system: "warehouse",
		title: "warehouse POST /api/warehouse/deliveries",
		note: "an inbound delivery requested by gildong",
		async prepare(baseUrl) {
			const token = await demoToken(baseUrl, "gildong");
			return { method: "POST", path: "/api/warehouse/deliveries", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ product: "사과", qty: 10 }), expect: 201 };
		}
	}
};

export function flowerRequest(token: string): Request {
	return {
		method: "POST",
		path: "/api/flowerdelivery/orders",
		headers: { authorization: `Bearer ${token}` },
		body: JSON.stringify({ storeName: "KJSHOP", itemName: "장미 한바구니", qty: 1, itemPrice: 50000, userName: "LKJ" }),
		expect: 201
	};
}
