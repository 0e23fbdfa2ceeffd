/** JoinGroup byte layouts checked by hand: v1 adds the rebalance timeout, v5 the nullable instance id, v6 turns compact. */
import { expect, test } from "bun:test";
import { codecFor } from "../../src/protocol/codec.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { MessageDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";

const req = {
  groupId: "g", sessionTimeoutMs: 10, rebalanceTimeoutMs: 20, memberId: "", groupInstanceId: null,
  protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array([9]) }], reason: null,
};

function hex(version: number, value: unknown, def: MessageDef = JoinGroup.request): string {
  const w = new Writer();
  codecFor(def, version).encode(w, value);
  return Buffer.from(w.toBytes()).toString("hex");
}

const consumer = Buffer.from("consumer").toString("hex");
const range = Buffer.from("range").toString("hex");

test("request v0 has no rebalance timeout, which decodes to -1", () => {
  const h = hex(0, req);
  expect(h).toBe("000167" + "0000000a" + "0000" + "0008" + consumer + "00000001" + "0005" + range + "00000001" + "09");
  const back = codecFor(JoinGroup.request, 0).decode(new Reader(new Uint8Array(Buffer.from(h, "hex"))));
  expect(back.rebalanceTimeoutMs).toBe(-1);
  expect(back.groupInstanceId).toBeNull();
});

test("request v5: null group instance id is int16 -1", () => {
  expect(hex(5, req)).toBe(
    "000167" + "0000000a" + "00000014" + "0000" + "ffff" + "0008" + consumer + "00000001" + "0005" + range + "00000001" + "09",
  );
});

test("request v8: compact strings, bytes and arrays; nullable reason; tagged-field sections", () => {
  expect(hex(8, { ...req, reason: "r" })).toBe(
    "0267" + "0000000a" + "00000014" + "01" + "00" + "09" + consumer + "02" + "06" + range + "02" + "09" + "00" + "0272" + "00",
  );
});

test("response v9: nullable protocol type, skip assignment, members with instance ids", () => {
  const h = hex(9, {
    throttleTimeMs: 0, errorCode: 0, generationId: 1, protocolType: "consumer", protocolName: null, leader: "l",
    skipAssignment: true, memberId: "l", members: [{ memberId: "l", groupInstanceId: null, metadata: new Uint8Array(0) }],
  }, JoinGroup.response);
  expect(h).toBe(
    "00000000" + "0000" + "00000001" + "09" + consumer + "00" + "026c" + "01" + "026c" + "02" + "026c" + "00" + "01" + "00" + "00",
  );
});
