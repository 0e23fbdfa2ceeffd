/** OffsetFetch byte layouts checked by hand: v1 and v2 (classic), v8 and v9 (batched groups, compact encoding). */
import { describe, expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { MessageDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function encode(def: MessageDef, version: number, value: unknown): Uint8Array {
  const w = new Writer();
  codecFor(def, version).encode(w, value);
  return w.toBytes();
}

function decode(def: MessageDef, version: number, h: string): any {
  const r = new Reader(new Uint8Array(Buffer.from(h, "hex")));
  const v = codecFor(def, version).decode(r);
  expect(r.remaining).toBe(0);
  return v;
}

describe("OffsetFetchRequest", () => {
  test("v1: int16 strings, int32 array lengths", () => {
    const bytes = encode(OffsetFetch.request, 1, { groupId: "g", topics: [{ name: "t", partitionIndexes: [0, 2] }] });
    expect(hex(bytes)).toBe("000167" + "00000001" + "000174" + "00000002" + "00000000" + "00000002");
  });

  test("v2: a null topics array is int32 -1", () => {
    expect(hex(encode(OffsetFetch.request, 2, { groupId: "g", topics: null }))).toBe("000167" + "ffffffff");
  });

  test("v8: groups array, compact encoding, null topics, tagged-field sections", () => {
    const bytes = encode(OffsetFetch.request, 8, { groups: [{ groupId: "g", topics: null }], requireStable: true });
    // groups len+1 | "g" | topics null | group tags | requireStable | top-level tags
    expect(hex(bytes)).toBe("02" + "0267" + "00" + "00" + "01" + "00");
    const back = decode(OffsetFetch.request, 8, hex(bytes));
    expect(back.groups[0].memberId).toBeNull();
    expect(back.groups[0].memberEpoch).toBe(-1);
    expect(back.groupId).toBe("");
    expect(back.topics).toEqual([]);
  });

  test("v9: member id and epoch inside each group", () => {
    const bytes = encode(OffsetFetch.request, 9, {
      groups: [{ groupId: "g", memberId: "m", memberEpoch: 5, topics: [{ name: "t", partitionIndexes: [1] }] }],
      requireStable: false,
    });
    expect(hex(bytes)).toBe("02" + "0267" + "026d" + "00000005" + "02" + "0274" + "02" + "00000001" + "00" + "00" + "00" + "00");
  });
});

describe("OffsetFetchResponse", () => {
  test("v5: leader epoch, nullable metadata, top-level error code", () => {
    const bytes = encode(OffsetFetch.response, 5, {
      throttleTimeMs: 7,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }] }],
      errorCode: 16,
    });
    expect(hex(bytes)).toBe(
      "00000007" + "00000001" + "000174" + "00000001" + "00000000" + "000000000000002a" + "ffffffff" + "ffff" + "0000" + "0010",
    );
  });

  test("v8: per-group results with a group-level error code", () => {
    const bytes = encode(OffsetFetch.response, 8, {
      throttleTimeMs: 0,
      groups: [{
        groupId: "g",
        topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 }] }],
        errorCode: 0,
      }],
    });
    expect(hex(bytes)).toBe(
      "00000000" + "02" + "0267" + "02" + "0274" + "02" + "00000000" + "000000000000002a" + "ffffffff" + "00" + "0000" +
        "00" /* partition tags */ + "00" /* topic tags */ + "0000" + "00" /* group tags */ + "00",
    );
    const back = decode(OffsetFetch.response, 8, hex(bytes));
    expect(back.topics).toEqual([]);
    expect(back.errorCode).toBe(0);
  });
});
