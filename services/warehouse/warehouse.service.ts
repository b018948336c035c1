/**
 * warehouse.warehouse — the stock (core context): one Stock per customer + product. It answers the saga's two
 * synchronous steps — `book` (a receipt: idempotent per delivery id, told as InStock in the same write) and
 * `cancelDelivery` (accepted unless booked) — behind the step bulkhead, callable from inside the system only;
 * and ships and disposes of stock on request, never below zero (409 with the current quantity).
 */
import type { Context, Service } from "moleculer";
import type { AccessRule } from "../../lib/access";
import { invalidField } from "../../lib/errors";
import { commandAction } from "../../mixins/actions";
import { aggregateStore, type AggregateMethods } from "../../mixins/aggregate.mixin";
import type { ListSpec } from "../../mixins/listing";
import type { ContextSchema } from "../../mixins/schema";
import { syncStep } from "../../mixins/sync-step";
import type { Booking, BookRequest, CancelDeliveryRequest } from "./delivery.domain";
import { acceptCancel, book, bookingOf, dispose, MAX_QTY, ship, type Stock } from "./stock.domain";
import { stockIdOf } from "./stock-id";

const LIST: ListSpec = { filters: { customer: "string", product: "string", status: "string" }, sortable: ["updatedAt", "createdAt", "product", "quantity"], defaultSort: "-updatedAt" };

/** A customer reads and ships their own stock (the token's subject is the stock's `customer`); staff all of it. */
const OWN_OR_STAFF: AccessRule = { roles: ["customer", "warehouse", "admin"], owner: "customer" };
/** Staff dispose of stock. */
const STAFF: AccessRule = { roles: ["warehouse", "admin"] };

const QTY = { type: "number", integer: true, positive: true, max: MAX_QTY, convert: true } as const;
const ID = { type: "string", min: 1, max: 100 } as const;
const STOCK_OF = { deliveryId: ID, stockId: ID, customer: ID, product: ID };

type StockService = Service & AggregateMethods<Stock>;

const now = () => new Date().toISOString();

/** A step's stock must be the one of its customer's product (422 naming `stockId` otherwise). */
function assertDerived(req: { stockId: string; customer: string; product: string }): void {
	if (stockIdOf(req.customer, req.product) !== req.stockId) throw invalidField("stockId", `'${req.stockId}' is not the stock of ${req.customer}'s ${req.product}`, req.stockId);
}

const service: ContextSchema<AggregateMethods<Stock>> = {
	name: "warehouse.warehouse",
	mixins: [aggregateStore<Stock>({ system: "warehouse", entity: "Stock", list: LIST, read: OWN_OR_STAFF })],

	actions: {
		ship: commandAction<Stock, { qty: number }>((stock, at, p) => ship(stock, p.qty, at), { qty: QTY }, OWN_OR_STAFF),
		dispose: commandAction<Stock, { qty: number; reason: string }>((stock, at, p) => dispose(stock, p.qty, p.reason, at), { qty: QTY, reason: { type: "string", min: 1, max: 500, trim: true } }, STAFF),

		/** The receipt (delivery → warehouse): booked once per delivery; asked again, the first booking is the answer. */
		book: syncStep<StockService, BookRequest>({ ...STOCK_OF, qty: QTY }, async function (this: StockService, ctx: Context<BookRequest>): Promise<Booking> {
			assertDerived(ctx.params);
			const stock = await this.commit(ctx.params.stockId, current => book(current, ctx.params, now()), { ctx });
			const booking = bookingOf(stock, ctx.params.deliveryId);
			if (!booking) throw new Error(`stock ${ctx.params.stockId} did not book delivery ${ctx.params.deliveryId}`);
			return booking;
		}),

		/** A delivery's cancel, asked of the owner of its booking: accepted (never booked) or refused (booked: 409 `received`). */
		cancelDelivery: syncStep<StockService, CancelDeliveryRequest>(STOCK_OF, async function (this: StockService, ctx: Context<CancelDeliveryRequest>) {
			assertDerived(ctx.params);
			await this.commit(ctx.params.stockId, current => acceptCancel(current, ctx.params, now()), { ctx });
			return { deliveryId: ctx.params.deliveryId, status: "cancelled" as const };
		})
	}
};

export default service;
