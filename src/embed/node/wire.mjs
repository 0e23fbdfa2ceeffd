// The JSON encoding between node/index.mjs (Node) and child.ts (Bun): bigint as {"$bigint": "<decimal>"},
// bytes (Uint8Array, Buffer) as {"$bytes": "<base64>"}; everything else is plain JSON. Plain JavaScript:
// Node loads it as is.

/** @param {unknown} v */
export function encodeValue(v) {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v !== null && typeof v === "object") {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== "function") out[k] = encodeValue(x);
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
  return v;
}

/** @param {unknown} v */
export function decodeValue(v) {
  if (Array.isArray(v)) return v.map(decodeValue);
  if (v !== null && typeof v === "object") {
    const o = /** @type {Record<string, unknown>} */ (v);
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$bigint === "string") return BigInt(o.$bigint);
    if (keys.length === 1 && typeof o.$bytes === "string") return Buffer.from(o.$bytes, "base64");
    if (keys.length === 1 && typeof o.$number === "string") return Number(o.$number);
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [k, x] of Object.entries(o)) out[k] = decodeValue(x);
    return out;
  }
  return v;
}
