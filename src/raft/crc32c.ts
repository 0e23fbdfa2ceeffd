/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, in plain TypeScript. Used to
 * checksum the records of the file-backed Raft store. Kept here rather than borrowed from the
 * storage layer so that the Raft core depends on nothing else in the broker.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `bytes`, continuing from `crc` (pass the previous result to checksum in pieces). */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
