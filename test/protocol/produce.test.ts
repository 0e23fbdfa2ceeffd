/** Produce against hand-written byte layouts: nullable transactionalId, flexible v9+, CurrentLeader tag in v10+. */
import { describe, expect, test } from "bun:test";
import { decodeMessage, encodeMessage } from "../../src/protocol/codec.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const i32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
const i64 = (n: bigint) => BigInt.asUintN(64, n).toString(16).padStart(16, "0");

const records = Uint8Array.of(1, 2, 3, 4);
const req = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: "t", partitionData: [{ index: 0, records }] }] };

describe("ProduceRequest layout", () => {
  test("v0 has no transactionalId", () => {
    expect(hex(encodeMessage(Produce.request, 0, req).toBytes())).toBe(
      "ffff" + i32(30000) + i32(1) + "000174" + i32(1) + i32(0) + i32(4) + "01020304",
    );
  });
  test("v3 starts with a null int16 string", () => {
    expect(hex(encodeMessage(Produce.request, 3, req).toBytes())).toBe(
      "ffff" + "ffff" + i32(30000) + i32(1) + "000174" + i32(1) + i32(0) + i32(4) + "01020304",
    );
  });
  test("v9 is compact, with empty tagged sections", () => {
    const bytes = encodeMessage(Produce.request, 9, { ...req, transactionalId: "tx" }).toBytes();
    expect(hex(bytes)).toBe("037478" + "ffff" + i32(30000) + "02" + "0274" + "02" + i32(0) + "05" + "01020304" + "00" + "00" + "00");
    expect(decodeMessage(Produce.request, 9, new Reader(bytes)).transactionalId).toBe("tx");
  });
});

describe("ProduceResponse layout", () => {
  const partition = { index: 0, errorCode: 6, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage: null };
  test("v2 adds logAppendTimeMs after baseOffset, throttle time last", () => {
    expect(hex(encodeMessage(Produce.response, 2, { responses: [{ name: "t", partitionResponses: [partition] }], throttleTimeMs: 7 }).toBytes())).toBe(
      i32(1) + "000174" + i32(1) + i32(0) + "0006" + i64(-1n) + i64(-1n) + i32(7),
    );
  });
  test("v10 puts CurrentLeader in partition tag 0 and NodeEndpoints in top-level tag 0", () => {
    const value = {
      responses: [{ name: "t", partitionResponses: [{ ...partition, currentLeader: { leaderId: 2, leaderEpoch: 3 } }] }],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: "b", port: 9092, rack: "r" }],
    };
    const bytes = encodeMessage(Produce.response, 10, value).toBytes();
    const endpoint = i32(2) + "0262" + i32(9092) + "0272" + "00";
    expect(hex(bytes)).toBe(
      "02" + "0274" + "02" + i32(0) + "0006" + i64(-1n) + i64(-1n) + i64(-1n) +
        "01" + "00" + // recordErrors empty, errorMessage null
        "01" + "00" + "09" + i32(2) + i32(3) + "00" + // tag 0: currentLeader
        "00" + // topic tagged
        i32(0) +
        "01" + "00" + "0e" + "02" + endpoint, // tag 0: nodeEndpoints (14 bytes)
    );
    expect(decodeMessage(Produce.response, 10, new Reader(bytes))).toEqual(value);
  });
});
