/**
 * Properties (fast-check; a failure prints its seed and path) of the HTTP Proxy's pure parts:
 * the v3 streaming splitter returns exactly the records sent, however the body is cut into chunks
 * (UTF-8 characters split included) and whatever whitespace separates them; the range assignment
 * gives every partition of every subscribed topic to exactly one subscriber, balanced within one;
 * embedded formats round-trip (binary, json, avro) through encode and decode.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { rangeAssign } from "../../src/http-proxy/group-member.ts";
import { decodeEmbedded, encodeEmbedded, SchemaCache } from "../../src/http-proxy/serde.ts";
import { ConcatenatedJson } from "../../src/http-proxy/v3-records.ts";
import { Registry } from "../../src/schema-registry/registry.ts";

describe("v3 streaming splitter", () => {
  test("concatenated records come back whole and in order, for any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 20 }),
        fc.array(fc.constantFrom("", " ", "\n", "\r\n", "\t  "), { minLength: 21, maxLength: 21 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (records, seps, cuts) => {
          const text = records.map((r, i) => seps[i] + JSON.stringify(r)).join("") + seps[20];
          const bytes = new TextEncoder().encode(text);
          const s = new ConcatenatedJson();
          const out: string[] = [];
          let pos = 0;
          for (let i = 0; pos < bytes.length; i++) {
            const n = cuts[i % cuts.length]!;
            out.push(...s.push(bytes.subarray(pos, pos + n)));
            pos += n;
          }
          out.push(...s.push(new Uint8Array(0), true));
          expect(out.map((t) => JSON.parse(t))).toEqual(records.map((r) => JSON.parse(JSON.stringify(r))));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("anything but objects between records is refused, never accepted as a record", () => {
    for (const bad of ['{"a":1} 5', '[1,2]', '"x"', '{"a":1}}', "{\"a\":1} nul"]) {
      const s = new ConcatenatedJson();
      expect(() => {
        s.push(new TextEncoder().encode(bad));
        s.push(new Uint8Array(0), true);
      }).toThrow();
    }
    const open = new ConcatenatedJson();
    open.push(new TextEncoder().encode('{"a": "}'));
    expect(() => open.push(new Uint8Array(0), true)).toThrow();
  });
});

describe("range assignment", () => {
  test("each partition of each subscribed topic to exactly one subscriber; shares differ by at most one", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 8, maxLength: 8 }),
        (ids, counts, subs) => {
          const topics = counts.map((_, i) => `t${i}`);
          const members = ids.map((memberId, m) => ({ memberId, topics: topics.filter((_, i) => subs[m]![i]) }));
          const plan = rangeAssign(members, (t) => counts[Number(t.slice(1))]!);
          for (const [i, t] of topics.entries()) {
            const subscribers = members.filter((m) => m.topics.includes(t));
            const owners = new Map<number, string[]>();
            for (const [id, parts] of plan) for (const p of parts) if (p.topic === t) owners.set(p.partition, [...(owners.get(p.partition) ?? []), id]);
            if (subscribers.length === 0) {
              expect(owners.size).toBe(0);
              continue;
            }
            expect([...owners.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: counts[i]! }, (_, k) => k));
            for (const o of owners.values()) {
              expect(o).toHaveLength(1);
              expect(subscribers.map((s) => s.memberId)).toContain(o[0]!);
            }
            const shares = subscribers.map((s) => (plan.get(s.memberId) ?? []).filter((p) => p.topic === t).length);
            expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("embedded formats round-trip", () => {
  const none = new SchemaCache(() => null);
  test("binary: any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString("base64");
        const enc = encodeEmbedded("binary", b64, null, "value")!;
        expect(enc).toEqual(bytes);
        expect(decodeEmbedded("binary", enc, none)).toBe(b64);
      }),
    );
  });
  test("json: any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        if (v === null) return;
        const enc = encodeEmbedded("json", v, null, "value")!;
        expect(decodeEmbedded("json", enc, none)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
  // Longs within ±2^52: avsc's default long zigzag-encodes through a double, so beyond it (and JSON
  // numbers past 2^53 anyway) values lose precision — a documented limit (docs/http-proxy.md).
  test("avro: records of a schema, framed with its id, decoded back", () => {
    const registry = new Registry();
    const schema = JSON.stringify({ type: "record", name: "R", fields: [{ name: "s", type: "string" }, { name: "n", type: "long" }, { name: "b", type: "boolean" }, { name: "o", type: ["null", "double"] }] });
    const parsed = registry.parse({ schema, schemaType: "AVRO", references: [] }, false);
    const cache = { get: () => parsed } as unknown as SchemaCache;
    fc.assert(
      fc.property(fc.record({ s: fc.string(), n: fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), b: fc.boolean(), o: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }) }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (v, id) => {
        const enc = encodeEmbedded("avro", v, { id, parsed }, "value")!;
        expect(enc[0]).toBe(0);
        expect(new DataView(enc.buffer, enc.byteOffset).getInt32(1)).toBe(id);
        expect(decodeEmbedded("avro", enc, cache)).toEqual({ ...v, n: v.n, o: v.o === null ? null : v.o });
      }),
      { numRuns: 200 },
    );
  });
});
