/**
 * Partition reassignments on a 4-node cluster of processes (racks: nodes 0,1 "rack-a", 2,3 "rack-b"):
 *  - AlterPartitionReassignments (45) and ListPartitionReassignments (46) at Kafka 4.4's versions,
 *    sent to a node that is not the active controller (forwarded), answered as the local Kafka 4.4
 *    (3 combined nodes) answered the same requests (the texts below were probed there, see
 *    docs/cluster.md "Reassignments");
 *  - Kafka's kafka-reassign-partitions --generate / --execute / --verify moves a partition to two
 *    other brokers while an idempotent librdkafka producer (acks=all) writes to it and kcat
 *    consumes it: no acknowledged record lost, moved or duplicated for either; the new replicas hold
 *    the data, the old ones' logs are deleted, the leader is one of the new replicas;
 *  - a reassignment to a fenced broker stays in progress (ListPartitionReassignments shows it) and
 *    is cancelled with null replicas.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { LocalCluster } from "../../src/cluster-launcher.ts";
import { AlterPartitionReassignments } from "../../src/protocol/messages/alter-partition-reassignments.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { CreatePartitions } from "../../src/protocol/messages/create-partitions.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { DescribeCluster } from "../../src/protocol/messages/describe-cluster.ts";
import { DescribeConfigs } from "../../src/protocol/messages/describe-configs.ts";
import { takhin } from "../cli/run-cli.ts";
import { ListPartitionReassignments } from "../../src/protocol/messages/list-partition-reassignments.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { KafkaClient, LATEST_TIMESTAMP } from "../../src/client/client.ts";
import { PYTHON, runProc } from "../clients/scripts/pc-common.ts";
import { checkHistory, describeReport, type HistoryEvent } from "../helpers/history-checker.ts";
import { RawClient, tempDir } from "../helpers/broker.ts";
import { explain, runJava } from "../java/java.ts";
import { logBytesBelow } from "./faults/replication-schedule.ts";
import { readAll } from "./faults/harness.ts";
import { startTestCluster, waitFor } from "./quorum-cluster.ts";

const T = 180_000;
const REASSIGN = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
const HISTORY_PRODUCER = join(import.meta.dir, "faults", "scripts", "history-producer.py");
let cluster: LocalCluster;
let dir: string;

beforeAll(async () => {
  dir = tempDir("takhin-reassign-");
  cluster = await startTestCluster(4, { racks: (id) => (id < 2 ? "rack-a" : "rack-b"), adminApi: true });
}, T);

afterAll(async () => {
  await cluster?.stop(10_000);
}, 30_000);

async function call(port: number, api: any, version: number, body: unknown, timeoutMs = 5000): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await Promise.race([c.call(api, version, body), Bun.sleep(timeoutMs).then(() => Promise.reject(new Error("timeout")))]);
  } finally {
    c.close();
  }
}

/** A node that is not the active controller (its admin requests are forwarded). */
async function follower(): Promise<number> {
  const md = await call(cluster.nodes[0]!.kafkaPort, Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  return cluster.nodes.find((n) => n.id !== md.controllerId)!.kafkaPort;
}

async function partitionsOf(port: number, topic: string): Promise<{ index: number; leader: number; epoch: number; replicas: number[]; isr: number[] }[] | undefined> {
  const r = await call(port, Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const t = r.topics[0];
  if (t?.errorCode !== 0) return undefined;
  return [...t.partitions].sort((a: any, b: any) => a.partitionIndex - b.partitionIndex).map((p: any) => ({ index: p.partitionIndex, leader: p.leaderId, epoch: p.leaderEpoch, replicas: [...p.replicaNodes], isr: [...p.isrNodes].sort() }));
}

async function createTopic(name: string, assignments: number[][]): Promise<void> {
  const port = await follower();
  const r = await call(port, CreateTopics, 7, { topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs: [] }], timeoutMs: 10_000, validateOnly: false });
  expect(r.topics[0].errorCode, r.topics[0].errorMessage).toBe(0);
  await waitFor(`${name} led on every node`, async () => {
    for (const n of cluster.nodes) {
      const ps = await partitionsOf(n.kafkaPort, name);
      if (!ps || ps.length !== assignments.length || ps.some((p) => p.leader < 0 || p.isr.length !== p.replicas.length)) return undefined;
    }
    return true;
  });
}

test(
  "broker_rack: racks registered and reported (Metadata, DescribeCluster); CreateTopics and CreatePartitions spread every partition over both racks",
  async () => {
    const port = await follower();
    const rackOf = (id: number) => (id < 2 ? "rack-a" : "rack-b");
    const md = await call(port, Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.brokers.map((x: any) => [x.nodeId, x.rack]).sort()).toEqual([0, 1, 2, 3].map((id) => [id, rackOf(id)]));
    const dc = await call(port, DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(dc.brokers.map((x: any) => [x.brokerId, x.rack]).sort()).toEqual([0, 1, 2, 3].map((id) => [id, rackOf(id)]));
    const created = await call(port, CreateTopics, 7, { topics: [{ name: "racked", numPartitions: 4, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);
    const more = await call(port, CreatePartitions, 3, { topics: [{ name: "racked", count: 6, assignments: null }], timeoutMs: 10_000, validateOnly: false });
    expect(more.results[0].errorCode).toBe(0);
    const ps = await waitFor("racked with 6 partitions", async () => {
      const v = await partitionsOf(port, "racked");
      return v?.length === 6 ? v : undefined;
    });
    // Kafka's rack-aware assignment over the rack-alternated list [0,2,1,3] (test/metadata/placement.test.ts).
    expect(ps.map((p) => p.replicas)).toEqual([[0, 2], [2, 1], [1, 3], [3, 0], [0, 3], [2, 0]]);
    for (const p of ps) expect(new Set(p.replicas.map(rackOf)).size).toBe(2);
  },
  T,
);

const alter = (port: number, version: number, topics: unknown, allowReplicationFactorChange = true) => call(port, AlterPartitionReassignments, version, { timeoutMs: 10_000, allowReplicationFactorChange, topics });
const list = (port: number, topics: unknown) => call(port, ListPartitionReassignments, 0, { timeoutMs: 10_000, topics });

test(
  "AlterPartitionReassignments 45 (v0-1) and ListPartitionReassignments 46 (v0): versions and Kafka 4.4's answers, forwarded from a follower",
  async () => {
    const port = await follower();
    const av = await call(port, ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(av.apiKeys.filter((k: any) => k.apiKey === 45 || k.apiKey === 46)).toEqual([
      { apiKey: 45, minVersion: 0, maxVersion: 1 },
      { apiKey: 46, minVersion: 0, maxVersion: 0 },
    ]);
    await createTopic("ra", [[0, 1], [1, 2]]);
    const one = async (version: number, topics: unknown, allow = true) => {
      const r = await alter(port, version, topics, allow);
      expect(r.errorCode).toBe(0);
      return r.responses.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.errorCode, p.errorMessage])]);
    };
    // Kafka 4.4's codes and texts for the same requests (docs/cluster.md).
    expect(await one(0, [{ name: "nope", partitions: [{ partitionIndex: 0, replicas: [1, 2] }] }])).toEqual([["nope", [[0, 3, "Unable to find a topic named nope."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 9, replicas: [1, 2] }] }])).toEqual([["ra", [[9, 3, "Unable to find partition ra:9."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [] }] }])).toEqual([["ra", [[0, 39, "The manual partition assignment includes an empty replica list."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [1, 1] }] }])).toEqual([["ra", [[0, 39, "The manual partition assignment includes the broker 1 more than once."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [1, 7] }] }])).toEqual([["ra", [[0, 39, "The manual partition assignment includes broker 7, but no such broker is registered."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [1, -1] }] }])).toEqual([["ra", [[0, 39, "The manual partition assignment includes broker -1, but no such broker is registered."]]]]);
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: null }] }])).toEqual([["ra", [[0, 85, null]]]]);
    const refused = await alter(port, 1, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [0, 1, 2] }] }], false);
    expect(refused.allowReplicationFactorChange).toBe(false);
    expect(refused.responses[0].partitions[0]).toMatchObject({ errorCode: 38, errorMessage: "The replication factor is changed from 2 to 3" });
    // The same replicas: nothing to do, answered NONE; an empty request answers an empty message.
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 1, replicas: [1, 2] }] }])).toEqual([["ra", [[1, 0, null]]]]);
    expect((await alter(port, 0, [])).errorMessage).toBe("");
    expect((await list(port, null)).topics).toEqual([]);
    expect((await list(port, [{ name: "nope", partitionIndexes: [0] }, { name: "ra", partitionIndexes: [0, 1, 9] }])).topics).toEqual([]);
    // A reorder completes at once (no data to move): replicas [1,0], leader unchanged.
    expect(await one(0, [{ name: "ra", partitions: [{ partitionIndex: 0, replicas: [1, 0] }] }])).toEqual([["ra", [[0, 0, null]]]]);
    const ps = await waitFor("ra-0 reordered", async () => ((await partitionsOf(port, "ra"))?.[0]?.replicas.join() === "1,0" ? (await partitionsOf(port, "ra"))! : undefined));
    expect(ps[0]!.leader).toBe(0);
  },
  T,
);

test(
  "kafka-reassign-partitions --generate/--execute/--verify moves a partition under an idempotent producer and a consumer: no acknowledged record lost",
  async () => {
    await createTopic("mv", [[0, 1]]);
    const before = (await partitionsOf(cluster.nodes[0]!.kafkaPort, "mv"))![0]!;
    // The producer: librdkafka, idempotent, acks=all, 600 records, one every 10 ms.
    const events: HistoryEvent[] = [];
    const specPath = join(dir, "history.json");
    await Bun.write(specPath, JSON.stringify({ bootstrap: cluster.bootstrap, topic: "mv", producers: [{ name: "mv", partition: 0 }], records: 600, intervalMs: 10, idempotent: true, deliveryTimeoutMs: 60_000, clientId: "reassign" }));
    const producing = runProc([PYTHON, HISTORY_PRODUCER, specPath], {
      timeoutMs: 120_000,
      maxStdout: 64 * 1024,
      onLine(line) {
        if (!line.startsWith("{")) return;
        const e = JSON.parse(line);
        if (e.e === "send") events.push({ kind: "send", partition: 0, producer: e.n, seq: e.s });
        else if (e.e === "ack") events.push({ kind: "ack", partition: 0, producer: e.n, seq: e.s, offset: BigInt(e.o) });
        else if (e.e === "fail") events.push({ kind: "fail", partition: 0, producer: e.n, seq: e.s });
      },
    });
    // The consumer: kcat (librdkafka's simple consumer), following the leader, from the beginning.
    const consumed: HistoryEvent[] = [];
    let kcatProc: Bun.Subprocess | null = null;
    const consuming = runProc(["kcat", "-C", "-u", "-b", cluster.bootstrap, "-t", "mv", "-p", "0", "-o", "beginning", "-q", "-f", "%o %s\\n", "-X", "topic.metadata.refresh.interval.ms=1000"], {
      timeoutMs: 150_000,
      maxStdout: 64 * 1024,
      onSpawn: (p) => (kcatProc = p),
      onLine(line) {
        const m = /^(\d+) (.*)$/.exec(line);
        if (m) consumed.push({ kind: "read", partition: 0, offset: BigInt(m[1]!), value: m[2]! });
      },
    });
    await waitFor("the first acknowledged records", () => (events.filter((e) => e.kind === "ack").length >= 50 ? true : undefined), 60_000);

    const topicsFile = join(dir, "topics.json");
    await Bun.write(topicsFile, JSON.stringify({ version: 1, topics: [{ topic: "mv" }] }));
    const generated = await runJava(REASSIGN, ["--bootstrap-server", cluster.bootstrap, "--topics-to-move-json-file", topicsFile, "--broker-list", "2,3", "--generate"]);
    expect(generated.exitCode, explain(generated)).toBe(0);
    expect(generated.stdout).toContain(`"replicas":[${before.replicas.join(",")}]`);
    const plan = JSON.parse(generated.stdout.split("\n").filter((l) => l.startsWith("{")).pop()!);
    const target: number[] = plan.partitions[0].replicas;
    expect([...target].sort()).toEqual([2, 3]);
    const planFile = join(dir, "plan.json");
    await Bun.write(planFile, JSON.stringify(plan));
    const t0 = performance.now();
    // --throttle: the tool sets the throttle configs (stored, no effect yet: docs/cluster.md); --verify clears them.
    const executed = await runJava(REASSIGN, ["--bootstrap-server", cluster.bootstrap, "--reassignment-json-file", planFile, "--execute", "--throttle", "500000000"]);
    expect(executed.exitCode, explain(executed)).toBe(0);
    expect(executed.stdout).toContain("The inter-broker throttle limit was set to 500000000 B/s");
    expect(executed.stdout).toContain("Successfully started partition reassignment for mv-0");
    const verified = await waitFor(
      "kafka-reassign-partitions --verify: completed",
      async () => {
        const v = await runJava(REASSIGN, ["--bootstrap-server", cluster.bootstrap, "--reassignment-json-file", planFile, "--verify"]);
        if (v.exitCode !== 0) throw new Error(explain(v));
        return v.stdout.includes("Reassignment of partition mv-0 is completed.") ? v : undefined;
      },
      90_000,
      500,
    );
    const moveMs = performance.now() - t0;
    expect(verified.stdout).toContain("Clearing broker-level throttles on brokers 0,1,2,3");
    expect(verified.stdout).toContain("Clearing topic-level throttles on topic mv");
    const cfg = await call(cluster.nodes[0]!.kafkaPort, DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: "mv", configurationKeys: ["leader.replication.throttled.replicas", "follower.replication.throttled.replicas"] }], includeSynonyms: false, includeDocumentation: false });
    expect(cfg.results[0].configs.map((c: any) => [c.name, c.value, c.configSource])).toEqual([
      ["follower.replication.throttled.replicas", "", 5],
      ["leader.replication.throttled.replicas", "", 5],
    ]);

    const produced = await producing;
    expect(produced.exitCode, produced.stderr.slice(-2000)).toBe(0);
    const after = await waitFor("every node shows the new assignment", async () => {
      const views = await Promise.all(cluster.nodes.map((n) => partitionsOf(n.kafkaPort, "mv")));
      return views.every((v) => v?.[0]?.replicas.join() === target.join() && v[0].isr.join() === "2,3") ? views[0]![0]! : undefined;
    });
    expect(target).toContain(after.leader);
    expect(after.epoch).toBeGreaterThan(before.epoch); // the old replicas were fenced by a new leader epoch
    expect((await list(cluster.nodes[0]!.kafkaPort, null)).topics).toEqual([]);

    // Read back through the new leader: every acknowledged record at its offset.
    const reader = new KafkaClient({ bootstrap: cluster.bootstrap, requestTimeoutMs: 15_000 });
    const hw = (await waitFor("the high watermark", () => reader.listOffsets("mv", 0, LATEST_TIMESTAMP), 30_000)).offset;
    const rows = await waitFor("read mv-0", () => readAll(reader, "mv", 0), 30_000);
    reader.close();
    const report = checkHistory([...events, ...rows.map(([offset, value]): HistoryEvent => ({ kind: "read", partition: 0, offset, value }))]);
    expect(report.ok, describeReport(report)).toBe(true);
    expect(report.total.acked).toBeGreaterThan(500);
    // The consumer saw the same: wait until it reached the end, then check its reads.
    const lastRead = () => (consumed.length > 0 ? (consumed[consumed.length - 1] as { offset: bigint }).offset : -1n);
    await waitFor(`kcat consumed up to the high watermark ${hw}`, () => {
      if (lastRead() >= hw - 1n) return true;
      throw new Error(`kcat read ${consumed.length} records, the last at ${lastRead()}`);
    }, 60_000);
    (kcatProc as Bun.Subprocess | null)?.kill("SIGTERM");
    await consuming;
    const seen = checkHistory([...events, ...consumed]);
    expect(seen.total.lost + seen.total.moved + seen.total.duplicated + seen.total.reordered + seen.total.unknown, describeReport(seen)).toBe(0);

    // The new replicas hold identical bytes below the HW; the old ones' logs were deleted.
    const bytes = (id: number) => logBytesBelow(join(cluster.node(id).dataDir, "mv-0"), hw);
    expect(bytes(2).length).toBeGreaterThan(0);
    expect(Buffer.from(bytes(2)).equals(Buffer.from(bytes(3)))).toBe(true);
    for (const old of before.replicas) expect(bytes(old).length, `node ${old} still holds mv-0`).toBe(0);
    console.log(`reassign: moved mv-0 [${before.replicas}] -> [${target}] with ${report.total.acked} acknowledged records in ${Math.round(moveMs)} ms (--execute to --verify completed, including the tool's JVM starts)`);
  },
  T,
);

test(
  "a reassignment onto a fenced broker stays in progress until cancelled (null replicas): the adding replica goes, the assignment is back",
  async () => {
    await createTopic("cx", [[0, 1]]);
    const port = cluster.nodes[0]!.kafkaPort;
    cluster.pause(3);
    try {
      await waitFor("node 3 fenced", async () => {
        const md = await call(port, Metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        return md.brokers.some((b: any) => b.nodeId === 3) ? undefined : true;
      }, 30_000);
      const started = await alter(port, 0, [{ name: "cx", partitions: [{ partitionIndex: 0, replicas: [0, 3] }] }]);
      expect(started.responses[0].partitions[0].errorCode).toBe(0);
      const ongoing = await waitFor("cx-0 listed as in progress", async () => {
        const r = await list(port, [{ name: "cx", partitionIndexes: [0] }]);
        return r.topics.length > 0 ? r.topics : undefined;
      });
      expect(ongoing).toEqual([{ name: "cx", partitions: [{ partitionIndex: 0, replicas: [0, 3, 1], addingReplicas: [3], removingReplicas: [1] }] }]);
      expect((await partitionsOf(port, "cx"))![0]!.replicas).toEqual([0, 3, 1]);
      const cancelled = await alter(port, 0, [{ name: "cx", partitions: [{ partitionIndex: 0, replicas: null }] }]);
      expect(cancelled.responses[0].partitions[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      await waitFor("cx-0 back on [0,1]", async () => ((await partitionsOf(port, "cx"))?.[0]?.replicas.join() === "0,1" ? true : undefined));
      expect((await list(port, null)).topics).toEqual([]);
      expect((await alter(port, 0, [{ name: "cx", partitions: [{ partitionIndex: 0, replicas: null }] }])).responses[0].partitions[0].errorCode).toBe(85);
    } finally {
      cluster.resume(3);
    }
    await cluster.waitForBrokers([0, 1, 2, 3], { timeoutMs: 30_000 });
  },
  T,
);

// ---- Operations (issue 18): the Admin API and the CLI on the same cluster ----------------------

async function admin(nodeIndex: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${cluster.nodes[nodeIndex]!.adminPort}${path}`, init);
  return { status: r.status, body: await r.json() };
}
const postJson = (body: unknown, method = "POST"): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function everyNode(topic: string, pred: (ps: NonNullable<Awaited<ReturnType<typeof partitionsOf>>>) => boolean, what: string) {
  return waitFor(what, async () => {
    const views = await Promise.all(cluster.nodes.map((n) => partitionsOf(n.kafkaPort, topic)));
    return views.every((v) => v && pred(v)) ? views[0]! : undefined;
  });
}

test(
  "Admin API: reassignments (start, status), leadership transfer, maintenance drain, decommission (refused when it would lower RF)",
  async () => {
    await createTopic("ops", [[0, 1], [1, 2], [2, 3], [3, 0]]);
    // Reassignment through the Admin API of node 1 (forwarded to the controller), status until done.
    expect((await admin(1, "/v1/partitions/reassignments", postJson({ partitions: [{ topic: "ops", partition: 0, replicas: [2, 3] }] }))).body).toEqual({ results: [{ topic: "ops", partition: 0, error_code: 0, error: null, message: null }] });
    await everyNode("ops", (ps) => ps[0]!.replicas.join() === "2,3" && ps[0]!.isr.join() === "2,3", "ops-0 on [2,3]");
    expect((await admin(2, "/v1/partitions/reassignments")).body).toEqual([]);
    const refused = await admin(1, "/v1/partitions/reassignments", postJson({ partitions: [{ topic: "ops", partition: 0, replicas: [2, 9] }] }));
    expect(refused.body.results[0]).toMatchObject({ error: "INVALID_REPLICA_ASSIGNMENT", message: "The manual partition assignment includes broker 9, but no such broker is registered." });
    expect((await admin(1, "/v1/partitions/reassignments", postJson({ partitions: [] }))).status).toBe(400);
    expect((await admin(1, "/v1/partitions/reassignments", postJson({ partitions: [{ topic: "ops", partition: -1, replicas: [1] }] }))).status).toBe(400);

    // Leadership transfer: ops-1 [1,2] led by 1 -> 2 (made preferred, then elected); to a non-replica: 400.
    const moved = await admin(3, "/v1/partitions/ops/1/transfer_leadership?target=2", { method: "POST" });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ leader: 2, replicas: [2, 1] });
    await everyNode("ops", (ps) => ps[1]!.leader === 2, "ops-1 led by 2 everywhere");
    expect((await admin(3, "/v1/partitions/ops/1/transfer_leadership?target=0", { method: "POST" })).body.code).toBe("not_a_replica");
    expect((await admin(3, "/v1/partitions/nope/0/transfer_leadership", { method: "POST" })).status).toBe(404);

    // Maintenance: broker 3 leads ops-3 ([3,0]); drained, it leads nothing that had another in-sync replica.
    const drained = await admin(0, "/v1/brokers/3/maintenance", { method: "PUT" });
    expect(drained.status, JSON.stringify(drained.body)).toBe(200);
    expect(drained.body.stuck).toEqual([]);
    expect(drained.body.leaderships_moved).toBeGreaterThan(0);
    await waitFor("no partition led by 3", async () => {
      const md = await call(cluster.nodes[0]!.kafkaPort, Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      return md.topics.every((t: any) => t.partitions.every((p: any) => p.leaderId !== 3)) ? true : undefined;
    });
    expect((await partitionsOf(cluster.nodes[0]!.kafkaPort, "ops"))![3]!.replicas).toEqual([0, 3]);

    // Decommission refused while a partition has a replica on every broker; nothing started.
    await createTopic("rf4", [[0, 1, 2, 3]]);
    const no = await admin(0, "/v1/brokers/1/decommission", { method: "PUT" });
    expect(no.status).toBe(409);
    expect(no.body.code).toBe("would_lower_replication_factor");
    expect(no.body.message).toContain("rf4-0");
    expect((await admin(0, "/v1/partitions/reassignments")).body).toEqual([]);
    // Through the CLI (Kafka protocol only), refused the same way.
    const cliNo = await takhin(["cluster", "decommission", "1", "--bootstrap", cluster.bootstrap]);
    expect(cliNo.code, cliNo.stderr).toBe(1);
    expect(cliNo.stdout).toContain("rf4");
    const del = await call(await follower(), DeleteTopics, 6, { topics: [{ name: "rf4", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }], topicNames: [], timeoutMs: 10_000 });
    expect(del.responses[0].errorCode).toBe(0);
    await waitFor("rf4 gone", async () => ((await partitionsOf(cluster.nodes[0]!.kafkaPort, "rf4")) === undefined ? true : undefined));

    // Decommission of broker 1: every replica it holds moves to other live brokers; status until done.
    const yes = await admin(2, "/v1/brokers/1/decommission", { method: "PUT" });
    expect(yes.status, JSON.stringify(yes.body)).toBe(200);
    expect(yes.body.reassignments_started).toBeGreaterThan(0);
    for (const m of yes.body.moves) expect(m.replicas).not.toContain(1);
    const done = await waitFor("decommission of 1 done", async () => {
      const s = await admin(0, "/v1/brokers/1/decommission");
      return s.body.done ? s.body : undefined;
    }, 60_000, 200);
    expect(done.replicas_left).toBe(0);
    const md = await call(cluster.nodes[0]!.kafkaPort, Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    for (const t of md.topics) for (const p of t.partitions) expect(p.replicaNodes, `${t.name}-${p.partitionIndex}`).not.toContain(1);
  },
  T,
);

test(
  "CLI: takhin cluster reassign / reassignments / transfer-leadership / drain (Kafka protocol, any node)",
  async () => {
    const bs = ["--bootstrap", cluster.bootstrap];
    await createTopic("cli", [[0, 2]]);
    const started = await takhin(["cluster", "reassign", "--topic", "cli", "--partition", "0", "--replicas", "3,0", "--json", ...bs]);
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toEqual([{ topic: "cli", partition: 0, error: null, message: null }]);
    await everyNode("cli", (ps) => ps[0]!.replicas.join() === "3,0" && ps[0]!.isr.join() === "0,3", "cli-0 on [3,0]");
    const listed = await takhin(["cluster", "reassignments", "--json", ...bs]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const bad = await takhin(["cluster", "reassign", "--topic", "cli", "--partition", "0", "--cancel", ...bs]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("NO_REASSIGNMENT_IN_PROGRESS");
    expect((await takhin(["cluster", "reassign", "--topic", "cli", "--partition", "0", ...bs])).code).toBe(2);

    const t = await takhin(["cluster", "transfer-leadership", "--topic", "cli", "--partition", "0", "--target", "0", "--json", ...bs]);
    expect(t.code, t.stderr).toBe(0);
    await everyNode("cli", (ps) => ps[0]!.leader === 0 && ps[0]!.replicas.join() === "0,3", "cli-0 led by 0");

    const d = await takhin(["cluster", "drain", "0", "--json", ...bs]);
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).partitions.length).toBeGreaterThan(0);
    await waitFor("no partition led by 0", async () => {
      const md = await call(cluster.nodes[2]!.kafkaPort, Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      return md.topics.every((x: any) => x.partitions.every((p: any) => p.leaderId !== 0)) ? true : undefined;
    });
  },
  T,
);
