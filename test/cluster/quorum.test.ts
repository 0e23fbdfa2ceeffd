/**
 * What clients see of a 3-node cluster of processes (each node with its own rack):
 *  - DescribeQuorum (55) at every version with RawClient, and Kafka 4.4's own
 *    `kafka-metadata-quorum describe --status` / `--replication` (org.apache.kafka.tools.MetadataQuorumCommand)
 *    with its printed output parsed and asserted; on one node too.
 *  - Metadata and DescribeCluster list every live broker with its rack and the controller id (RawClient
 *    on every node, kafkajs admin.describeCluster).
 *  - KIP-951: Produce v10+ and Fetch v16+ answers of NOT_LEADER_OR_FOLLOWER name the current leader and
 *    its endpoint; older versions do not carry the fields.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LocalCluster } from "../../src/cluster-launcher.ts";
import { join } from "node:path";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DescribeCluster } from "../../src/protocol/messages/describe-cluster.ts";
import { DescribeQuorum } from "../../src/protocol/messages/describe-quorum.ts";
import { ElectLeaders } from "../../src/protocol/messages/elect-leaders.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { runClient } from "../clients/clients.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";
import { startTestCluster, waitFor } from "./quorum-cluster.ts";

const QUORUM_TOOL = "org.apache.kafka.tools.MetadataQuorumCommand";
const T = 180_000;
const ASK = { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }] };

let cluster: LocalCluster;
const rackOf = (id: number) => `rack-${String.fromCharCode(97 + id)}`;

async function call(port: number, api: any, version: number, body: unknown): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(api, version, body);
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  requireJava();
  cluster = await startTestCluster(3, { racks: rackOf });
}, T);

afterAll(async () => {
  await cluster?.stop(10_000);
}, 30_000);

async function describeQuorum(port: number, version: number, body: unknown = ASK): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(DescribeQuorum, version, body);
  } finally {
    c.close();
  }
}

/** Parses `describe --status` ("Key:   value" lines). */
function parseStatus(out: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const x = /^(\w+):\s+(.*)$/.exec(line.trim());
    if (x) m[x[1]!] = x[2]!;
  }
  return m;
}

/** Parses `describe --replication` (a tab-separated table with a header row). */
function parseReplication(out: string): Record<string, string>[] {
  const lines = out.split("\n").filter((l) => l.includes("\t"));
  const header = lines[0]!.split("\t").map((s) => s.trim());
  return lines.slice(1).map((l) => Object.fromEntries(l.split("\t").map((v, i) => [header[i]!, v.trim()])));
}

describe("DescribeQuorum on a 3-node cluster", () => {
  test(
    "every node answers (forwarded to the active controller) with the leader, its epoch, the high watermark and all three voters",
    async () => {
      const answers = await waitFor("a quorum answer with every follower seen", async () => {
        const rs = await Promise.all(cluster.nodes.map((n) => describeQuorum(n.kafkaPort, 2)));
        const ok = rs.every((r) => r.errorCode === 0 && r.topics[0]?.partitions[0]?.errorCode === 0 && r.topics[0].partitions[0].currentVoters.every((v: any) => v.lastFetchTimestamp > 0n));
        return ok ? rs : undefined;
      });
      const p = answers[0].topics[0].partitions[0];
      expect(answers[0].topics[0].topicName).toBe("__cluster_metadata");
      expect([0, 1, 2]).toContain(p.leaderId);
      expect(p.leaderEpoch).toBeGreaterThan(0);
      expect(p.highWatermark).toBeGreaterThan(0n);
      expect(p.currentVoters.map((v: any) => v.replicaId).sort()).toEqual([0, 1, 2]);
      expect(p.observers).toEqual([]);
      const leader = p.currentVoters.find((v: any) => v.replicaId === p.leaderId);
      expect(leader.logEndOffset).toBeGreaterThanOrEqual(p.highWatermark);
      for (const v of p.currentVoters) expect(v.lastCaughtUpTimestamp).toBeGreaterThan(0n);
      // Every node forwarded to the same controller, so all name the same leader and epoch.
      for (const a of answers) {
        expect(a.topics[0].partitions[0].leaderId).toBe(p.leaderId);
        expect(a.topics[0].partitions[0].leaderEpoch).toBe(p.leaderEpoch);
      }
      // v2 lists the voters' controller listeners.
      expect(answers[0].nodes.map((n: any) => [n.nodeId, n.listeners]).sort()).toEqual(
        cluster.nodes.map((n) => [n.id, [{ name: "CONTROLLER", host: "127.0.0.1", port: n.controllerPort }]]),
      );
      // v0 has no timestamps (they decode as the default -1), v1 has them.
      const v0 = (await describeQuorum(cluster.nodes[1]!.kafkaPort, 0)).topics[0].partitions[0];
      expect(v0.currentVoters.every((v: any) => v.lastFetchTimestamp === -1n)).toBe(true);
      const v1 = (await describeQuorum(cluster.nodes[2]!.kafkaPort, 1)).topics[0].partitions[0];
      expect(v1.currentVoters.every((v: any) => v.lastCaughtUpTimestamp > 0n)).toBe(true);
    },
    T,
  );

  test("another topic or partition is UNKNOWN_TOPIC_OR_PARTITION for that partition; no partition asked, no topics (Kafka 4.4's answers)", async () => {
    const r = await describeQuorum(cluster.nodes[0]!.kafkaPort, 2, { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 1 }, { partitionIndex: 0 }] }, { topicName: "x", partitions: [{ partitionIndex: 0 }] }] });
    expect(r.errorCode).toBe(0);
    expect(r.topics.map((t: any) => [t.topicName, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode])])).toEqual([
      ["__cluster_metadata", [[1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, 0]]],
      ["x", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);
    expect(r.topics[0].partitions[0].errorMessage).toBe("This server does not host this topic-partition.");
    expect(r.topics[0].partitions[1].currentVoters.length).toBe(3);
    const none = await describeQuorum(cluster.nodes[0]!.kafkaPort, 2, { topics: [] });
    expect([none.errorCode, none.topics]).toEqual([0, []]);
  });

  test(
    "kafka-metadata-quorum describe --status and --replication print the quorum",
    async () => {
      const status = await runJava(QUORUM_TOOL, ["--bootstrap-server", cluster.bootstrap, "describe", "--status"]);
      expect(status.exitCode, explain(status)).toBe(0);
      const s = parseStatus(status.stdout);
      const raw = (await describeQuorum(cluster.nodes[0]!.kafkaPort, 2)).topics[0].partitions[0];
      expect(Number(s.LeaderId)).toBe(raw.leaderId);
      expect(Number(s.LeaderEpoch)).toBe(raw.leaderEpoch);
      expect(Number(s.HighWatermark)).toBeGreaterThan(0);
      expect(s.ClusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const voters = JSON.parse(s.CurrentVoters!) as { id: number; endpoints: string[] }[];
      expect(voters.map((v) => v.id).sort()).toEqual([0, 1, 2]);
      for (const v of voters) expect(v.endpoints).toEqual([`CONTROLLER://127.0.0.1:${cluster.node(v.id).controllerPort}`]);
      expect(s.CurrentObservers).toBe("[]");

      const repl = await runJava(QUORUM_TOOL, ["--bootstrap-server", cluster.bootstrap, "describe", "--replication"]);
      expect(repl.exitCode, explain(repl)).toBe(0);
      const rows = parseReplication(repl.stdout);
      expect(rows.map((r) => Number(r.NodeId)).sort()).toEqual([0, 1, 2]);
      const leaders = rows.filter((r) => r.Status === "Leader");
      expect(leaders.length).toBe(1);
      expect(Number(leaders[0]!.NodeId)).toBe(raw.leaderId);
      expect(rows.filter((r) => r.Status === "Follower").length).toBe(2);
      for (const r of rows) {
        expect(Number(r.LogEndOffset)).toBeGreaterThan(0);
        expect(Number(r.LastCaughtUpTimestamp)).toBeGreaterThan(0);
      }
    },
    T,
  );
});

describe("Metadata and DescribeCluster on a 3-node cluster", () => {
  test(
    "every node lists all three live brokers with their racks and the active controller",
    async () => {
      const controller = (await describeQuorum(cluster.nodes[0]!.kafkaPort, 2)).topics[0].partitions[0].leaderId;
      const expected = cluster.nodes.map((n) => ({ nodeId: n.id, host: "127.0.0.1", port: n.kafkaPort, rack: rackOf(n.id) }));
      for (const n of cluster.nodes) {
        const md = await waitFor(`node ${n.id} lists 3 brokers`, async () => {
          const r = await call(n.kafkaPort, Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
          return r.brokers.length === 3 ? r : undefined;
        });
        expect(md.brokers).toEqual(expected);
        expect(md.controllerId).toBe(controller);
        const dc = await call(n.kafkaPort, DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
        expect(dc.errorCode).toBe(0);
        expect(dc.brokers.map((b: any) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }))).toEqual(expected);
        expect(dc.controllerId).toBe(controller);
      }
    },
    T,
  );

  test(
    "kafkajs admin.describeCluster sees the three brokers and the controller",
    async () => {
      const controller = (await describeQuorum(cluster.nodes[0]!.kafkaPort, 2)).topics[0].partitions[0].leaderId;
      const r = await runClient(["/usr/bin/node", join(import.meta.dir, "scripts", "describe-cluster-kafkajs.mjs"), cluster.bootstrap], 60_000);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      expect(out.error, r.stderr).toBeUndefined();
      expect(out.brokers.map((b: any) => [b.nodeId, b.host, b.port]).sort()).toEqual(cluster.nodes.map((n) => [n.id, "127.0.0.1", n.kafkaPort]));
      expect(out.controller).toBe(controller);
      expect(out.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    },
    T,
  );
});

describe("KIP-951: NOT_LEADER_OR_FOLLOWER carries the current leader", () => {
  const topic = "kip951";
  let leaders: { partition: number; leader: number; epoch: number }[] = [];
  let topicId = "";

  beforeAll(async () => {
    const created = await call(cluster.nodes[0]!.kafkaPort, CreateTopics, 7, { topics: [{ name: topic, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);
    // Every node must know every leader before the test asks a non-leader.
    for (const n of cluster.nodes) {
      const md = await waitFor(`node ${n.id} knows the leaders of ${topic}`, async () => {
        const r = await call(n.kafkaPort, Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        const t = r.topics[0];
        return t?.errorCode === 0 && t.partitions.length === 3 && t.partitions.every((p: any) => p.leaderId >= 0) ? t : undefined;
      });
      topicId = md.topicId;
      leaders = md.partitions.map((p: any) => ({ partition: p.partitionIndex, leader: p.leaderId, epoch: p.leaderEpoch })).sort((a: any, b: any) => a.partition - b.partition);
    }
  }, T);

  const endpointOf = (id: number) => ({ nodeId: id, host: "127.0.0.1", port: cluster.node(id).kafkaPort, rack: rackOf(id) });
  const notLeaderOf = (leader: number) => cluster.nodes.find((n) => n.id !== leader)!;

  test("Produce v11 to a non-leader names the leader and its epoch, and lists the leader's endpoint", async () => {
    for (const l of leaders) {
      const records = buildRecordBatch({ records: [{ value: new TextEncoder().encode("x") }] });
      const r = await call(notLeaderOf(l.leader).kafkaPort, Produce, 11, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: l.partition, records }] }] });
      const p = r.responses[0].partitionResponses[0];
      expect(p.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(p.currentLeader).toEqual({ leaderId: l.leader, leaderEpoch: l.epoch });
      expect(r.nodeEndpoints).toEqual([endpointOf(l.leader)]);
      // v9 has no such fields: they decode as their defaults.
      const old = await call(notLeaderOf(l.leader).kafkaPort, Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: l.partition, records }] }] });
      expect(old.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(old.responses[0].partitionResponses[0].currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
      expect(old.nodeEndpoints).toEqual([]);
    }
  });

  test("Fetch v16 from a non-leader names the leader; a partition led here is answered normally and adds no endpoint", async () => {
    const asked = cluster.nodes[0]!;
    const fetchBody = {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, topicId, partitions: leaders.map((l) => ({ partition: l.partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 16 })) }],
      forgottenTopicsData: [], rackId: "",
    };
    const r = await call(asked.kafkaPort, Fetch, 16, fetchBody);
    expect(r.errorCode).toBe(0);
    const parts = r.responses[0].partitions;
    const elsewhere = leaders.filter((l) => l.leader !== asked.id);
    for (const l of leaders) {
      const p = parts.find((x: any) => x.partitionIndex === l.partition);
      if (l.leader === asked.id) {
        expect(p.errorCode).toBe(0);
        expect(p.currentLeader).toEqual({ leaderId: -1, leaderEpoch: -1 });
      } else {
        expect(p.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        expect(p.currentLeader).toEqual({ leaderId: l.leader, leaderEpoch: l.epoch });
      }
    }
    expect(r.nodeEndpoints).toEqual([...new Set(elsewhere.map((l) => l.leader))].sort().map(endpointOf));
    const old = await call(asked.kafkaPort, Fetch, 15, fetchBody);
    expect(old.nodeEndpoints).toEqual([]);
  });
});

describe("ElectLeaders on a 3-node cluster (forwarded to the active controller)", () => {
  test(
    "every node answers ELECTION_NOT_NEEDED for partitions led by their preferred replica, UNKNOWN_TOPIC_OR_PARTITION for none; kafka-leader-election --all-topic-partitions has nothing to do",
    async () => {
      for (const n of cluster.nodes) {
        for (const type of [0, 1]) {
          const r = await call(n.kafkaPort, ElectLeaders, 2, { electionType: type, topicPartitions: [{ topic: "kip951", partitions: [0, 1, 2] }, { topic: "nope", partitions: [0] }], timeoutMs: 5000 });
          expect(r.errorCode).toBe(0);
          const byTopic = Object.fromEntries(r.replicaElectionResults.map((t: any) => [t.topic, t.partitionResult.map((p: any) => p.errorCode)]));
          expect(byTopic).toEqual({ kip951: [ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.ELECTION_NOT_NEEDED], nope: [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION] });
        }
      }
      // Every partition (null): each topic listed, the partitions that needed nothing left out (Kafka 4.4's form).
      const every = await call(cluster.nodes[1]!.kafkaPort, ElectLeaders, 2, { electionType: 0, topicPartitions: null, timeoutMs: 5000 });
      expect(every.replicaElectionResults).toContainEqual({ topic: "kip951", partitionResult: [] });
      const tool = await runJava("org.apache.kafka.tools.LeaderElectionCommand", ["--bootstrap-server", cluster.bootstrap, "--election-type", "PREFERRED", "--all-topic-partitions"]);
      expect(tool.exitCode, explain(tool)).toBe(0);
      expect(tool.stdout).not.toContain("Error");
    },
    T,
  );
});

describe("DescribeQuorum on one node", () => {
  let tb: TestBroker;
  beforeAll(async () => {
    tb = await startTestBroker();
  });
  afterAll(async () => {
    await tb?.stop();
  });

  test("answers as the one-voter quorum of a combined single node: itself the leader, its metadata log end as high watermark", async () => {
    const r = await describeQuorum(tb.port, 2);
    expect(r.errorCode).toBe(0);
    const p = r.topics[0].partitions[0];
    const id = tb.broker.context.nodeId;
    expect(p.leaderId).toBe(id);
    expect(p.leaderEpoch).toBe(1);
    expect(p.highWatermark).toBe(BigInt(tb.broker.context.metadata.image.offset + 1));
    expect(p.currentVoters.map((v: any) => v.replicaId)).toEqual([id]);
    expect(r.nodes).toEqual([{ nodeId: id, listeners: [] }]);
  });

  test(
    "kafka-metadata-quorum describe --status works against it",
    async () => {
      const status = await runJava(QUORUM_TOOL, ["--bootstrap-server", tb.bootstrap, "describe", "--status"]);
      expect(status.exitCode, explain(status)).toBe(0);
      const s = parseStatus(status.stdout);
      expect(Number(s.LeaderId)).toBe(tb.broker.context.nodeId);
      // No controller listener: the tool prints no endpoints for it.
      expect(JSON.parse(s.CurrentVoters!)).toEqual([{ id: tb.broker.context.nodeId }]);
    },
    T,
  );
});
