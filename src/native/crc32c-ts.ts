/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) in TypeScript, slicing-by-8.
 * The fallback for the native addon; same signature as the native `crc32c`.
 */

const POLY_REFLECTED = 0x82f63b78;
const TABLE_COUNT = 8;

/** TABLES[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(TABLE_COUNT * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY_REFLECTED : crc >>> 1;
    tables[b] = crc >>> 0;
  }
  for (let k = 1; k < TABLE_COUNT; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = tables[(k - 1) * 256 + b];
      tables[k * 256 + b] = ((prev >>> 8) ^ tables[prev & 0xff]) >>> 0;
    }
  }
  return tables;
}

/**
 * CRC-32C of `data`. `initial` is the CRC of the bytes before `data` (0 for none), so a CRC can be
 * continued across pieces: crc32c(b, crc32c(a)) === crc32c(a ++ b). Returns an unsigned 32-bit value.
 */
export function crc32cTs(data: Uint8Array, initial = 0): number {
  const t = TABLES;
  let crc = ~initial;
  let i = 0;
  const n = data.length;
  // Body: 8 bytes per step (the first 4 folded with the running CRC); tail: a byte at a time.
  const end8 = n - (n % 8);
  for (; i < end8; i += 8) {
    const lo = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + data[i + 4]] ^
      t[512 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
  }
  for (; i < n; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
