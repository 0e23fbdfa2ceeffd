/**
 * One contract suite, run against both implementations of src/native (the addon and the TypeScript
 * fallback). The native half is skipped, with a warning, only when the addon did not build — and
 * never on CI: with CI=true (or TAKHIN_REQUIRE_NATIVE=1) an absent addon is a failing test, so a
 * broken C build cannot pass CI while users without a compiler keep the TypeScript fallback.
 */
import { describe, expect, test } from "bun:test";
import {
  nativeImplementation,
  SCAN_FIELDS,
  tsImplementation,
  type NativeApi,
} from "../../src/native/index.ts";
import { buildBatch, concatBytes, makeRandom } from "../storage/batch-builder.ts";

/** Bit-at-a-time reference CRC-32C. */
function referenceCrc32c(data: Uint8Array, initial = 0): number {
  let crc = ~initial >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

function randomBytes(length: number, seed: number): Uint8Array {
  const rnd = makeRandom(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** CI (or a developer who asks for it) must run the native half: a missing addon fails there. */
export function nativeRequired(env: Record<string, string | undefined>): boolean {
  const ci = (env.CI ?? "").toLowerCase();
  return ci === "true" || ci === "1" || env.TAKHIN_REQUIRE_NATIVE === "1";
}

if (!nativeImplementation) {
  console.warn(
    nativeRequired(process.env)
      ? "native addon not loaded and CI=true: the contract suite fails"
      : "native addon not loaded: its half of the contract suite is skipped",
  );
}

test("the native addon is loaded wherever it is required (CI=true or TAKHIN_REQUIRE_NATIVE=1)", () => {
  if (!nativeRequired(process.env)) return;
  expect(process.env.TAKHIN_NATIVE, "TAKHIN_NATIVE=0 turns the addon off, which CI must not do").not.toBe("0");
  expect(nativeImplementation, "the addon did not build or load (see `bun install` output: [takhin native])").not.toBeNull();
});

test("nativeRequired reads CI and TAKHIN_REQUIRE_NATIVE", () => {
  expect(nativeRequired({})).toBe(false);
  expect(nativeRequired({ CI: "true" })).toBe(true);
  expect(nativeRequired({ CI: "1" })).toBe(true);
  expect(nativeRequired({ CI: "false" })).toBe(false);
  expect(nativeRequired({ TAKHIN_REQUIRE_NATIVE: "1" })).toBe(true);
});

const implementations: [string, NativeApi | null][] = [
  ["typescript", tsImplementation],
  ["native", nativeImplementation],
];

for (const [name, impl] of implementations) {
  describe.skipIf(impl === null)(`native contract: ${name}`, () => {
    const api = impl as NativeApi;

    test("crc32c check value, empty input, and results are unsigned", () => {
      expect(api.crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
      expect(api.crc32c(new Uint8Array(0))).toBe(0);
      expect(api.crc32c(new Uint8Array(0), 0xdeadbeef)).toBe(0xdeadbeef);
      expect(api.crc32c(new Uint8Array(32).fill(0xff))).toBe(referenceCrc32c(new Uint8Array(32).fill(0xff)));
    });

    test("crc32c equals the bitwise reference across lengths, block boundaries and alignments", () => {
      const data = randomBytes(3 * 8192 * 2 + 3 * 256 + 64, 7);
      const lengths = [1, 2, 7, 8, 9, 15, 16, 63, 255, 256, 767, 768, 769, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1,
        3 * 8192 * 2 + 3 * 256 + 7];
      for (const length of lengths) {
        for (const offset of [0, 1, 3, 5]) {
          const slice = data.subarray(offset, offset + length);
          expect(api.crc32c(slice)).toBe(referenceCrc32c(slice));
        }
      }
    });

    test("crc32c continues across pieces", () => {
      const data = randomBytes(100_000, 11);
      const rnd = makeRandom(3);
      for (let i = 0; i < 20; i++) {
        const cut = Math.floor(rnd() * data.length);
        const whole = api.crc32c(data);
        expect(api.crc32c(data.subarray(cut), api.crc32c(data.subarray(0, cut)))).toBe(whole);
      }
    });

    test("crc32c works on a Buffer and on a subarray of a larger buffer", () => {
      const text = Buffer.from("xx123456789yy");
      expect(api.crc32c(text.subarray(2, 11))).toBe(0xe3069283);
    });

    const batches = [
      buildBatch({ baseOffset: 10, recordCount: 3, baseTimestampMs: 1000 }),
      buildBatch({ baseOffset: 13, recordCount: 1, baseTimestampMs: 2000 }),
      buildBatch({ baseOffset: 14, recordCount: 5, valueBytes: 300, baseTimestampMs: 3000 }),
    ];
    const log = concatBytes(batches);
    const out = new Float64Array(SCAN_FIELDS * 16);

    test("scanBatches describes every batch of a valid buffer", () => {
      expect(api.scanBatches(log, 0, 10, -1, true, out)).toBe(3);
      let pos = 0;
      const expected = [
        [10, 12, 1002],
        [13, 13, 2000],
        [14, 18, 3004],
      ];
      for (let i = 0; i < 3; i++) {
        const s = i * SCAN_FIELDS;
        expect([out[s], out[s + 1], out[s + 2], out[s + 3], out[s + 4]]).toEqual([
          pos, batches[i].length, expected[i][0], expected[i][1], expected[i][2],
        ]);
        pos += batches[i].length;
      }
    });

    test("scanBatches stops at a torn tail at every cut point", () => {
      const full = log.length;
      const ends = [batches[0].length, batches[0].length + batches[1].length, full];
      for (let cut = 0; cut <= full; cut++) {
        const wholeBatches = ends.filter((e) => e <= cut).length;
        expect(api.scanBatches(log.subarray(0, cut), 0, -1, -1, true, out)).toBe(wholeBatches);
      }
    });

    test("scanBatches stops at a corrupted byte only when CRCs are checked", () => {
      const copy = log.slice();
      copy[batches[0].length + 40] ^= 0x01; // inside batch 2's CRC range
      expect(api.scanBatches(copy, 0, -1, -1, true, out)).toBe(1);
      expect(api.scanBatches(copy, 0, -1, -1, false, out)).toBe(3);
      const badMagic = log.slice();
      badMagic[batches[0].length + 16] = 1;
      expect(api.scanBatches(badMagic, 0, -1, -1, false, out)).toBe(1);
      const zeros = concatBytes([log, new Uint8Array(4096)]);
      expect(api.scanBatches(zeros, 0, -1, -1, true, out)).toBe(3);
    });

    test("scanBatches checks dense offsets, the offset limit, the start position and capacity", () => {
      expect(api.scanBatches(log, 0, 11, -1, true, out)).toBe(0);
      const gap = concatBytes([batches[0], batches[2]]);
      expect(api.scanBatches(gap, 0, 10, -1, true, out)).toBe(1);
      expect(api.scanBatches(gap, 0, -1, -1, true, out)).toBe(2);
      expect(api.scanBatches(log, 0, -1, 14, true, out)).toBe(2);
      expect(api.scanBatches(log, 0, -1, 19, true, out)).toBe(3);
      expect(api.scanBatches(log, batches[0].length, 13, -1, true, out)).toBe(2);
      expect(out[0]).toBe(batches[0].length);
      expect(api.scanBatches(log, 0, -1, -1, true, new Float64Array(SCAN_FIELDS * 2))).toBe(2);
      expect(api.scanBatches(log, log.length, -1, -1, true, out)).toBe(0);
    });

    test("floorIndex finds the last key <= target in Uint32Array and Float64Array keys", () => {
      const rnd = makeRandom(5);
      for (let round = 0; round < 50; round++) {
        const n = Math.floor(rnd() * 40);
        const keys32 = new Uint32Array(n + 5);
        const keys64 = new Float64Array(n + 5);
        let k = Math.floor(rnd() * 5);
        for (let i = 0; i < n; i++) {
          k += 1 + Math.floor(rnd() * 10);
          keys32[i] = k;
          keys64[i] = k * 1000;
        }
        for (let t = -1; t <= k + 2; t++) {
          let expected = -1;
          for (let i = 0; i < n; i++) if (keys32[i] <= t) expected = i;
          expect(api.floorIndex(keys32, n, t)).toBe(expected);
          expect(api.floorIndex(keys64, n, t * 1000)).toBe(expected);
        }
      }
      expect(api.floorIndex(new Uint32Array([1, 2, 3]), 0, 5)).toBe(-1);
      expect(api.floorIndex(new Uint32Array([1, 2, 3]), 99, 5)).toBe(2);
    });
  });
}
