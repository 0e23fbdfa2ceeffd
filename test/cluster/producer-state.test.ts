/** Idempotent producer state: duplicates, epochs and sequences against a simple model. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { PartitionProducerState, RETAINED_BATCHES_PER_PRODUCER } from "../../src/cluster/producer-state.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";

const pid = 7n;
const batch = (epoch: number, seq: number, count: number) => ({ producerId: pid, producerEpoch: epoch, baseSequence: seq, lastOffsetDelta: count - 1 });

describe("PartitionProducerState", () => {
  test("in-order batches append; a retry of one of the last five is a duplicate with its offsets", () => {
    const s = new PartitionProducerState();
    let offset = 0;
    for (let i = 0; i < 7; i++) {
      const b = batch(0, i * 3, 3);
      expect(s.check(b)).toEqual({ kind: "append" });
      s.record(b, offset);
      offset += 3;
    }
    expect(s.check(batch(0, 18, 3))).toEqual({ kind: "duplicate", firstOffset: 18, lastOffset: 20 });
    expect(s.check(batch(0, 6, 3))).toEqual({ kind: "duplicate", firstOffset: 6, lastOffset: 8 });
    // Batch 0 is older than the five retained: no longer recognised, and out of order.
    expect(s.check(batch(0, 0, 3)).kind).toBe("error");
  });

  test("a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH", () => {
    const s = new PartitionProducerState();
    s.record(batch(3, 0, 1), 0);
    const gap = s.check(batch(3, 5, 1));
    expect(gap.kind === "error" && gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const old = s.check(batch(2, 1, 1));
    expect(old.kind === "error" && old.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  test("a new epoch must start at 0; an unknown producer may start anywhere", () => {
    const s = new PartitionProducerState();
    expect(s.check(batch(0, 42, 1))).toEqual({ kind: "append" });
    s.record(batch(0, 42, 1), 0);
    const bad = s.check(batch(1, 5, 1));
    expect(bad.kind === "error" && bad.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(s.check(batch(1, 0, 1))).toEqual({ kind: "append" });
  });

  test("sequences wrap from 2^31-1 to 0", () => {
    const s = new PartitionProducerState();
    s.record(batch(0, 2 ** 31 - 2, 2), 0);
    expect(s.check(batch(0, 0, 1))).toEqual({ kind: "append" });
  });

  test("snapshot round trip keeps duplicates detectable", () => {
    const s = new PartitionProducerState();
    s.record(batch(1, 0, 2), 10);
    const t = new PartitionProducerState();
    expect(t.loadJSON(s.toJSON(12))).toBe(12);
    expect(t.check(batch(1, 0, 2))).toEqual({ kind: "duplicate", firstOffset: 10, lastOffset: 11 });
    expect(t.loadJSON("{not json")).toBeNull();
  });

  test("property: a producer retrying any prefix of its stream never appends a record twice", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (sizes, retries) => {
        const s = new PartitionProducerState();
        const sent: { seq: number; count: number }[] = [];
        let seq = 0;
        let logEnd = 0;
        let appended = 0;
        let r = 0;
        for (const count of sizes) {
          const b = batch(0, seq, count);
          const c = s.check(b);
          expect(c.kind).toBe("append");
          s.record(b, logEnd);
          logEnd += count;
          appended += count;
          sent.push({ seq, count });
          seq += count;
          // Retry some recent batch (as after a lost response): must be a duplicate, never appended.
          if (r < retries.length) {
            const back = retries[r++] % Math.min(sent.length, RETAINED_BATCHES_PER_PRODUCER);
            const again = sent[sent.length - 1 - back];
            expect(s.check(batch(0, again.seq, again.count)).kind).toBe("duplicate");
          }
        }
        return appended === logEnd;
      }),
      { numRuns: 200 },
    );
  });
});
