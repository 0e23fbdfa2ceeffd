/**
 * kill -9 during heavy produce: a child process appends batches to a real log and reports each
 * append; the test kills it with SIGKILL, reopens the log, and checks that offsets are dense and
 * that every batch the child reported is there, intact. Three rounds on the same log; then the
 * same with write-behind appends (the Produce path's: written on the I/O thread pool, reported —
 * acknowledged — only once the log's written end passed them).
 */
import { expect, test } from "bun:test";
import path from "node:path";
import { crc32c } from "../../src/native/index.ts";
import { baseOffsetAt, batchSizeAt, lastOffsetAt, readInt32 } from "../../src/storage/batch-header.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { makeTempDir } from "./temp-dir.ts";

const CHILD = path.join(import.meta.dir, "append-child.ts");
/** Appends the child must report before it is killed. */
const REPORTS_BEFORE_KILL = 1500;
const ROUNDS = 3;

interface Reported {
  base: number;
  last: number;
  crc: number;
}

async function runChildAndKill(dir: string, seed: number, mode: "sync" | "write-behind"): Promise<Reported[]> {
  const child = Bun.spawn(["bun", CHILD, dir, String(seed), mode], { stdout: "pipe", stderr: "inherit" });
  const reported: Reported[] = [];
  const decoder = new TextDecoder();
  let pending = "";
  const reader = child.stdout.getReader();
  while (reported.length < REPORTS_BEFORE_KILL) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const parts = line.split(" ");
      if (parts[0] === "appended") reported.push({ base: Number(parts[1]), last: Number(parts[2]), crc: Number(parts[3]) });
    }
  }
  child.kill("SIGKILL");
  const exitCode = await child.exited;
  expect(child.signalCode).toBe("SIGKILL");
  expect(exitCode).not.toBe(0);
  return reported;
}

for (const mode of ["sync", "write-behind"] as const)
test(`kill -9 during heavy produce loses no reported batch and keeps offsets dense (${mode} appends)`, async () => {
  const dir = makeTempDir("kill");
  const everReported = new Map<number, Reported>();
  for (let round = 0; round < ROUNDS; round++) {
    const reported = await runChildAndKill(dir, (mode === "sync" ? 1000 : 2000) + round, mode);
    expect(reported.length).toBeGreaterThanOrEqual(REPORTS_BEFORE_KILL);
    for (const r of reported) everReported.set(r.base, r);

    const log = PartitionLog.open(dir, "crash", 0, { segmentBytes: 1024 * 1024, indexIntervalBytes: 4096 });
    try {
      expect(log.segmentCount).toBeGreaterThan(1);
      const found = new Map<number, Reported>();
      let expected = log.logStartOffset;
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const { batches } = log.read(offset, 4 * 1024 * 1024);
        for (const view of batches) {
          for (let pos = 0; pos < view.length; ) {
            const size = batchSizeAt(view, pos);
            const batch = view.subarray(pos, pos + size);
            const base = baseOffsetAt(batch, 0);
            expect(base).toBe(expected);
            const storedCrc = readInt32(batch, 17) >>> 0;
            expect(crc32c(batch.subarray(21))).toBe(storedCrc);
            found.set(base, { base, last: lastOffsetAt(batch, 0), crc: storedCrc });
            expected = lastOffsetAt(batch, 0) + 1;
            pos += size;
          }
        }
        offset = expected;
      }
      expect(expected).toBe(log.logEndOffset);
      for (const r of everReported.values()) expect(found.get(r.base)).toEqual(r);
    } finally {
      log.abandon(); // leave no clean-shutdown marker: the next round recovers again
    }
  }
}, 120_000);
