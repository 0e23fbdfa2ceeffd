/**
 * Compression codecs on realistic record sections: JSON event records in a v2 batch's records
 * format, 1 KiB, 16 KiB and 1 MiB. Measures compress and decompress per codec and, for zstd and gzip,
 * each available implementation (Bun's built-in, node:zlib, @mongodb-js/zstd). Throughput is in MB/s
 * of uncompressed bytes (1 MB = 10^6 bytes).
 *
 *   bun bench/compression.bench.ts            (add --filter=zstd to run only matching rows)
 *
 * @mongodb-js/zstd is not a project dependency (Bun's built-in zstd won, and is synchronous); to
 * measure it again: `bun add --no-save @mongodb-js/zstd@1.2.2` (newer versions fail to install here).
 */
import { run, bench, do_not_optimize } from "mitata";
import zlib from "node:zlib";
import { CompressionCodec, compress, decompress } from "../src/compression/index.ts";
import { BATCH_HEADER_BYTES, buildRecordBatch } from "../src/protocol/record-batch.ts";

const enc = new TextEncoder();

interface AsyncZstd {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}
const MONGO_ZSTD = "@mongodb-js/zstd";
const mongoZstd = (await import(MONGO_ZSTD).catch(() => null)) as AsyncZstd | null;
if (!mongoZstd) console.log(`(${MONGO_ZSTD} not installed: its rows are skipped)`);

/** A records section of about `bytes` bytes of JSON-ish events (keys repeat, values vary). */
function recordsSection(bytes: number): Uint8Array {
  const records = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const value = enc.encode(
      JSON.stringify({
        eventId: `${(i * 2654435761) >>> 0}`,
        user: `user-${(i * 7919) % 5000}`,
        action: ["view", "click", "add_to_cart", "purchase"][i % 4],
        ts: 1_700_000_000_000 + i * 17,
        amount: ((i * 31337) % 100_000) / 100,
        page: `/products/${(i * 104729) % 10_000}`,
      }),
    );
    records.push({ key: enc.encode(`user-${(i * 7919) % 5000}`), value });
    size += value.length + 20;
  }
  const batch = buildRecordBatch({ records, baseTimestampMs: 1_700_000_000_000n });
  return batch.subarray(BATCH_HEADER_BYTES);
}

const SIZES: [string, number][] = [
  ["1KiB", 1024],
  ["16KiB", 16 * 1024],
  ["1MiB", 1024 * 1024],
];

interface Row {
  name: string;
  bytes: number;
  ratio: number;
}
const rows = new Map<string, Row>();

function add(name: string, data: Uint8Array, packedBytes: number, fn: () => unknown): void {
  rows.set(name, { name, bytes: data.length, ratio: data.length / Math.max(1, packedBytes) });
  bench(name, () => do_not_optimize(fn()));
}

function addAsync(name: string, data: Uint8Array, packedBytes: number, fn: () => Promise<unknown>): void {
  rows.set(name, { name, bytes: data.length, ratio: data.length / Math.max(1, packedBytes) });
  bench(name, async () => do_not_optimize(await fn()));
}

for (const [label, size] of SIZES) {
  const data = recordsSection(size);
  const buf = Buffer.from(data);
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const id = CompressionCodec[codec];
    const packed = compress(id, data);
    add(`${codec} compress takhin ${label}`, data, packed.length, () => compress(id, data));
    add(`${codec} decompress takhin ${label}`, data, packed.length, () => decompress(id, packed));
  }
  // gzip alternatives
  const gz = zlib.gzipSync(data, { level: 6 });
  add(`gzip compress node:zlib ${label}`, data, gz.length, () => zlib.gzipSync(data, { level: 6 }));
  add(`gzip decompress Bun.gunzipSync ${label}`, data, gz.length, () => Bun.gunzipSync(gz));
  // zstd alternatives (takhin rows above are Bun's built-in at level 3)
  const zs = zlib.zstdCompressSync(data);
  add(`zstd compress node:zlib ${label}`, data, zs.length, () => zlib.zstdCompressSync(data));
  add(`zstd decompress node:zlib ${label}`, data, zs.length, () => zlib.zstdDecompressSync(zs, { maxOutputLength: 64 << 20 }));
  if (mongoZstd) {
    const z = mongoZstd;
    const mz = await z.compress(buf, 3);
    addAsync(`zstd compress @mongodb-js/zstd ${label}`, data, mz.length, () => z.compress(buf, 3));
    addAsync(`zstd decompress @mongodb-js/zstd ${label}`, data, mz.length, () => z.decompress(mz));
  }
}

const filterArg = process.argv.find((a) => a.startsWith("--filter="));
const result = await run({ format: "quiet", ...(filterArg ? { filter: new RegExp(filterArg.slice(9)) } : {}) });

const lines = ["| benchmark | input bytes | ratio | avg µs | MB/s |", "|---|---:|---:|---:|---:|"];
for (const trial of result.benchmarks) {
  for (const r of trial.runs) {
    const row = rows.get(r.name);
    if (!row || !r.stats) continue;
    const avgNs = r.stats.avg;
    lines.push(`| ${r.name} | ${row.bytes} | ${row.ratio.toFixed(2)} | ${(avgNs / 1000).toFixed(1)} | ${((row.bytes / avgNs) * 1000).toFixed(0)} |`);
  }
}
console.log(lines.join("\n"));
