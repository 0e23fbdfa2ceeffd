/**
 * The metadata log on Raft over real sockets and real files: three controller quorums in this
 * process on loopback ports elect a leader, commit controller decisions, agree on the image, fail
 * over when the leader stops, catch a restarted node up (from a snapshot once the log is
 * compacted) and drop a peer that sends garbage. Bounded waits only; no timing thresholds.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { MetadataQuorum, NotControllerError } from "../../src/cluster/metadata-quorum.ts";
import type { QuorumVoter } from "../../src/cluster/cluster-config.ts";
import { createTopicRecords, registerBrokerRecords } from "../../src/metadata/decisions.ts";
import { encodeImageSnapshot } from "../../src/metadata/replicated-image.ts";
import { randomUuidString } from "../../src/metadata/uuid.ts";
import { createLogger } from "../../src/util/log.ts";
import { removeDir, tempDir } from "../helpers/broker.ts";

const log = createLogger({ level: "error", format: "text" });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until<T>(what: string, f: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

interface Cluster {
  dir: string;
  voters: QuorumVoter[];
  nodes: Map<number, MetadataQuorum>;
}

const clusters: Cluster[] = [];

async function startNode(c: Cluster, id: number, snapshotEveryEntries = 1000): Promise<MetadataQuorum> {
  const q = await MetadataQuorum.start({ nodeId: id, voters: c.voters, clusterId: "test-cluster", dir: join(c.dir, `node-${id}`), listenHost: "127.0.0.1", log, snapshotEveryEntries, fsync: false });
  c.nodes.set(id, q);
  return q;
}

async function startCluster(snapshotEveryEntries = 1000): Promise<Cluster> {
  const c: Cluster = { dir: tempDir("takhin-quorum-"), voters: [], nodes: new Map() };
  clusters.push(c);
  for (const id of [0, 1, 2]) c.voters.push({ id, host: "127.0.0.1", port: await freePort() });
  for (const id of [0, 1, 2]) await startNode(c, id, snapshotEveryEntries);
  return c;
}

function leaderOf(c: Cluster): MetadataQuorum | undefined {
  return [...c.nodes.values()].find((q) => q.isActiveController);
}

async function createTopic(q: MetadataQuorum, name: string): Promise<void> {
  await q.submit((image) => ({ records: createTopicRecords(image, { name, topicId: randomUuidString(), partitions: 3, replicationFactor: 1, configs: {} }), result: null }));
}

async function registerAll(q: MetadataQuorum): Promise<void> {
  for (const id of [0, 1, 2]) {
    await q.submit((_image, ctx) => ({ records: registerBrokerRecords(id, randomUuidString(), BigInt(ctx.nextIndex), [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9000 + id, securityProtocol: 0 }], null, false), result: null }));
  }
}

async function allAgree(c: Cluster): Promise<void> {
  const leader = await until("a leader", () => leaderOf(c));
  const target = leader.appliedIndex;
  await until("every node applied the leader's index", () => [...c.nodes.values()].every((q) => q.appliedIndex >= target));
  const snaps = [...c.nodes.values()].map((q) => Buffer.from(encodeImageSnapshot(q.image)).toString());
  // Images are compared at the same applied index (followers may have applied more since; wait for quiescence).
  await until("identical images", () => {
    const now = [...c.nodes.values()].map((q) => Buffer.from(encodeImageSnapshot(q.image)).toString());
    return now.every((s) => s === now[0]) && now;
  });
  expect(snaps.length).toBe(c.nodes.size);
}

afterEach(async () => {
  for (const c of clusters.splice(0)) {
    for (const q of c.nodes.values()) await q.close();
    removeDir(c.dir);
  }
});

describe("metadata quorum on Raft", () => {
  test("three controllers elect one leader, commit decisions, and hold identical images", async () => {
    const c = await startCluster();
    const leader = await until("a leader", () => leaderOf(c));
    await registerAll(leader);
    for (let i = 0; i < 5; i++) await createTopic(leader, `t${i}`);
    await allAgree(c);
    for (const q of c.nodes.values()) {
      expect(q.image.topicsByName.size).toBe(5);
      expect(q.image.brokers.size).toBe(3);
      expect(q.controllerId).toBe(leader.nodeId);
      expect(q.skippedEntries).toBe(0);
    }
    // Leaders of t0's partitions cycle over the three brokers.
    expect(leader.image.topic("t0")!.partitions.map((p) => p.leader).sort()).toEqual([0, 1, 2]);
  });

  test("a follower refuses to decide and names the active controller", async () => {
    const c = await startCluster();
    const leader = await until("a leader", () => leaderOf(c));
    await until("followers know the leader", () => [...c.nodes.values()].every((q) => q.controllerId === leader.nodeId));
    const follower = [...c.nodes.values()].find((q) => q !== leader)!;
    const e = await follower.submit(() => ({ records: [], result: 1 })).catch((x) => x);
    expect(e).toBeInstanceOf(NotControllerError);
    expect((e as NotControllerError).controllerId).toBe(leader.nodeId);
  });

  test("the leader stops: another is elected and decisions go on; the restarted node catches up", async () => {
    const c = await startCluster();
    const first = await until("a leader", () => leaderOf(c));
    await registerAll(first);
    await createTopic(first, "before");
    const stoppedId = first.nodeId;
    await first.close();
    c.nodes.delete(stoppedId);
    const t0 = performance.now();
    const second = await until("a new leader", () => leaderOf(c));
    await createTopic(second, "after");
    console.log(`controller failover (stop -> next decision committed): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(second.nodeId).not.toBe(stoppedId);
    const again = await startNode(c, stoppedId);
    await until("the restarted node has the new topic", () => again.image.topic("after"));
    await allAgree(c);
  });

  test("a node that missed a compacted stretch of the log catches up from a snapshot", async () => {
    const c = await startCluster(5);
    const leader = await until("a leader", () => leaderOf(c));
    await registerAll(leader);
    const lagging = [...c.nodes.values()].find((q) => q !== leader)!;
    const lagId = lagging.nodeId;
    await lagging.close();
    c.nodes.delete(lagId);
    for (let i = 0; i < 20; i++) await createTopic(leader, `s${i}`);
    await until("the leader compacted its log", () => leader.snapshotIndex > 10);
    const back = await startNode(c, lagId, 5);
    await until("the lagging node has every topic", () => back.image.topicsByName.size === 20);
    await allAgree(c);
    expect(back.snapshotIndex).toBeGreaterThan(0);
  });

  test("a full restart keeps the metadata", async () => {
    const c = await startCluster(4);
    const leader = await until("a leader", () => leaderOf(c));
    await registerAll(leader);
    for (let i = 0; i < 6; i++) await createTopic(leader, `r${i}`);
    await allAgree(c);
    for (const q of c.nodes.values()) await q.close();
    c.nodes.clear();
    for (const id of [0, 1, 2]) await startNode(c, id, 4);
    await until("every node has its topics back", () => [...c.nodes.values()].every((q) => q.image.topicsByName.size === 6));
    const leader2 = await until("a leader", () => leaderOf(c));
    await createTopic(leader2, "after-restart");
    await allAgree(c);
  });

  test("a peer sending garbage is dropped and the quorum carries on", async () => {
    const c = await startCluster();
    const leader = await until("a leader", () => leaderOf(c));
    const target = c.voters.find((v) => v.id === leader.nodeId)!;
    for (const junk of [Buffer.from("GET / HTTP/1.1\r\n\r\n"), Buffer.from([0, 0, 0, 5, 1, 2, 3, 4, 5]), Buffer.from([0xff, 0xff, 0xff, 0xff])]) {
      const s = connect(target.port, "127.0.0.1");
      await new Promise<void>((resolve) => {
        s.on("connect", () => s.write(junk));
        s.on("close", () => resolve());
        s.on("error", () => resolve());
      });
    }
    expect(leader.garbageDropped).toBe(3);
    await registerAll(leader);
    await createTopic(leader, "still-works");
    await allAgree(c);
  });
});
