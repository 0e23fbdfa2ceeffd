/** Fetch against hand-written byte layouts: compact encodings from v12, tagged fields, topic ids from v13. */
import { describe, expect, test } from "bun:test";
import { decodeMessage, encodeMessage } from "../../src/protocol/codec.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Reader, uuidToString } from "../../src/protocol/reader.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const i32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
const i64 = (n: bigint) => BigInt.asUintN(64, n).toString(16).padStart(16, "0");

const UUID_BYTES = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const UUID = uuidToString(UUID_BYTES);

function partitionResponse(extra: Record<string, unknown> = {}) {
  return {
    partitionIndex: 2,
    errorCode: 0,
    highWatermark: 10n,
    lastStableOffset: 9n,
    logStartOffset: 0n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: Uint8Array.of(0xaa, 0xbb, 0xcc),
    ...extra,
  };
}

describe("FetchResponse layout", () => {
  test("v11: int16 strings, int32 arrays, no tagged sections", () => {
    const value = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: "t", partitions: [partitionResponse()] }] };
    const bytes = encodeMessage(Fetch.response, 11, value).toBytes();
    expect(hex(bytes)).toBe(
      i32(0) + "0000" + i32(0) +
        i32(1) + "0001" + "74" + // responses[1], topic "t"
        i32(1) + i32(2) + "0000" + i64(10n) + i64(9n) + i64(0n) +
        i32(-1) + // abortedTransactions null
        i32(-1) + // preferredReadReplica
        i32(3) + "aabbcc",
    );
  });

  test("v12: compact arrays and strings, CurrentLeader as tag 1 of the partition", () => {
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topic: "t", partitions: [partitionResponse({ currentLeader: { leaderId: 5, leaderEpoch: 7 } })] }],
    };
    const bytes = encodeMessage(Fetch.response, 12, value).toBytes();
    expect(hex(bytes)).toBe(
      i32(0) + "0000" + i32(0) +
        "02" + "0274" + // compact array of 1, compact string "t"
        "02" + i32(2) + "0000" + i64(10n) + i64(9n) + i64(0n) +
        "00" + // abortedTransactions null (compact)
        i32(-1) +
        "04" + "aabbcc" + // compact records
        "01" + "01" + "09" + i32(5) + i32(7) + "00" + // partition tagged: 1 field, tag 1, 9 bytes (struct + its own tagged section)
        "00" + // topic tagged fields
        "00", // top-level tagged fields (nodeEndpoints empty = default)
    );
    const back = decodeMessage(Fetch.response, 12, new Reader(bytes));
    expect(back.responses[0].partitions[0].currentLeader).toEqual({ leaderId: 5, leaderEpoch: 7 });
    expect(back.responses[0].partitions[0].divergingEpoch).toEqual({ epoch: -1, endOffset: -1n });
    expect(back.responses[0].partitions[0].snapshotId).toEqual({ endOffset: -1n, epoch: -1 });
  });

  test("v16: topic id instead of name, nodeEndpoints as top-level tag 0", () => {
    const value = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topicId: UUID, partitions: [] }],
      nodeEndpoints: [{ nodeId: 1, host: "h", port: 9092, rack: null }],
    };
    const bytes = encodeMessage(Fetch.response, 16, value).toBytes();
    const endpoint = i32(1) + "0268" + i32(9092) + "00" + "00"; // nodeId, "h", port, rack null, tagged
    expect(hex(bytes)).toBe(
      i32(0) + "0000" + i32(0) +
        "02" + hex(UUID_BYTES) + "01" + "00" + // topicId, empty partitions, topic tagged
        "01" + "00" + (1 + endpoint.length / 2).toString(16).padStart(2, "0") + "02" + endpoint,
    );
  });
});

describe("FetchRequest layout", () => {
  test("v17: ReplicaState tag 1 on top, ReplicaDirectoryId tag 0 per partition, null ClusterId omitted", () => {
    const value = {
      clusterId: null,
      replicaState: { replicaId: 3, replicaEpoch: 4n },
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topicId: UUID,
        partitions: [{
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 42n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: 1048576,
          replicaDirectoryId: UUID,
        }],
      }],
      forgottenTopicsData: [],
      rackId: "",
    };
    const bytes = encodeMessage(Fetch.request, 17, value).toBytes();
    expect(hex(bytes)).toBe(
      // replicaId (0-14) is gone: the body starts with maxWaitMs
      i32(500) + i32(1) + i32(1024) + "01" + i32(0) + i32(-1) +
        "02" + hex(UUID_BYTES) +
        "02" + i32(0) + i32(-1) + i64(42n) + i32(-1) + i64(-1n) + i32(1048576) +
        "01" + "00" + "10" + hex(UUID_BYTES) + // partition tagged: tag 0, 16 bytes
        "00" + // topic tagged
        "01" + // forgottenTopicsData: empty compact array
        "01" + // rackId ""
        "01" + "01" + "0d" + i32(3) + i64(4n) + "00", // tag 1: replicaState struct (12 bytes + its own tagged section)
    );
    const back = decodeMessage(Fetch.request, 17, new Reader(bytes));
    expect(back.replicaState).toEqual({ replicaId: 3, replicaEpoch: 4n });
    expect(back.replicaId).toBe(-1);
    expect(back.clusterId).toBeNull();
    expect(back.topics[0].partitions[0].replicaDirectoryId).toBe(UUID);
  });

  test("v4: replicaId first, int16 topic names, no session fields", () => {
    const value = {
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 50,
      isolationLevel: 0,
      topics: [{ topic: "ab", partitions: [{ partition: 1, fetchOffset: 7n, partitionMaxBytes: 9 }] }],
    };
    const bytes = encodeMessage(Fetch.request, 4, value).toBytes();
    expect(hex(bytes)).toBe(
      i32(-1) + i32(100) + i32(1) + i32(50) + "00" +
        i32(1) + "0002" + "6162" + i32(1) + i32(1) + i64(7n) + i32(9),
    );
  });
});
