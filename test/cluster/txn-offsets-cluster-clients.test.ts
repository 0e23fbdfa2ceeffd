/**
 * Transactional offsets with real clients on a 3-node cluster in one process (issue 16 items 3
 * and 4): kafkajs and confluent-kafka-python transactional producers send offsets to their
 * transactions (AddOffsetsToTxn to the transaction coordinator, TxnOffsetCommit to the group
 * coordinator, which verifies with the transaction coordinator — on another node when it lives
 * there — and EndTxn, whose markers reach the group's __consumer_offsets partition locally or by
 * WriteTxnMarkers). Committed offsets show after the commit, aborted ones never, an open
 * transaction's offsets are UNSTABLE_OFFSET_COMMIT under require_stable; and after the group
 * coordinator's broker stops, the new leader of the offsets partition shows the same.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { createLogger } from "../../src/util/log.ts";
import { RawClient, tempDir } from "../helpers/broker.ts";
import { NODE, PYTHON, SCRIPTS_DIR, runClient } from "../clients/clients.ts";
import { freeBasePort } from "./faults/harness.ts";

const base = await freeBasePort(3);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-txn-offsets-cluster-clients-");
const brokers: (Broker | null)[] = [null, null, null];
const bootstrap = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`).join(",");

function start(i: number): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    overrides: {
      nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`,
      processRoles: "broker,controller", controllerQuorumVoters: voters,
      listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}`,
      offsetsTopicNumPartitions: 3, transactionStateLogNumPartitions: 3, groupInitialRebalanceDelayMs: 100,
    },
  });
}

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await f();
    if (v) return v;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function withClient<T>(port: number, f: (c: RawClient) => Promise<T>): Promise<T> {
  const c = await RawClient.connect(port);
  try {
    return await f(c);
  } finally {
    c.close();
  }
}

async function groupCoordinator(group: string): Promise<number> {
  const live = [0, 1, 2].find((i) => brokers[i])!;
  const r = await until(`the coordinator of ${group}`, async () => {
    const x = await withClient(base + live, (c) => c.call(FindCoordinator, 3, { key: group, keyType: 0 }));
    return x.errorCode === ErrorCode.NONE && brokers[x.nodeId] ? x : null;
  });
  return r.nodeId;
}

async function fetched(node: number, group: string, topic: string, requireStable: boolean): Promise<{ errorCode: number; partitions: [bigint, number][] }> {
  const r = await withClient(base + node, (c) => c.call(OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1] }], requireStable }));
  return { errorCode: r.errorCode, partitions: r.topics[0]?.partitions.map((p: any) => [p.committedOffset, p.errorCode]) ?? [] };
}

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
}, 30_000);

const cases = [
  { name: "kafkajs", argv: (...a: string[]) => [NODE, join(SCRIPTS_DIR, "txn-offsets-kafkajs.mjs"), ...a], none: -1 },
  { name: "confluent-kafka-python", argv: (...a: string[]) => [PYTHON, join(SCRIPTS_DIR, "txn-offsets-confluent.py"), ...a], none: -1001 },
];

async function createTopic(name: string, partitions: number): Promise<void> {
  await until(`topic ${name}`, async () => {
    const r = await withClient(base, (c) => c.call(CreateTopics, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false }));
    return [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS].includes(r.topics[0].errorCode);
  });
  await until(`${name} on every node`, async () => brokers.every((b) => !b || b.context.topics.get(name)));
}

describe("transactional offsets with real clients on a 3-node cluster", () => {
  test("kafkajs and librdkafka: committed visible, aborted never, open UNSTABLE; the same on the new coordinator after the old one stops", async () => {
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    const UNSTABLE = ErrorCode.UNSTABLE_OFFSET_COMMIT;
    const groups: { group: string; input: string }[] = [];
    for (const c of cases) {
      const input = `txoc-${c.name}-in`;
      const output = `txoc-${c.name}-out`;
      const group = `txoc-${c.name}-group`;
      await createTopic(input, 2);
      await createTopic(output, 1);
      const r = await runClient(c.argv(bootstrap, `txoc-${c.name}-tx`, group, input, output), 120_000);
      if (r.exitCode !== 0 || r.timedOut) throw new Error(`${c.name} exit ${r.exitCode} timedOut=${r.timedOut}\n${r.stderr.slice(-3000)}`);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      if (!out.ok) console.log(JSON.stringify(out));
      expect({ client: c.name, ok: out.ok, error: out.error }).toEqual({ client: c.name, ok: true, error: undefined });
      const at = (phase: string) => [out.phases[phase]["0"], out.phases[phase]["1"]];
      expect(at("beforeCommit")).toEqual([c.none, c.none]);
      expect(at("afterCommit")).toEqual([5, c.none]);
      expect(at("afterAbort")).toEqual([5, c.none]);
      expect(at("leftOpen")).toEqual([5, c.none]);
      const node = await groupCoordinator(group);
      expect(await fetched(node, group, input, true)).toEqual({ errorCode: ErrorCode.NONE, partitions: [[5n, ErrorCode.NONE], [-1n, UNSTABLE]] });
      groups.push({ group, input });
    }
    // Stop the coordinator of the first group; a new leader of its offsets partition loads it from its replica.
    const first = await groupCoordinator(groups[0]!.group);
    await brokers[first]!.stop(500);
    brokers[first] = null;
    for (const { group, input } of groups) {
      const node = await groupCoordinator(group);
      expect(node).not.toBe(first);
      const seen = await until(`${group} loaded on node ${node}`, async () => {
        const f = await fetched(node, group, input, true);
        return f.errorCode === ErrorCode.NONE ? f : null;
      });
      expect(seen.partitions).toEqual([[5n, ErrorCode.NONE], [-1n, UNSTABLE]]);
      expect((await fetched(node, group, input, false)).partitions).toEqual([[5n, ErrorCode.NONE], [-1n, ErrorCode.NONE]]);
    }
  }, 240_000);
});
