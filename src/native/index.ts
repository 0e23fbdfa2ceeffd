/**
 * Native functions with TypeScript fallbacks of the same signatures. The addon
 * (native/build/Release/takhin_native.node, built during install by native/build.mjs) is loaded once;
 * when it cannot load, or TAKHIN_NATIVE=0 is set, the TypeScript implementations take over and that
 * is logged once. Callers import the functions from here and never care which one runs.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { crc32cTs } from "./crc32c-ts.ts";
import { floorIndexTs } from "./floor-index-ts.ts";
import { scanBatchesTs } from "./scan-ts.ts";
import type { NativeApi } from "./types.ts";

export * from "./types.ts";

/** The TypeScript implementations. */
export const tsImplementation: NativeApi = {
  crc32c: crc32cTs,
  scanBatches: scanBatchesTs,
  floorIndex: floorIndexTs,
};

const ADDON_URL = new URL("../../native/build/Release/takhin_native.node", import.meta.url);

function loadAddon(): NativeApi | null {
  if (process.env.TAKHIN_NATIVE === "0") {
    console.warn("[takhin native] TAKHIN_NATIVE=0: using the TypeScript fallback");
    return null;
  }
  try {
    const addon = createRequire(import.meta.url)(fileURLToPath(ADDON_URL)) as NativeApi;
    const check = addon.crc32c(new TextEncoder().encode("123456789"));
    if (check !== 0xe3069283) throw new Error(`crc32c check value wrong: ${check.toString(16)}`);
    return addon;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.warn(`[takhin native] addon not loaded (${reason}); using the TypeScript fallback`);
    return null;
  }
}

/** The addon, or null when the fallback is in use. */
export const nativeImplementation: NativeApi | null = loadAddon();
/** Whichever implementation is in use. */
export const implementation: NativeApi = nativeImplementation ?? tsImplementation;
export const usingNative = nativeImplementation !== null;

/** CRC-32C (Castagnoli) of `data`, continuing from `initial` (default 0); unsigned 32-bit result. */
export const crc32c: NativeApi["crc32c"] = implementation.crc32c;
/** See NativeApi.scanBatches. */
export const scanBatches: NativeApi["scanBatches"] = implementation.scanBatches;
/**
 * See NativeApi.floorIndex. The TypeScript binary search is used even when the addon is loaded:
 * measured under Bun (bench/storage.bench.ts), a search over 65k entries takes ~0.1 µs in JS and
 * ~0.3 µs through N-API, whose call overhead exceeds the search itself. The native one stays in
 * the contract suite and the bench.
 */
export const floorIndex: NativeApi["floorIndex"] = tsImplementation.floorIndex;
