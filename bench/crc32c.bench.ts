/**
 * CRC-32C side by side: the native addon (SSE4.2, three streams), the TypeScript fallback
 * (slicing-by-8) and @node-rs/crc32, on 64 MiB (TAKHIN_BENCH_CRC_BYTES), 16 KiB and 1 KiB.
 * Target: native >= @node-rs/crc32 on the large buffer.   Run: bun bench/crc32c.bench.ts
 */
import { crc32c as nodeRsCrc32c } from "@node-rs/crc32";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { nativeImplementation, tsImplementation } from "../src/native/index.ts";
import { averagesByName, envBytes, gbPerSecond, verdict } from "./storage-report.ts";

const LARGE_BYTES = envBytes("TAKHIN_BENCH_CRC_BYTES", 64 * 1024 * 1024);
const sizes: [string, number][] = [
  [`${(LARGE_BYTES / 1024 / 1024).toFixed(0)} MiB`, LARGE_BYTES],
  ["16 KiB", 16 * 1024],
  ["1 KiB", 1024],
];

const buffers = new Map<number, Buffer>();
for (const [, size] of sizes) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  buffers.set(size, buf);
}

const check = Buffer.from("123456789");
if (nodeRsCrc32c(check) !== 0xe3069283) throw new Error("@node-rs/crc32 crc32c check value differs");
if (!nativeImplementation) console.log("native addon not loaded: only TypeScript and @node-rs/crc32 are measured");

for (const [label, size] of sizes) {
  const data = buffers.get(size) as Buffer;
  group(`crc32c ${label}`, () => {
    summary(() => {
      if (nativeImplementation) {
        const native = nativeImplementation;
        bench(`native ${label}`, () => do_not_optimize(native.crc32c(data)));
      }
      bench(`typescript ${label}`, () => do_not_optimize(tsImplementation.crc32c(data)));
      bench(`@node-rs/crc32 ${label}`, () => do_not_optimize(nodeRsCrc32c(data)));
    });
  });
}

const result = await run();
const avg = averagesByName(result);
console.log("\nThroughput (GB/s):");
for (const [label, size] of sizes) {
  const row = ["native", "typescript", "@node-rs/crc32"].map((impl) => {
    const ns = avg.get(`${impl} ${label}`);
    return `${impl} ${ns === undefined ? "-" : gbPerSecond(size, ns).toFixed(2)}`;
  });
  console.log(`  ${label.padEnd(8)} ${row.join("   ")}`);
}
const largeLabel = sizes[0][0];
const nodeRsNs = avg.get(`@node-rs/crc32 ${largeLabel}`);
const nativeNs = avg.get(`native ${largeLabel}`);
if (nodeRsNs !== undefined) {
  verdict(
    `native CRC-32C on ${largeLabel} vs @node-rs/crc32`,
    nativeNs === undefined ? 0 : gbPerSecond(LARGE_BYTES, nativeNs),
    gbPerSecond(LARGE_BYTES, nodeRsNs),
    nativeNs === undefined
      ? "the addon did not load (TypeScript fallback in use)"
      : "@node-rs/crc32 folds with PCLMULQDQ over wider blocks; ours is three crc32q streams joined by table shifts",
  );
}
