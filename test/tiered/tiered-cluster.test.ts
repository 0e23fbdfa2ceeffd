/**
 * Tiered storage on a 3-node cluster in one process: the leader of a replicated tiered topic
 * uploads its rolled segments, the segment metadata goes through `__remote_log_metadata`
 * (replicated, acks=all), every broker applies it, and the followers' local retention deletes
 * only what is remote too. When the leader stops, the new leader already knows the remote tier:
 * a consumer reads the whole history from offset 0 byte-exact, the new leader goes on uploading
 * where the old one stopped, and after the old leader returns the history is still whole.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { REMOTE_LOG_METADATA_TOPIC } from "../../src/cluster/remote-log-metadata-topic.ts";
import { createLogger } from "../../src/util/log.ts";
import { removeDir, tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "../cluster/faults/harness.ts";
import { startS3, type S3Harness } from "./s3-harness.ts";
import { TEST_TIERING, consumeAllKafkajs, createTieredTopic, produceRange, remoteConfig, TIERED_TOPIC_CONFIGS } from "./tiered-setup.ts";

const TOPIC = "tiered-cluster";
const base = await freeBasePort(3);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-tiered-cluster-");
const brokers: (Broker | null)[] = [null, null, null];
let s3: S3Harness;

function start(i: number): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    replication: { replicaLagTimeMaxMs: 1500 },
    tiered: TEST_TIERING,
    overrides: {
      nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`,
      processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}`,
      ...remoteConfig(s3, "cluster/"),
    },
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const live = () => brokers.filter((b): b is Broker => b !== null);
const bootstrapOf = () => live().map((b) => `127.0.0.1:${b.kafkaPort}`).join(",");
const copiedUpTo = (b: Broker) => b.context.tiered!.manager.metadata.copiedUpTo(b.context.topics.get(TOPIC)!.id, 0);

/** Runs retention on every live broker until each local log starts at or past `minLocalStart`. */
async function tierEverywhere(minLocalStart: number): Promise<void> {
  await until(`every local log past ${minLocalStart}`, () => {
    for (const b of live()) b.context.partitions.logs.runMaintenance(undefined, true);
    return live().every((b) => b.context.partitions.hosted(TOPIC, 0)!.log.logStartOffset >= minLocalStart);
  });
}

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
  await s3?.close();
  removeDir(root);
}, 30_000);

describe("tiered storage in a 3-node cluster", () => {
  test("metadata replicated through __remote_log_metadata; after a failover the whole history is served and uploads go on", async () => {
    s3 = await startS3();
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    await createTieredTopic(bootstrapOf(), TOPIC, { ...TIERED_TOPIC_CONFIGS, "min.insync.replicas": "2" }, 3);
    await until("the topic on every node", () => live().every((b) => b.context.partitions.hosted(TOPIC, 0) !== undefined));
    await produceRange(bootstrapOf(), TOPIC, 0, 2500);
    await tierEverywhere(1000);
    const meta = brokers[0]!.context.topics.get(REMOTE_LOG_METADATA_TOPIC)!;
    expect(meta).toBeDefined();
    expect(brokers[0]!.context.topics.partition(REMOTE_LOG_METADATA_TOPIC, 0)!.replicas.length).toBe(3);
    // Every broker applied the same remote segments.
    await until("the same remote view everywhere", () => new Set(live().map(copiedUpTo)).size === 1);
    const copied = copiedUpTo(brokers[0]!);
    expect(copied).toBeGreaterThanOrEqual(1000);
    await consumeAllKafkajs(bootstrapOf(), TOPIC, 2500, "g-cluster-1");

    // Failover: the leader stops; a follower leads with the remote tier it already knows.
    const oldLeader = brokers[0]!.context.topics.partition(TOPIC, 0)!.leader;
    await brokers[oldLeader]!.stop(500);
    brokers[oldLeader] = null;
    await until("a new leader", () => {
      const reg = live()[0]!.context.topics.partition(TOPIC, 0)!;
      return reg.leader >= 0 && reg.leader !== oldLeader;
    });
    const newLeader = brokers[live()[0]!.context.topics.partition(TOPIC, 0)!.leader]!;
    const copiedAtFailover = copiedUpTo(newLeader);
    expect(copiedAtFailover).toBeGreaterThanOrEqual(copied);
    await consumeAllKafkajs(bootstrapOf(), TOPIC, 2500, "g-cluster-2");
    // The new leader uploads the next segments, continuing the remote chain.
    await produceRange(bootstrapOf(), TOPIC, 2500, 4000);
    await until("uploads by the new leader", () => copiedUpTo(newLeader) > copiedAtFailover);
    await tierEverywhere(copiedAtFailover + 1);

    // The old leader returns: it catches up and reads the same remote metadata.
    brokers[oldLeader] = await start(oldLeader);
    await until("the old leader's view", () => copiedUpTo(brokers[oldLeader]!) === copiedUpTo(newLeader), 40_000);
    await consumeAllKafkajs(bootstrapOf(), TOPIC, 4000, "g-cluster-3");
  }, 150_000);
});
