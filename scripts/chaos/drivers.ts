/**
 * The systems a chaos run can drive (CHAOS_SYSTEM). A system being built adds its driver here:
 * `scripts/chaos/<system>.ts` exporting a `SystemDriver` (scripts/chaos/driver.ts, docs/chaos.md).
 */
import type { SystemDriver } from "./driver";
import { fishDriver } from "./fishdelivery";
import { flowerDriver } from "./flowerdelivery";
import { productOrderDriver } from "./productorder";
import { theDrawDriver } from "./thedraw";
import { warehouseDriver } from "./warehouse";

export const DRIVERS: Record<string, SystemDriver> = {
	[flowerDriver.system]: flowerDriver,
	[fishDriver.system]: fishDriver,
	[productOrderDriver.system]: productOrderDriver,
	[theDrawDriver.system]: theDrawDriver,
	[warehouseDriver.system]: warehouseDriver
};

export function driverOf(system: string): SystemDriver {
	const driver = DRIVERS[system];
	if (!driver) throw new Error(`CHAOS_SYSTEM: expected one of ${Object.keys(DRIVERS).join(", ")}, got "${system}"`);
	return driver;
}
