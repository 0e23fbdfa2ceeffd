/**
 * Native functions with TypeScript fallbacks of the same signatures. Callers import from here and
 * never care which implementation runs.
 */
import { crc32cTs } from "./crc32c-ts.ts";

/** CRC-32C (Castagnoli) of `data`, continuing from `initial` (default 0); unsigned 32-bit result. */
export const crc32c: (data: Uint8Array, initial?: number) => number = crc32cTs;
