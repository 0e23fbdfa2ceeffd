/** ConsumerGroupHeartbeat byte layouts checked by hand: a nullable struct has an int8 marker; nullable arrays are compact. */
import { expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { ConsumerGroupHeartbeat } from "../../src/protocol/messages/consumer-group-heartbeat.ts";
import type { MessageDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";

function hex(def: MessageDef, version: number, value: unknown): string {
  const w = new Writer();
  codecFor(def, version).encode(w, value);
  return Buffer.from(w.toBytes()).toString("hex");
}

const base = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: "m", memberEpoch: 3, heartbeatIntervalMs: 5000 };

test("response v0: null assignment is a single 0xff marker", () => {
  expect(hex(ConsumerGroupHeartbeat.response, 0, { ...base, assignment: null })).toBe(
    "00000000" + "0000" + "00" + "026d" + "00000003" + "00001388" + "ff" + "00",
  );
});

test("response v1: a present assignment is 0x01 then the struct with its own tagged fields", () => {
  const topicId = "AAAAAAAAAAAAAAAAAAAAAQ"; // 15 zero bytes then 0x01
  expect(
    hex(ConsumerGroupHeartbeat.response, 1, { ...base, assignment: { topicPartitions: [{ topicId, partitions: [0] }] } }),
  ).toBe(
    "00000000" + "0000" + "00" + "026d" + "00000003" + "00001388" + "01" + "02" + "00".repeat(15) + "01" + "02" + "00000000" +
      "00" /* topic-partition tags */ + "00" /* assignment tags */ + "00",
  );
});

test("request v1: regex present only from v1; null arrays are compact 0", () => {
  const value = {
    groupId: "g", memberId: "m", memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 300000,
    subscribedTopicNames: ["t"], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
  };
  const v0 = "0267" + "026d" + "00000000" + "00" + "00" + "000493e0" + "02" + "0274" + "00" + "00" + "00";
  expect(hex(ConsumerGroupHeartbeat.request, 0, value)).toBe(v0);
  expect(hex(ConsumerGroupHeartbeat.request, 1, value)).toBe(
    "0267" + "026d" + "00000000" + "00" + "00" + "000493e0" + "02" + "0274" + "00" /* regex */ + "00" + "00" + "00",
  );
});
