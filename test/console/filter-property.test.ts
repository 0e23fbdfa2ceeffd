/**
 * Property: for random messages (any Unicode text, null keys and values, headers) and simple
 * predicate filters, runFilter's matched indexes are exactly those the same predicate selects when
 * evaluated on the host. fast-check prints the seed and the shrunk case of a failure.
 */
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { closeFilterSandbox, runFilter, type FilterMessage } from "../../src/console/filter-sandbox/index.ts";

afterAll(() => closeFilterSandbox());

const text = fc.string({ unit: "grapheme", maxLength: 40 });
const message: fc.Arbitrary<FilterMessage> = fc.record({
  topic: fc.constant("t"),
  partition: fc.integer({ min: 0, max: 7 }),
  offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  key: fc.option(text, { nil: null }),
  value: fc.option(text, { nil: null }),
  headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
});

type Pred = { code: string; host: (m: FilterMessage) => boolean };
const needle = fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 });
const predicate: fc.Arbitrary<Pred> = fc.oneof(
  needle.map((s) => ({ code: `return value !== null && value.includes(${JSON.stringify(s)})`, host: (m: FilterMessage) => m.value !== null && m.value.includes(s) })),
  needle.map((s) => ({ code: `return key === null || key.startsWith(${JSON.stringify(s)})`, host: (m: FilterMessage) => m.key === null || m.key.startsWith(s) })),
  fc.integer({ min: 0, max: 7 }).map((p) => ({ code: `return partition >= ${p}`, host: (m: FilterMessage) => m.partition >= p })),
  fc.integer({ min: 0, max: 2 ** 42 }).map((t) => ({ code: `return timestamp < ${t}`, host: (m: FilterMessage) => m.timestamp < t })),
  fc.integer({ min: 0, max: 9 }).map((d) => ({ code: `return offset.endsWith("${d}")`, host: (m: FilterMessage) => m.offset.endsWith(String(d)) })),
  fc.constant({ code: "return Object.keys(headers).length > 0", host: (m: FilterMessage) => Object.keys(m.headers).length > 0 }),
  fc.constant({ code: "return (value ?? '').length > (key ?? '').length", host: (m: FilterMessage) => (m.value ?? "").length > (m.key ?? "").length }),
  fc.constant({ code: "return value", host: (m: FilterMessage) => Boolean(m.value) }),
);

test("matched equals the predicate evaluated on the host", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(message, { maxLength: 60 }), predicate, async (msgs, pred) => {
      const r = await runFilter(pred.code, msgs, { timeoutMs: 5000, memoryBytes: 16 * 1024 * 1024, maxScanned: 1000 });
      expect(r.error).toBeUndefined();
      expect(r.scanned).toBe(msgs.length);
      expect(r.matched).toEqual(msgs.flatMap((m, i) => (pred.host(m) ? [i] : [])));
    }),
    { numRuns: Number(process.env.TAKHIN_CONSOLE_FULL === "1" ? 1000 : 60) },
  );
});
