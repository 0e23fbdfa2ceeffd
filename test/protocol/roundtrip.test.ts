/**
 * For every API, both messages, every version: decode(encode(x)) equals x; every strict prefix
 * of an encoding fails with DecodeError; garbled and random bytes either decode or fail with
 * DecodeError — never another exception, never a hang.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ALL_APIS } from "../../src/protocol/apis.ts";
import { codecFor, deepEqual } from "../../src/protocol/codec.ts";
import { DecodeError, Reader } from "../../src/protocol/reader.ts";
import type { MessageDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { messageArb } from "./arbitrary.ts";

const RUNS = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 25);

function versions(def: MessageDef): number[] {
  const out: number[] = [];
  for (let v = def.valid.min; v <= def.valid.max; v++) out.push(v);
  return out;
}

function encode(def: MessageDef, version: number, value: unknown): Uint8Array {
  const w = new Writer();
  codecFor(def, version).encode(w, value);
  return w.toBytes();
}

function decodeOrDecodeError(def: MessageDef, version: number, bytes: Uint8Array): void {
  try {
    codecFor(def, version).decode(new Reader(bytes));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

for (const api of ALL_APIS) {
  for (const def of [api.request, api.response]) {
    describe(def.name, () => {
      for (const v of versions(def)) {
        test(`v${v} round trip, truncation, garbling`, () => {
          fc.assert(
            fc.property(messageArb(def, v), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (value, cut, noise) => {
              const bytes = encode(def, v, value);
              const r = new Reader(bytes);
              const back = codecFor(def, v).decode(r);
              if (r.remaining !== 0) return false;
              if (!deepEqual(back, value)) return false;
              if (bytes.length > 0) {
                const prefix = bytes.subarray(0, cut % bytes.length);
                expect(() => codecFor(def, v).decode(new Reader(prefix))).toThrow(DecodeError);
                const garbled = bytes.slice();
                for (let i = 0; i < noise.length; i++) garbled[(cut + i * 7919) % garbled.length] ^= noise[i] | 1;
                decodeOrDecodeError(def, v, garbled);
              }
              decodeOrDecodeError(def, v, noise);
              return true;
            }),
            { numRuns: RUNS },
          );
        });
      }
    });
  }
}
