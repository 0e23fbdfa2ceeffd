/**
 * Produce batch validation (src/cluster/batch-validator.ts): header checks and CRC-32C over the
 * whole batch, for 16 KiB and 1 MiB batches; plus the LogAppendTime path (stamps the header and
 * recomputes the CRC) and a compacted topic (parses every record to check its key).
 *
 *   bun bench/validate.bench.ts
 *
 * Each case is validated once before timing and must give the expected answer (ok, or the error
 * code a corrupted copy should get).
 */
import { bench, do_not_optimize, run, summary } from "mitata";
import { validateProducedBatch, type ValidationOptions } from "../src/cluster/batch-validator.ts";
import { ErrorCode } from "../src/protocol/errors.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";

function batchOf(bytes: number, recordBytes: number, keyed: boolean): Uint8Array {
  const n = Math.max(1, Math.floor((bytes - 61) / (recordBytes + 16)));
  const value = new Uint8Array(recordBytes).fill(0x62);
  const key = new Uint8Array([1, 2, 3, 4]);
  return buildRecordBatch({ records: Array.from({ length: n }, () => ({ key: keyed ? key : null, value })), baseTimestampMs: BigInt(Date.now()) });
}

const base: ValidationOptions = {
  zstdAllowed: true,
  maxMessageBytes: 8 << 20,
  logAppendTime: false,
  nowMs: Date.now(),
  timestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  timestampAfterMaxMs: 3_600_000,
  compacted: false,
};

function expectOk(name: string, batch: Uint8Array, opts: ValidationOptions): void {
  const r = validateProducedBatch(batch, opts);
  if (!r.ok) throw new Error(`${name}: expected ok, got ${r.errorCode} ${r.message}`);
  if (r.sizeBytes !== batch.length) throw new Error(`${name}: size ${r.sizeBytes} != ${batch.length}`);
}

const cases = [
  { label: "16 KiB of 100 B records", batch: batchOf(16 << 10, 100, true) },
  { label: "1 MiB of 1 KiB records", batch: batchOf(1 << 20, 1024, true) },
];

for (const c of cases) {
  expectOk(`plain ${c.label}`, c.batch, base);
  expectOk(`compacted ${c.label}`, c.batch, { ...base, compacted: true });
  const stamped = c.batch.slice();
  expectOk(`LogAppendTime ${c.label}`, stamped, { ...base, logAppendTime: true });
  const corrupt = c.batch.slice();
  corrupt[corrupt.length - 1] ^= 0xff;
  const bad = validateProducedBatch(corrupt, base);
  if (bad.ok || bad.errorCode !== ErrorCode.CORRUPT_MESSAGE) throw new Error(`${c.label}: a corrupted batch was not refused with CORRUPT_MESSAGE`);

  const mb = c.batch.length / 1e6;
  summary(() => {
    bench(`validate ${c.label} (${mb.toFixed(3)} MB)`, () => do_not_optimize(validateProducedBatch(c.batch, base)));
    bench(`validate + LogAppendTime ${c.label}`, () => do_not_optimize(validateProducedBatch(stamped, { ...base, logAppendTime: true })));
    bench(`validate compacted (keys parsed) ${c.label}`, () => do_not_optimize(validateProducedBatch(c.batch, { ...base, compacted: true })));
  });
}

await run();
