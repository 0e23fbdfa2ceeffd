/** Metadata against hand-written byte layouts: null topic list (v1+), compact encodings (v9+), null topic name (v12). */
import { describe, expect, test } from "bun:test";
import { decodeMessage, encodeMessage } from "../../src/protocol/codec.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const i32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

describe("MetadataRequest layout", () => {
  test("v1 null topics is int32 -1; v4 adds allowAutoTopicCreation", () => {
    expect(hex(encodeMessage(Metadata.request, 1, { topics: null }).toBytes())).toBe(i32(-1));
    expect(hex(encodeMessage(Metadata.request, 4, { topics: null, allowAutoTopicCreation: true }).toBytes())).toBe(i32(-1) + "01");
  });
  test("v9 compact topics, then allowAuto, includeCluster, includeTopic", () => {
    const bytes = encodeMessage(Metadata.request, 9, {
      topics: [{ name: "ab" }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: false,
    }).toBytes();
    expect(hex(bytes)).toBe("02" + "036162" + "00" + "00" + "01" + "00" + "00");
  });
  test("v12 topic id before the (nullable) name; v11 has no includeClusterAuthorizedOperations", () => {
    const bytes = encodeMessage(Metadata.request, 12, {
      topics: [{ topicId: ZERO_UUID, name: null }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    }).toBytes();
    expect(hex(bytes)).toBe("02" + "00".repeat(16) + "00" + "00" + "01" + "00" + "00");
    const back = decodeMessage(Metadata.request, 12, new Reader(bytes));
    expect(back.includeClusterAuthorizedOperations).toBe(false);
    expect(back.topics[0].name).toBeNull();
  });
});

describe("MetadataResponse layout", () => {
  test("v0: brokers then topics, no rack, no controller", () => {
    const value = {
      brokers: [{ nodeId: 1, host: "h", port: 9092 }],
      topics: [{ errorCode: 0, name: "t", partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }] }],
    };
    expect(hex(encodeMessage(Metadata.response, 0, value).toBytes())).toBe(
      i32(1) + i32(1) + "000168" + i32(9092) +
        i32(1) + "0000" + "000174" + i32(1) + "0000" + i32(0) + i32(1) + i32(1) + i32(1) + i32(1) + i32(1),
    );
  });
  test("v10 keeps clusterAuthorizedOperations, v11 drops it", () => {
    const base = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] };
    expect(hex(encodeMessage(Metadata.response, 10, { ...base, clusterAuthorizedOperations: 5 }).toBytes())).toBe(
      i32(0) + "01" + "00" + i32(1) + "01" + i32(5) + "00",
    );
    expect(hex(encodeMessage(Metadata.response, 11, base).toBytes())).toBe(i32(0) + "01" + "00" + i32(1) + "01" + "00");
  });
});
