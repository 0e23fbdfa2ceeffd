/**
 * Model-based properties of PartitionLog (fast-check): random sequences of append, read, roll,
 * truncate, delete-records, retention, high-watermark moves, clean close/reopen and crash at any
 * byte followed by recovery, checked against an in-memory model (a list of batches).
 * Runs: TAKHIN_PROPERTY_RUNS (default 400); fast-check prints the seed and path of a failure.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { crc32c } from "../../src/native/index.ts";
import { baseOffsetAt, batchSizeAt, lastOffsetAt, readInt32 } from "../../src/storage/batch-header.ts";
import type { LogConfig } from "../../src/storage/config.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { buildBatch, concatBytes } from "./batch-builder.ts";
import { makeTempDir } from "./temp-dir.ts";

const RUNS = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 400);
const MAX_COMMANDS = 50;
/** Replay a failure: TAKHIN_PROPERTY_SEED=<seed> TAKHIN_PROPERTY_PATH=<path> (both printed by fast-check). */
const REPLAY: { seed?: number; path?: string } = process.env.TAKHIN_PROPERTY_SEED
  ? { seed: Number(process.env.TAKHIN_PROPERTY_SEED), path: process.env.TAKHIN_PROPERTY_PATH }
  : {};

interface ModelBatch {
  base: number;
  last: number;
  bytes: Uint8Array; // a private copy of the stamped batch
}

interface Model {
  batches: ModelBatch[];
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
}

interface Real {
  dir: string;
  log: PartitionLog;
  config: Partial<LogConfig>;
  nowMs: number;
}

function openReal(real: Real): PartitionLog {
  return PartitionLog.open(real.dir, "p", 0, real.config, { clock: () => real.nowMs, autoHighWatermark: false });
}

/** Batches of the model that are still readable (at or past the log start). */
function visible(model: Model): ModelBatch[] {
  return model.batches.filter((b) => b.last >= model.logStartOffset);
}

function splitBatches(view: Uint8Array): { base: number; last: number; bytes: Uint8Array }[] {
  const out: { base: number; last: number; bytes: Uint8Array }[] = [];
  let pos = 0;
  while (pos < view.length) {
    const size = batchSizeAt(view, pos);
    expect(size).toBeGreaterThanOrEqual(61);
    expect(pos + size).toBeLessThanOrEqual(view.length); // never a partial batch
    const bytes = view.subarray(pos, pos + size);
    expect(crc32c(bytes.subarray(21))).toBe(readInt32(bytes, 17) >>> 0);
    out.push({ base: baseOffsetAt(bytes, 0), last: lastOffsetAt(bytes, 0), bytes });
    pos += size;
  }
  return out;
}

/** The whole real log compared with the model, plus structural invariants. */
function checkAgainstModel(model: Model, log: PartitionLog): void {
  expect(log.logEndOffset).toBe(model.logEndOffset);
  expect(log.logStartOffset).toBe(model.logStartOffset);
  expect(log.highWatermark).toBe(model.highWatermark);
  expect(log.logStartOffset).toBeLessThanOrEqual(log.highWatermark);
  expect(log.highWatermark).toBeLessThanOrEqual(log.logEndOffset);
  const expected = visible(model);
  const got: { base: number; last: number; bytes: Uint8Array }[] = [];
  let offset = model.logStartOffset;
  while (offset < model.logEndOffset) {
    const result = log.read(offset, 1 << 20, { maxOffsetExclusive: model.logEndOffset });
    expect(result.batches.length).toBeGreaterThan(0);
    for (const view of result.batches) for (const b of splitBatches(view)) got.push(b);
    offset = got[got.length - 1].last + 1;
  }
  expect(got.map((b) => [b.base, b.last])).toEqual(expected.map((b) => [b.base, b.last]));
  for (let i = 0; i < got.length; i++) expect(got[i].bytes).toEqual(expected[i].bytes);
  // Offsets dense and increasing.
  for (let i = 1; i < got.length; i++) expect(got[i].base).toBe(got[i - 1].last + 1);
  // Index entries point at batch starts holding their offsets; segments are ordered and contiguous.
  const segments = log.segmentList();
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    for (const e of seg.indexEntries()) {
      expect(e.position).toBeLessThan(seg.sizeBytes);
      expect(seg.batchBaseOffsetAt(e.position)).toBe(e.offset);
    }
    if (i + 1 < segments.length) expect(seg.nextOffset).toBe(segments[i + 1].baseOffset);
  }
  expect(segments[segments.length - 1].nextOffset).toBe(model.logEndOffset);
}

class AppendCommand implements fc.Command<Model, Real> {
  constructor(readonly specs: { records: number; valueBytes: number; fill: number }[], readonly tsStep: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    real.nowMs += this.tsStep;
    const parts = this.specs.map((s) =>
      buildBatch({ recordCount: s.records, valueBytes: s.valueBytes, fill: s.fill, baseTimestampMs: real.nowMs }),
    );
    const bytes = concatBytes(parts);
    const result = real.log.append(bytes);
    expect(result.baseOffset).toBe(model.logEndOffset);
    let pos = 0;
    for (const part of parts) {
      const stamped = bytes.slice(pos, pos + part.length);
      pos += part.length;
      model.batches.push({ base: baseOffsetAt(stamped, 0), last: lastOffsetAt(stamped, 0), bytes: stamped });
    }
    expect(model.batches[model.batches.length - 1].last).toBe(result.lastOffset);
    model.logEndOffset = result.lastOffset + 1;
  }
  toString(): string {
    return `append(${JSON.stringify(this.specs)})`;
  }
}

class ReadCommand implements fc.Command<Model, Real> {
  constructor(readonly where: number, readonly maxBytes: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const span = model.highWatermark - model.logStartOffset;
    const offset = model.logStartOffset + Math.floor(this.where * (span + 1));
    const result = real.log.read(offset, this.maxBytes);
    expect(result.highWatermark).toBe(model.highWatermark);
    const got = result.batches.flatMap((v) => splitBatches(v));
    const candidates = visible(model).filter((b) => b.last >= offset && b.base < model.highWatermark);
    if (candidates.length === 0) {
      expect(got.length).toBe(0);
      return;
    }
    // The first batch holds the offset; batches are whole, in order, and as many as fit.
    expect(got.length).toBeGreaterThan(0);
    expect(got[0].base).toBeLessThanOrEqual(offset);
    expect(got[0].last).toBeGreaterThanOrEqual(offset);
    let total = 0;
    for (let i = 0; i < got.length; i++) {
      expect(got[i].bytes).toEqual(candidates[i].bytes);
      total += got[i].bytes.length;
    }
    if (got.length > 1) expect(total).toBeLessThanOrEqual(this.maxBytes);
    if (got.length < candidates.length) expect(total + candidates[got.length].bytes.length).toBeGreaterThan(this.maxBytes);
  }
  toString(): string {
    return `read(${this.where.toFixed(3)}, ${this.maxBytes})`;
  }
}

class RollCommand implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    real.log.rollNow();
    expect(real.log.logEndOffset).toBe(model.logEndOffset);
  }
  toString(): string {
    return "roll";
  }
}

class TruncateCommand implements fc.Command<Model, Real> {
  constructor(readonly where: number) {}
  check(model: Model): boolean {
    return model.logEndOffset > 0;
  }
  run(model: Model, real: Real): void {
    const offset = Math.floor(this.where * (model.logEndOffset + 1));
    checkAgainstModel(model, real.log); // maps every segment first: truncation must not shrink them
    real.log.truncateTo(offset);
    if (offset < model.logEndOffset) {
      const holding = model.batches.find((b) => b.base <= offset && offset <= b.last);
      if (offset <= model.logStartOffset || (holding !== undefined && holding.base < model.logStartOffset)) {
        model.batches = [];
        model.logStartOffset = offset;
        model.logEndOffset = offset;
      } else {
        // The batch holding `offset` goes whole: the log ends where that batch began.
        model.batches = model.batches.filter((b) => b.last < offset);
        model.logEndOffset = holding !== undefined ? holding.base : offset;
      }
      model.highWatermark = Math.min(model.highWatermark, model.logEndOffset);
      model.logStartOffset = Math.min(model.logStartOffset, model.logEndOffset);
    }
    checkAgainstModel(model, real.log);
  }
  toString(): string {
    return `truncateTo(${this.where.toFixed(3)})`;
  }
}

class HighWatermarkCommand implements fc.Command<Model, Real> {
  constructor(readonly where: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const target = model.highWatermark + Math.ceil(this.where * (model.logEndOffset - model.highWatermark));
    real.log.updateHighWatermark(target);
    model.highWatermark = target;
    expect(real.log.highWatermark).toBe(target);
  }
  toString(): string {
    return `hwm(${this.where.toFixed(3)})`;
  }
}

class DeleteRecordsCommand implements fc.Command<Model, Real> {
  constructor(readonly where: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const offset = model.logStartOffset + Math.floor(this.where * (model.highWatermark - model.logStartOffset + 1));
    const newStart = real.log.deleteRecordsBefore(offset);
    model.logStartOffset = Math.max(model.logStartOffset, offset);
    expect(newStart).toBe(model.logStartOffset);
    checkAgainstModel(model, real.log);
  }
  toString(): string {
    return `deleteRecordsBefore(${this.where.toFixed(3)})`;
  }
}

class RetentionCommand implements fc.Command<Model, Real> {
  constructor(readonly byBytes: boolean, readonly limit: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const log = real.log;
    const activeBase = log.segmentBaseOffsets().at(-1);
    const segmentsBefore = log.segmentCount;
    if (this.byBytes) log.setConfig({ retentionBytes: this.limit, retentionMs: -1 });
    else log.setConfig({ retentionMs: this.limit, retentionBytes: -1 });
    const deleted = log.applyRetention(real.nowMs);
    log.setConfig({ retentionMs: -1, retentionBytes: -1 });
    expect(log.segmentCount).toBe(segmentsBefore - deleted);
    expect(log.segmentBaseOffsets().at(-1)).toBe(activeBase); // the active segment stays
    // Nothing at or above the high watermark was removed: the new start is at most the hwm.
    expect(log.logStartOffset).toBeLessThanOrEqual(Math.max(model.highWatermark, model.logStartOffset));
    expect(log.logStartOffset).toBeGreaterThanOrEqual(model.logStartOffset);
    if (log.logStartOffset !== model.logStartOffset) {
      expect(model.batches.some((b) => b.base === log.logStartOffset)).toBe(true);
      model.logStartOffset = log.logStartOffset;
    }
    checkAgainstModel(model, log);
  }
  toString(): string {
    return `retention(${this.byBytes ? "bytes" : "ms"}=${this.limit})`;
  }
}

class ReopenCommand implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    real.log.close();
    real.log = openReal(real);
    checkAgainstModel(model, real.log);
  }
  toString(): string {
    return "close+reopen";
  }
}

/**
 * A crash: the process dies without closing; the tail of one segment is lost from byte `where`
 * on (a torn write), optionally followed by garbage. Recovery must keep exactly the batches fully
 * written before the cut.
 */
class CrashCommand implements fc.Command<Model, Real> {
  constructor(readonly where: number, readonly garbage: Uint8Array, readonly onlyLastSegment: boolean) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const segments = real.log.segmentList().map((s) => ({ base: s.baseOffset, size: s.sizeBytes, path: s.logPath }));
    real.log.abandon();
    const candidates = this.onlyLastSegment ? segments.slice(-1) : segments;
    const total = candidates.reduce((n, s) => n + s.size, 0);
    let cutAt = Math.floor(this.where * (total + 1));
    let target = candidates[candidates.length - 1];
    for (const s of candidates) {
      if (cutAt <= s.size) {
        target = s;
        break;
      }
      cutAt -= s.size;
    }
    cutAt = Math.min(cutAt, target.size);
    // Only this test touches the file behind the log's back; no view of it is used after this.
    fs.truncateSync(target.path, cutAt);
    if (this.garbage.length > 0) fs.appendFileSync(target.path, this.garbage);
    // Model: batches of the target segment that end by the cut survive; later segments go when
    // the cut left a gap (it always does unless it fell at the segment's end).
    let pos = 0;
    const kept: ModelBatch[] = [];
    for (const b of model.batches) {
      if (b.base < target.base) {
        kept.push(b);
        continue;
      }
      const isTargetSegment = target === segments[segments.length - 1] || b.base < segments[segments.indexOf(target) + 1].base;
      if (isTargetSegment) {
        pos += b.bytes.length;
        if (pos <= cutAt) kept.push(b);
        else break;
      } else if (cutAt === target.size) {
        kept.push(b);
      } else {
        break;
      }
    }
    model.batches = kept;
    const end = kept.length > 0 ? kept[kept.length - 1].last + 1 : Math.min(target.base, model.logEndOffset);
    model.logEndOffset = kept.length > 0 ? end : target.base;
    real.log = openReal(real);
    model.logStartOffset = Math.min(model.logStartOffset, model.logEndOffset);
    if (real.log.logStartOffset > model.logStartOffset) {
      // An empty log restarts at its first segment base (the start offset cannot pass the end).
      expect(real.log.logStartOffset).toBe(model.logEndOffset);
      model.logStartOffset = real.log.logStartOffset;
    }
    // The high watermark comes back from the last checkpoint, clamped to the log.
    expect(real.log.highWatermark).toBeGreaterThanOrEqual(model.logStartOffset);
    expect(real.log.highWatermark).toBeLessThanOrEqual(model.logEndOffset);
    model.highWatermark = real.log.highWatermark;
    checkAgainstModel(model, real.log);
  }
  toString(): string {
    return `crash(${this.where.toFixed(3)}, garbage ${this.garbage.length}, ${this.onlyLastSegment ? "last" : "any"})`;
  }
}

const appendCommand = fc
    .tuple(
      fc.array(
        fc.record({ records: fc.integer({ min: 1, max: 5 }), valueBytes: fc.integer({ min: 0, max: 400 }), fill: fc.integer({ min: 0, max: 200 }) }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.integer({ min: 0, max: 50 }),
    )
    .map(([specs, step]) => new AppendCommand(specs, step));
const truncateCommand = fc.double({ min: 0, max: 1, noNaN: true }).map((w) => new TruncateCommand(w));
const crashCommand = fc
  .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ maxLength: 100 }), fc.boolean())
  .map(([w, g, last]) => new CrashCommand(w, g, last));

/** Appends, truncations and crashes are listed more than once: they are drawn more often. */
const commands = [
  appendCommand,
  appendCommand,
  appendCommand,
  truncateCommand,
  crashCommand,
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3000 })).map(([w, m]) => new ReadCommand(w, m)),
  fc.constant(new RollCommand()),
  truncateCommand,
  fc.double({ min: 0, max: 1, noNaN: true }).map((w) => new HighWatermarkCommand(w)),
  fc.double({ min: 0, max: 1, noNaN: true }).map((w) => new DeleteRecordsCommand(w)),
  fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6000 })).map(([b, l]) => new RetentionCommand(b, l)),
  fc.constant(new ReopenCommand()),
  crashCommand,
];

const configArb = fc.record({
  segmentBytes: fc.constantFrom(1024, 2048, 8192),
  indexIntervalBytes: fc.constantFrom(0, 100, 512, 4096),
  preallocate: fc.boolean(),
});

test(`PartitionLog matches its model (${RUNS} runs)`, () => {
  const root = makeTempDir("props");
  let runId = 0;
  fc.assert(
    fc.property(configArb, fc.commands(commands, { maxCommands: MAX_COMMANDS }), (config, cmds) => {
      const dir = path.join(root, `run-${runId++}`);
      const real: Real = { dir, config, nowMs: 1_000_000, log: null as unknown as PartitionLog };
      real.log = openReal(real);
      const model: Model = { batches: [], logStartOffset: 0, logEndOffset: 0, highWatermark: 0 };
      try {
        fc.modelRun(() => ({ model, real }), cmds);
        checkAgainstModel(model, real.log);
        real.log.close();
        real.log = openReal(real);
        checkAgainstModel(model, real.log);
      } finally {
        real.log.abandon();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: RUNS, ...REPLAY },
  );
}, 600_000);

test(`truncating mapped segments, appending, then crashing never resurrects cut batches (${Math.ceil(RUNS / 4)} runs)`, () => {
  const root = makeTempDir("props-truncate");
  let runId = 0;
  const appends = fc.array(appendCommand, { minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(configArb, appends, truncateCommand, fc.array(appendCommand, { maxLength: 6 }), crashCommand,
      (config, before, truncate, after, crash) => {
        const dir = path.join(root, `run-${runId++}`);
        const real: Real = { dir, config, nowMs: 1_000_000, log: null as unknown as PartitionLog };
        real.log = openReal(real);
        const model: Model = { batches: [], logStartOffset: 0, logEndOffset: 0, highWatermark: 0 };
        try {
          // TruncateCommand reads (maps) every segment before it truncates.
          fc.modelRun(() => ({ model, real }), [...before, truncate, ...after, crash]);
          checkAgainstModel(model, real.log);
        } finally {
          real.log.abandon();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
    { numRuns: Math.ceil(RUNS / 4), ...REPLAY },
  );
}, 600_000);
