/**
 * DescribeQuorum (55) on a 3-node cluster of processes and on one node: RawClient at every version,
 * and Kafka 4.4's own `kafka-metadata-quorum describe --status` / `--replication`
 * (org.apache.kafka.tools.MetadataQuorumCommand) with its printed output parsed and asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LocalCluster } from "../../src/cluster-launcher.ts";
import { DescribeQuorum } from "../../src/protocol/messages/describe-quorum.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { RawClient, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";
import { startTestCluster, waitFor } from "./quorum-cluster.ts";

const QUORUM_TOOL = "org.apache.kafka.tools.MetadataQuorumCommand";
const T = 180_000;
const ASK = { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }] };

let cluster: LocalCluster;

beforeAll(async () => {
  requireJava();
  cluster = await startTestCluster(3);
}, T);

afterAll(async () => {
  await cluster?.stop(5000);
});

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

  test("another topic or partition is UNKNOWN_TOPIC_OR_PARTITION, as Kafka's controller answers", async () => {
    const r = await describeQuorum(cluster.nodes[0]!.kafkaPort, 2, { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 1 }] }] });
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const r2 = await describeQuorum(cluster.nodes[0]!.kafkaPort, 2, { topics: [] });
    expect(r2.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
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
