/**
 * Transactional offsets end to end with real clients (issue 16 items 3 and 4): kafkajs 2.2.4
 * (`transaction.sendOffsets`) and confluent-kafka-python 1.7 / librdkafka 2.0.2
 * (`send_offsets_to_transaction`) against Takhin's transaction coordinator and group coordinator,
 * with verification on (KIP-890: the group coordinator asks the transaction coordinator whether
 * AddOffsetsToTxn added the group's offsets partition). Each client commits a group's offsets in a
 * committed transaction (invisible before EndTxn, visible after), in an aborted one (never
 * visible) and in one it leaves open; the broker then answers OffsetFetch require_stable with
 * UNSTABLE_OFFSET_COMMIT for the open one and the last committed offsets without it. The scripts
 * were checked against Apache Kafka 4.4 (same phases, same offsets).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { NODE, PYTHON, SCRIPTS_DIR, runClient } from "./clients.ts";

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker({ autoCreateTopicsEnable: false });
});
afterAll(async () => {
  await tb?.stop();
});

async function requireStable(group: string, topic: string, stable: boolean): Promise<[bigint, number][]> {
  const c = await RawClient.connect(tb.port);
  try {
    const r = await c.call(OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1] }], requireStable: stable });
    return r.topics[0].partitions.map((p: any) => [p.committedOffset, p.errorCode]);
  } finally {
    c.close();
  }
}

const cases = [
  { name: "kafkajs", argv: (b: string, ...a: string[]) => [NODE, join(SCRIPTS_DIR, "txn-offsets-kafkajs.mjs"), b, ...a], none: -1 },
  { name: "confluent-kafka-python", argv: (b: string, ...a: string[]) => [PYTHON, join(SCRIPTS_DIR, "txn-offsets-confluent.py"), b, ...a], none: -1001 },
];

describe("transactional offsets with real clients", () => {
  for (const c of cases) {
    test(`${c.name}: offsets sent to a transaction are invisible before the commit, visible after, gone on abort; an open one is UNSTABLE_OFFSET_COMMIT under require_stable`, async () => {
      const input = `txo-${c.name}-in`;
      const output = `txo-${c.name}-out`;
      const group = `txo-${c.name}-group`;
      tb.broker.context.topics.create(input, 2);
      tb.broker.context.topics.create(output, 1);
      const r = await runClient(c.argv(tb.bootstrap, `txo-${c.name}-tx`, group, input, output), 90_000);
      if (r.exitCode !== 0 || r.timedOut) throw new Error(`${c.name} exit ${r.exitCode} timedOut=${r.timedOut}\n${r.stderr.slice(-3000)}`);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      expect({ ok: out.ok, error: out.error }).toEqual({ ok: true, error: undefined });
      const at = (phase: string) => [out.phases[phase]["0"], out.phases[phase]["1"]];
      expect(at("beforeCommit")).toEqual([c.none, c.none]);
      expect(at("afterCommit")).toEqual([5, c.none]);
      expect(at("beforeAbort")).toEqual([5, c.none]);
      expect(at("afterAbort")).toEqual([5, c.none]);
      expect(at("leftOpen")).toEqual([5, c.none]);
      expect(await requireStable(group, input, false)).toEqual([[5n, ErrorCode.NONE], [-1n, ErrorCode.NONE]]);
      expect(await requireStable(group, input, true)).toEqual([[5n, ErrorCode.NONE], [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT]]);
    }, 120_000);
  }
});
