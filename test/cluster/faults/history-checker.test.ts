/**
 * The history checker (test/helpers/history-checker.ts) under fast-check: clean histories —
 * producers' records interleaved into each partition's log in their sequence order, some
 * acknowledged at their offset, some failed but written anyway, some failed and never written —
 * pass with every count zero; one injected loss, duplicate, reordering or gap is found and
 * counted. A failing property prints its seed (fast-check's report).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkHistory, describeReport, parseValue, valueOf, type HistoryEvent, type ReadEvent } from "../../helpers/history-checker.ts";

interface Built {
  events: HistoryEvent[];
  reads: ReadEvent[];
  acked: Set<string>;
}

/** A clean history from fast-check's choices. */
const cleanHistory = fc
  .record({
    partitions: fc.integer({ min: 1, max: 3 }),
    producers: fc.integer({ min: 1, max: 3 }),
    records: fc.integer({ min: 2, max: 30 }),
    // Per record: 0 acked, 1 failed but written, 2 failed and not written; and an interleaving key.
    fates: fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 1000 })), { minLength: 300, maxLength: 300 }),
  })
  .map(({ partitions, producers, records, fates }): Built => {
    const events: HistoryEvent[] = [];
    const reads: ReadEvent[] = [];
    const acked = new Set<string>();
    let k = 0;
    for (let partition = 0; partition < partitions; partition++) {
      const queue: { producer: string; seq: number; fate: number; key: number }[] = [];
      for (let p = 0; p < producers; p++) {
        for (let seq = 0; seq < records; seq++) {
          const [f, key] = fates[k++ % fates.length]!;
          queue.push({ producer: `p${partition}-${p}`, seq, fate: f < 7 ? 0 : f < 9 ? 1 : 2, key });
          events.push({ kind: "send", partition, producer: `p${partition}-${p}`, seq });
        }
      }
      // Interleave producers, keeping each producer's order: merge by key, ties by seq.
      const perProducer = new Map<string, typeof queue>();
      for (const q of queue) (perProducer.get(q.producer) ?? perProducer.set(q.producer, []).get(q.producer)!).push(q);
      const cursors = [...perProducer.values()].map((list) => ({ list, i: 0 }));
      let offset = 0n;
      for (;;) {
        const live = cursors.filter((c) => c.i < c.list.length);
        if (live.length === 0) break;
        const c = live.reduce((a, b) => (b.list[b.i]!.key < a.list[a.i]!.key ? b : a));
        const q = c.list[c.i++]!;
        if (q.fate === 2) {
          events.push({ kind: "fail", partition, producer: q.producer, seq: q.seq });
          continue;
        }
        if (q.fate === 0) {
          events.push({ kind: "ack", partition, producer: q.producer, seq: q.seq, offset });
          acked.add(`${partition}/${valueOf(q.producer, q.seq)}`);
        } else events.push({ kind: "fail", partition, producer: q.producer, seq: q.seq });
        reads.push({ kind: "read", partition, offset, value: valueOf(q.producer, q.seq) });
        offset++;
      }
    }
    return { events, reads, acked };
  });

const check = (b: Built, reads: ReadEvent[]) => checkHistory([...b.events, ...reads]);

describe("history checker", () => {
  test("clean histories pass", () => {
    fc.assert(
      fc.property(cleanHistory, (b) => {
        const r = check(b, b.reads);
        if (!r.ok) throw new Error(describeReport(r));
        expect(r.total.read).toBe(b.reads.length);
      }),
      { numRuns: 200 },
    );
  });

  test("a lost acknowledged record is found", () => {
    fc.assert(
      fc.property(cleanHistory, fc.nat(), (b, pick) => {
        const ackedReads = b.reads.filter((e) => b.acked.has(`${e.partition}/${e.value}`));
        fc.pre(ackedReads.length > 0);
        const victim = ackedReads[pick % ackedReads.length]!;
        const r = check(b, b.reads.filter((e) => e !== victim));
        expect(r.ok).toBe(false);
        expect(r.total.lost).toBe(1);
        expect(r.partitions.find((p) => p.partition === victim.partition)!.lost.examples[0]).toContain(victim.value);
      }),
      { numRuns: 200 },
    );
  });

  test("a duplicated record is found", () => {
    fc.assert(
      fc.property(cleanHistory, fc.nat(), (b, pick) => {
        fc.pre(b.reads.length > 0); // a history where every send failed has nothing to duplicate
        const victim = b.reads[pick % b.reads.length]!;
        const end = b.reads.filter((e) => e.partition === victim.partition).reduce((m, e) => (e.offset > m ? e.offset : m), -1n) + 1n;
        const r = check(b, [...b.reads, { ...victim, offset: end }]);
        expect(r.ok).toBe(false);
        expect(r.total.duplicated).toBe(1);
        expect(r.total.gaps).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test("two records of one producer swapped are found as reordered", () => {
    fc.assert(
      fc.property(cleanHistory, fc.nat(), (b, pick) => {
        fc.pre(b.reads.length > 0);
        const first = b.reads[pick % b.reads.length]!;
        const producer = parseValue(first.value)!.producer;
        const later = b.reads.find((e) => e.partition === first.partition && e.offset > first.offset && parseValue(e.value)!.producer === producer);
        fc.pre(later !== undefined);
        const swapped = b.reads.map((e) => (e === first ? { ...e, value: later!.value } : e === later ? { ...e, value: first.value } : e));
        const r = check(b, swapped);
        expect(r.ok).toBe(false);
        expect(r.total.reordered).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  test("an offset missing in the middle is found as a gap", () => {
    fc.assert(
      fc.property(cleanHistory, fc.nat(), (b, pick) => {
        const inner = b.reads.filter((e) => b.reads.some((x) => x.partition === e.partition && x.offset > e.offset));
        fc.pre(inner.length > 0);
        const victim = inner[pick % inner.length]!;
        const r = check(b, b.reads.filter((e) => e !== victim));
        expect(r.ok).toBe(false);
        expect(r.total.gaps).toBe(1);
        expect(r.partitions.find((p) => p.partition === victim.partition)!.gaps.examples).toEqual([`offset ${victim.offset}`]);
      }),
      { numRuns: 200 },
    );
  });

  test("a record acknowledged at one offset and read at another, and a value never sent, are found", () => {
    const events: HistoryEvent[] = [
      { kind: "send", partition: 0, producer: "a", seq: 0 },
      { kind: "send", partition: 0, producer: "a", seq: 1 },
      { kind: "ack", partition: 0, producer: "a", seq: 0, offset: 0n },
      { kind: "ack", partition: 0, producer: "a", seq: 1, offset: 1n },
      { kind: "read", partition: 0, offset: 0n, value: "stranger" },
      { kind: "read", partition: 0, offset: 1n, value: valueOf("a", 0) },
      { kind: "read", partition: 0, offset: 2n, value: valueOf("a", 1) },
    ];
    const r = checkHistory(events);
    expect(r.total).toMatchObject({ moved: 2, unknown: 1, lost: 0, duplicated: 0, reordered: 0, gaps: 0 });
  });
});
