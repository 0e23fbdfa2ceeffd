/**
 * Consumer groups on a 3-node cluster (real node processes, src/cluster-launcher.ts):
 * - the first FindCoordinator creates __consumer_offsets through the controller (RF 3, as
 *   offsets_topic_replication_factor with 3 live brokers); every node names the same coordinator, the
 *   leader of the group's offsets partition, with its advertised port;
 * - two confluent-kafka-python (librdkafka) consumers in one group consume everything produced to
 *   partitions led by every node, committing as they go;
 * - the brokers that do not lead the group's offsets partition answer group requests NOT_COORDINATOR
 *   (RawClient), the coordinator answers the committed offsets;
 * - kill -9 of the coordinator's broker: a new leader of the offsets partition loads the group from its
 *   replica of the log; the committed offsets are all there, and a consumer of the same group resumes
 *   from them (it reads exactly the records produced after the commit, none of the earlier ones);
 * - the killed broker restarts and is elected leader of the offsets partition again: it loads the
 *   group with the newest commits, and the broker that lost the leadership answers NOT_COORDINATOR.
 * Prints the failover figure: kill -9 -> first successful OffsetCommit on the new coordinator.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { Heartbeat } from "../../src/protocol/messages/heartbeat.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { ElectLeaders } from "../../src/protocol/messages/elect-leaders.ts";
import { offsetsPartitionFor } from "../../src/coordinator/offsets-log.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { batchOf, metadataOf, startFaultCluster, until, type FaultCluster } from "./faults/harness.ts";

const PYTHON = "/usr/bin/python3";
const CONSUMER = join(import.meta.dir, "scripts", "group-consumer.py");
const TOPIC = "events";
const GROUP = "coord-test-group";
const PARTITIONS = 3;
const FIRST = 300;
const SECOND = 150;

let fc: FaultCluster | null = null;
afterAll(async () => {
  await fc?.stop();
}, 30_000);

interface ConsumerResult {
  values: string[];
  commitErrors: string[];
  errors: string[];
}

async function consume(bootstrap: string, idleS: number, maxS: number): Promise<ConsumerResult> {
  const proc = Bun.spawn([PYTHON, CONSUMER, bootstrap, TOPIC, GROUP, String(idleS), String(maxS)], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), (maxS + 30) * 1000);
  const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
  await proc.exited;
  clearTimeout(timer);
  if (proc.exitCode !== 0) throw new Error(`consumer failed (${proc.exitCode}): ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split("\n").pop()!);
}

async function findCoordinator(port: number): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(FindCoordinator, 3, { key: GROUP, keyType: 0, coordinatorKeys: [] });
  } finally {
    c.close();
  }
}

async function committed(port: number): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }], requireStable: false });
  } finally {
    c.close();
  }
}

async function produce(client: ReturnType<FaultCluster["client"]>, from: number, count: number): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    const values: string[] = [];
    for (let i = from; i < from + count; i++) if (i % PARTITIONS === p) values.push(`m-${i}`);
    await until(`produce to ${TOPIC}-${p}`, async () => (await client.produce(TOPIC, p, batchOf(values), { acks: -1, timeoutMs: 5000 }))?.errorCode === 0, 30_000, 200);
  }
}

describe("consumer groups on a 3-node cluster", () => {
  test("FindCoordinator names the offsets partition's leader; a librdkafka group consumes everything; NOT_COORDINATOR elsewhere; commits survive kill -9 of the coordinator", async () => {
    fc = await startFaultCluster({ nodes: 3, env: { TAKHIN_OFFSETS_TOPIC_NUM_PARTITIONS: "6", TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "500" } });
    const cluster = fc.cluster;
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    const client = fc.client();
    const [created] = await client.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }]);
    expect(created!.errorCode).toBe(0);
    await produce(client, 0, FIRST);

    // First FindCoordinator: __consumer_offsets is created (COORDINATOR_NOT_AVAILABLE is retried, as clients do).
    const coord = await until("a coordinator", async () => {
      const r = await findCoordinator(cluster.node(0).kafkaPort);
      if (r.errorCode !== ErrorCode.NONE) {
        expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        return null;
      }
      return r;
    }, 20_000, 100);
    const md = await metadataOf(cluster, 0);
    const offsetsTopic = md!.topics.find((t) => t.name === "__consumer_offsets")!;
    expect(offsetsTopic.isInternal).toBe(true);
    expect(offsetsTopic.partitions.length).toBe(6);
    for (const p of offsetsTopic.partitions) expect(p.replicaNodes.length).toBe(3);
    expect(coord.port).toBe(cluster.node(coord.nodeId).kafkaPort);
    for (const n of cluster.nodes) {
      const r = await findCoordinator(n.kafkaPort);
      expect([r.errorCode, r.nodeId, r.port]).toEqual([ErrorCode.NONE, coord.nodeId, coord.port]);
    }

    // Two librdkafka consumers in one group share the partitions and see every record once between them.
    const [a, b] = await Promise.all([consume(cluster.bootstrap, 5, 60), consume(cluster.bootstrap, 5, 60)]);
    const all = [...a.values, ...b.values];
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(new Set(all).size).toBe(FIRST);
    expect([...new Set(all)].sort()).toEqual(Array.from({ length: FIRST }, (_, i) => `m-${i}`).sort());

    // The other brokers are not the group's coordinator.
    for (const n of cluster.nodes) {
      if (n.id === coord.nodeId) continue;
      const raw = await RawClient.connect(n.kafkaPort);
      try {
        const hb = await raw.call(Heartbeat, 3, { groupId: GROUP, generationId: 1, memberId: "m", groupInstanceId: null });
        expect(hb.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
        const of = await raw.call(OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false }, 2);
        expect(of.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      } finally {
        raw.close();
      }
    }
    const before = await committed(coord.port);
    expect(before.errorCode).toBe(0);
    const offsets = before.topics[0].partitions.map((p: any) => [p.partitionIndex, Number(p.committedOffset)]);
    expect(offsets).toEqual([[0, FIRST / 3], [1, FIRST / 3], [2, FIRST / 3]]);

    // kill -9 of the coordinator's broker; the group's offsets partition moves to a replica.
    const killedAt = performance.now();
    await cluster.kill(coord.nodeId);
    const live = cluster.nodes.filter((n) => n.id !== coord.nodeId);
    let attempts = 0;
    const newCoord = await until("a commit on the new coordinator", async () => {
      attempts++;
      const r = await findCoordinator(live[attempts % live.length]!.kafkaPort).catch(() => null);
      if (!r || r.errorCode !== ErrorCode.NONE || r.nodeId === coord.nodeId) return null;
      const raw = await RawClient.connect(r.port);
      try {
        // The same offsets again (the group is Empty: generation -1, no member id).
        const res = await raw.call(OffsetCommit, 8, {
          groupId: GROUP,
          generationIdOrMemberEpoch: -1,
          memberId: "",
          groupInstanceId: null,
          topics: [{ name: TOPIC, partitions: offsets.map(([p, o]: number[]) => ({ partitionIndex: p, committedOffset: BigInt(o!), committedLeaderEpoch: -1, committedMetadata: null })) }],
        });
        return res.topics[0].partitions.every((p: any) => p.errorCode === 0) ? r : null;
      } finally {
        raw.close();
      }
    }, 30_000, 50);
    const failoverMs = Math.round(performance.now() - killedAt);
    console.log(`coordinator failover: kill -9 of node ${coord.nodeId} -> first successful OffsetCommit on node ${newCoord.nodeId} after ${failoverMs} ms`);
    const after = await committed(newCoord.port);
    expect(after.errorCode).toBe(0);
    expect(after.topics[0].partitions.map((p: any) => [p.partitionIndex, Number(p.committedOffset)])).toEqual(offsets);

    // New records; a consumer of the same group resumes from the committed offsets.
    const liveClient = fc.client();
    await until("every partition of the topic led by a live broker", async () => {
      const m = await metadataOf(cluster, live[0]!.id);
      return m?.topics.find((t) => t.name === TOPIC)?.partitions.every((p) => p.leaderId >= 0 && p.leaderId !== coord.nodeId) ?? false;
    }, 20_000);
    await produce(liveClient, FIRST, SECOND);
    const bootstrapLive = live.map((n) => `127.0.0.1:${n.kafkaPort}`).join(",");
    const resumed = await consume(bootstrapLive, 5, 60);
    expect(resumed.values.sort()).toEqual(Array.from({ length: SECOND }, (_, i) => `m-${FIRST + i}`).sort());

    // The killed broker comes back, catches up and is elected leader of the offsets partition again
    // (it is the preferred replica): it loads the group with the newest commits, the other one unloads it.
    const p = offsetsPartitionFor(GROUP, 6);
    await cluster.start(coord.nodeId);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    await until("the restarted broker back in the offsets partition's ISR", async () => {
      const m = await metadataOf(cluster, live[0]!.id);
      return m?.topics.find((t) => t.name === "__consumer_offsets")?.partitions.find((x) => x.partitionIndex === p)?.isrNodes.includes(coord.nodeId) ?? false;
    }, 60_000, 200);
    const elect = await RawClient.connect(live[0]!.kafkaPort);
    try {
      const r = await elect.call(ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: "__consumer_offsets", partitions: [p] }], timeoutMs: 10_000 });
      expect(r.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.NONE);
    } finally {
      elect.close();
    }
    await until("FindCoordinator names the restarted broker", async () => {
      const r = await findCoordinator(newCoord.port);
      return r.errorCode === ErrorCode.NONE && r.nodeId === coord.nodeId;
    }, 20_000);
    const back = await until("the group loaded on the restarted broker", async () => {
      const r = await committed(coord.port);
      return r.errorCode === ErrorCode.NONE ? r : null;
    }, 20_000);
    const perPartition = (FIRST + SECOND) / PARTITIONS;
    expect(back.topics[0].partitions.map((x: any) => [x.partitionIndex, Number(x.committedOffset)])).toEqual([[0, perPartition], [1, perPartition], [2, perPartition]]);
    expect((await committed(newCoord.port)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
  }, 300_000);
});
