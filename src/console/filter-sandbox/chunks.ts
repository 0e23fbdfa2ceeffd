/**
 * How messages cross into the sandbox: in chunks, each one string and one table of numbers, so the
 * VM builds each filter's arguments with a few `substring` calls instead of parsing JSON (QuickJS's
 * JSON.parse was the bottleneck: ~3 µs per message against ~0.4 µs for the table; measured with
 * bench/console-filter.bench.ts).
 *
 * Chunk format (one per CONSOLE_FILTER_CHUNK_MESSAGES messages or CONSOLE_FILTER_CHUNK_TEXT_UNITS
 * of text, whichever comes first; never empty):
 *   text   the concatenation, message after message, of: key (absent when null), value (absent
 *          when null), offset (the decimal string), headers as JSON (absent when there are none)
 *   table  Float64Array, TABLE_STRIDE numbers per message:
 *            [0] key length in UTF-16 code units, -1 for null
 *            [1] value length, -1 for null
 *            [2] offset length
 *            [3] headers JSON length, 0 for no headers (the filter then sees a fresh `{}`)
 *            [4] partition
 *            [5] timestamp (ms since the epoch; exact in a double up to 2^53)
 *   base   index (into the caller's messages) of the chunk's first message
 * Lengths are UTF-16 code units on both sides: the string is sent as UTF-8 and decoded back to the
 * same code units (a lone surrogate becomes U+FFFD, one unit for one unit).
 */
import type { FilterMessage } from "./types.ts";

export const TABLE_STRIDE = 6;

export interface Chunk {
  text: string;
  table: Float64Array;
  base: number;
  count: number;
}

function hasHeaders(headers: Record<string, string>): boolean {
  for (const _ in headers) return true;
  return false;
}

/** Splits messages[0, count) into chunks of at most maxMessages messages and about maxTextUnits of text. */
export function encodeChunks(messages: readonly FilterMessage[], count: number, maxMessages: number, maxTextUnits: number): Chunk[] {
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < count) {
    const base = i;
    const n = Math.min(maxMessages, count - i);
    const table = new Float64Array(n * TABLE_STRIDE);
    const parts: string[] = [];
    let units = 0;
    let k = 0;
    // At least one message per chunk, however long it is.
    while (k < n && (k === 0 || units < maxTextUnits)) {
      const m = messages[i]!;
      const b = k * TABLE_STRIDE;
      if (m.key === null) table[b] = -1;
      else {
        table[b] = m.key.length;
        parts.push(m.key);
        units += m.key.length;
      }
      if (m.value === null) table[b + 1] = -1;
      else {
        table[b + 1] = m.value.length;
        parts.push(m.value);
        units += m.value.length;
      }
      const offset = String(m.offset);
      table[b + 2] = offset.length;
      parts.push(offset);
      units += offset.length;
      if (m.headers && hasHeaders(m.headers)) {
        const h = JSON.stringify(m.headers);
        table[b + 3] = h.length;
        parts.push(h);
        units += h.length;
      } else table[b + 3] = 0;
      table[b + 4] = m.partition;
      table[b + 5] = m.timestamp;
      k++;
      i++;
    }
    chunks.push({ text: parts.join(""), table: k === n ? table : table.slice(0, k * TABLE_STRIDE), base, count: k });
  }
  return chunks;
}
