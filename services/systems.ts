/**
 * The systems of the product: one line each (services/<system>/system.ts is its manifest). The gateway,
 * identity's demo accounts, the cluster launcher, the Helm chart's contexts (helm/…/systems.yaml, written
 * from this list by `npm run chart:systems`) and the tests read it.
 */
import fishdelivery from "./fishdelivery/system";
import flowerdelivery from "./flowerdelivery/system";
import productorder from "./productorder/system";
import type { SystemManifest } from "./system";
import thedraw from "./thedraw/system";
import warehouse from "./warehouse/system";

export const SYSTEMS: readonly SystemManifest[] = [flowerdelivery, fishdelivery, productorder, thedraw, warehouse];
