/**
 * The id of a customer's stock of a product: derived from both, so every context names the same stock without
 * asking (a delivery knows where its goods will be booked from the moment it is requested), and two receipts
 * of one product by one customer land in one stock. A UUID-shaped SHA-256 of the pair, encoded unambiguously
 * (opaque, fixed length, safe in a URL whatever the product's name).
 */
import { createHash } from "node:crypto";

export function stockIdOf(customer: string, product: string): string {
	const h = createHash("sha256").update(JSON.stringify(["warehouse.stock", customer, product])).digest("hex");
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
