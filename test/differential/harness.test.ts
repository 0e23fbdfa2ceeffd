/**
 * The differential harness itself, without brokers: the diff finds every changed leaf and nothing
 * else, normalisation ignores only array order and generated ids, the allow-list refuses a
 * difference whose values differ from the entry's (so a changed answer fails the suite), and the
 * templates build the bytes they claim (a valid or deliberately corrupt v2 batch).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { computeBatchCrc, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { ANY, type Allowed } from "./allow-list.ts";
import { diff } from "./diff.ts";
import type { Target } from "./driver.ts";
import { normalise, type Identity } from "./normalise.ts";
import { classify } from "./run.ts";
import { resolve } from "./template.ts";

const target: Target = { name: "takhin", host: "127.0.0.1", port: 9999, nodeId: 1 };
const identity = (): Identity => ({ target, prefix: "p-", canonical: new Map() });
const step = { api: "Metadata", version: 12 };

const json = fc.jsonValue({ maxDepth: 4 });

describe("diff", () => {
  test("a value never differs from itself", () => {
    fc.assert(fc.property(json, (v) => diff(v, v).length === 0));
  });

  test("changing one leaf yields exactly that path", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter((k) => !k.startsWith("[")), fc.integer(), { minKeys: 1 }), (obj) => {
        const key = Object.keys(obj)[0]!;
        const changed = { ...obj, [key]: obj[key]! + 1 };
        expect(diff({ a: obj }, { a: changed })).toEqual([{ path: `a.${key}`, kafka: obj[key], takhin: obj[key]! + 1 }]);
      }),
    );
  });

  test("a field on one side only is <absent> on the other", () => {
    expect(diff({ x: 1 }, { x: 1, y: 2 })).toEqual([{ path: "y", kafka: "<absent>", takhin: 2 }]);
  });
});

describe("normalise", () => {
  test("keyed arrays compare whatever their order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), fc.integer(), (names, seed) => {
        const entries = names.map((name, i) => ({ name, errorCode: i }));
        const shuffled = [...entries].sort((a, b) => ((a.name.charCodeAt(0) * seed) % 7) - ((b.name.charCodeAt(0) * seed) % 7));
        const a = normalise({ topics: entries }, step, identity());
        const b = normalise({ topics: shuffled }, step, identity());
        expect(diff(a, b)).toEqual([]);
      }),
    );
  });

  test("generated ids become names by first appearance; other values stay", () => {
    const n = normalise(
      { memberId: "m-abc", leader: "m-abc", members: [{ memberId: "m-xyz" }, { memberId: "m-abc" }], port: 9999, clusterId: "q", producerId: 42n, offset: 7n, errorMessage: "why" },
      step,
      identity(),
    ) as Record<string, unknown>;
    expect(n.memberId).toBe("member#1");
    expect(n.leader).toBe("member#1");
    expect(Object.keys(n.members as object).sort()).toEqual(["[memberId=member#1]", "[memberId=member#2]"]);
    expect(n.port).toBe("<port>");
    expect(n.clusterId).toBe("<clusterId>");
    expect(n.producerId).toBe("pid#1");
    expect(n.offset).toBe(7);
    expect(n.errorMessage).toBe("<text>");
  });

  test("only the scenario's own topics are kept where asked", () => {
    const n = normalise({ topics: [{ name: "p-t" }, { name: "other" }] }, { ...step, own: ["topics"] }, identity());
    expect(n).toEqual({ topics: { "[name=p-t]": { name: "p-t" } } });
  });
});

describe("allow-list matching", () => {
  const entry: Allowed = { id: "e", scenario: "s-.*", path: "x\\.errorCode", kafka: 3, takhin: 17, verdict: "to-fix", reason: "r" };
  const result = (kafka: unknown, takhin: unknown) => [{ scenario: "s-1", differences: [{ path: "x.errorCode", kafka, takhin }] }];

  test("a listed difference passes, the same field with another value does not", () => {
    expect(classify(result(3, 17), [entry]).unexpected).toEqual([]);
    expect(classify(result(3, 42), [entry]).unexpected).toHaveLength(1);
    expect(classify(result(3, 42), [{ ...entry, takhin: ANY }]).unexpected).toEqual([]);
  });

  test("an entry that matches nothing is reported", () => {
    expect(classify([{ scenario: "s-1", differences: [] }], [entry]).unused.map((a) => a.id)).toEqual(["e"]);
  });
});

describe("templates", () => {
  test("variables keep their type; strings interpolate", () => {
    expect(resolve({ a: "${pid}", b: "x-${pid}", c: [{ $bigint: "12" }] }, { pid: 5n })).toEqual({ a: 5n, b: "x-5", c: [12n] });
    expect(() => resolve("${nope}", {})).toThrow();
  });

  test("$batch builds a valid v2 batch; corrupt: crc breaks only its CRC", () => {
    const spec = { records: 3, producerId: "${pid}", producerEpoch: 2, baseSequence: 9 };
    const good = resolve({ $batch: spec }, { pid: 77n, now: 1000n }) as Uint8Array;
    const h = readBatchHeader(good);
    expect([h.magic, h.recordCount, h.producerId, h.producerEpoch, h.baseSequence, h.baseTimestamp]).toEqual([2, 3, 77n, 2, 9, 1000n]);
    expect(computeBatchCrc(good, 0, good.length)).toBe(h.crc);
    const bad = resolve({ $batch: { ...spec, corrupt: "crc" } }, { pid: 77n, now: 1000n }) as Uint8Array;
    expect(computeBatchCrc(bad, 0, bad.length)).not.toBe(readBatchHeader(bad).crc);
    const two = resolve({ $batches: [{ records: 1 }, { records: 2 }] }, { now: 0n }) as Uint8Array;
    const first = readBatchHeader(two);
    expect(readBatchHeader(two, 12 + first.batchLength).recordCount).toBe(2);
  });
});
