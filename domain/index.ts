/** The shared kernel: what every domain module, and the blocks around them, speak. No import from outside it. */
export * from "./kernel";
export * from "./identity";
export * from "./saga";
export * from "./reliability";
