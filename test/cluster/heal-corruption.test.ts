/**
 * Self-healing of bit rot on a 3-node cluster in one process (issue 26): topic heal (RF 3,
 * min.insync.replicas 2, 1 MiB segments), a kafkajs producer (acks=all, idempotent) and a kafkajs
 * consumer group running the whole time. One byte of a sealed segment rots on disk
 *   1. on a follower: its scrub finds it, the follower truncates there and fetches the rest again
 *      from the leader; its log ends up byte-identical to the leader's;
 *   2. on the leader: its scrub finds it, it resigns (the controller moves leadership to an in-sync
 *      replica and takes it out of the ISR), heals as a follower and rejoins the ISR.
 * No operator action. Every record the consumer receives has exactly the bytes produced for its
 * key, and every acknowledged record is received.
 */
import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "./quorum-cluster.ts";

const root = tempDir("takhin-heal-");
const brokers: (Broker | null)[] = [null, null, null];
let base = 0;

function start(i: number, voters: string): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    replication: { replicaLagTimeMaxMs: 1500 },
    overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, logScrubBytesPerSecond: 0, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
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

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
  fs.rmSync(root, { recursive: true, force: true });
}, 30_000);

const valueOf = (n: number) => Buffer.from(`v${n}-`.padEnd(n < 1000 ? 10_000 : 200, String.fromCharCode(97 + (n % 26))));

function registration(b: Broker) {
  return b.context.topics.partition("heal", 0)!;
}

/** The replica's log up to `upTo`, whole batches (read through the storage, verified). */
function logBytes(b: Broker, upTo: number): Buffer {
  const p = b.context.partitions.hosted("heal", 0)!;
  const r = p.log.read(p.logStartOffset, 256 * 1024 * 1024, { maxOffsetExclusive: upTo });
  return Buffer.concat(r.batches);
}

/** Changes one byte in the middle of the first sealed segment file of `b`'s replica. */
function rot(b: Broker, nodeIndex: number): string {
  const dir = path.join(root, `n${nodeIndex}`, "heal-0");
  const first = path.join(dir, fs.readdirSync(dir).filter((n) => n.endsWith(".log")).sort()[0]);
  const segment = b.context.partitions.hosted("heal", 0)!.log.segmentList()[0];
  const at = Math.floor(segment.sizeBytes / 2);
  const fd = fs.openSync(first, "r+");
  const one = new Uint8Array(1);
  fs.readSync(fd, one, 0, 1, at);
  one[0] ^= 0x5a;
  fs.writeSync(fd, one, 0, 1, at);
  fs.closeSync(fd);
  return first;
}

test("a rotten follower and a rotten leader heal from their replicas while clients produce and consume", async () => {
  base = await freeBasePort(3);
  const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
  (await Promise.all([0, 1, 2].map((i) => start(i, voters)))).forEach((b, i) => (brokers[i] = b));
  const kafka = new Kafka({ brokers: [0, 1, 2].map((i) => `127.0.0.1:${base + i}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "heal", numPartitions: 1, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }, { name: "segment.bytes", value: "1048576" }] }] });
  await admin.disconnect();
  await until("the partition on every node", () => brokers.every((b) => b!.context.partitions.hosted("heal", 0) !== undefined));

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const acknowledged = new Set<number>();
  // 3 MiB first: sealed segments on every replica.
  for (let i = 0; i < 30; i++) {
    const ns = Array.from({ length: 10 }, (_, k) => i * 10 + k);
    await producer.send({ topic: "heal", acks: -1, messages: ns.map((n) => ({ key: String(n), value: valueOf(n) })) });
    for (const n of ns) acknowledged.add(n);
  }
  // Clients keep going while the replicas rot and heal.
  let producing = true;
  let next = 1000;
  const background = (async () => {
    while (producing) {
      const n = next++;
      try {
        await producer.send({ topic: "heal", acks: -1, messages: [{ key: String(n), value: valueOf(n) }] });
        acknowledged.add(n);
      } catch {
        // Not acknowledged: may or may not be in the log; never counted as acknowledged.
      }
      await Bun.sleep(20);
    }
  })();
  const consumer = kafka.consumer({ groupId: "heal-check", maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: "heal", fromBeginning: true });
  const received = new Set<number>();
  const wrong: string[] = [];
  void consumer.run({
    eachMessage: async ({ message }) => {
      const n = Number(message.key!.toString());
      if (!message.value!.equals(valueOf(n))) wrong.push(`offset ${message.offset} key ${n}`);
      received.add(n);
    },
  });

  const leaderIndex = () => registration(brokers[0]!).leader;
  const inSync = (n: number) => registration(brokers[0]!).isr.length === n && brokers.every((b) => registration(b!).isr.length === n);
  await until("all three in sync", () => inSync(3));

  // 1. A follower rots.
  const leader = leaderIndex();
  const follower = [0, 1, 2].find((i) => i !== leader)!;
  const followerFile = rot(brokers[follower]!, follower);
  const found = await brokers[follower]!.context.partitions.logs.scrubber.scrubNow();
  expect(found.corruptBatches).toBe(1);
  await until("the follower healed, byte-identical to the leader", () => {
    const f = brokers[follower]!.context.partitions.hosted("heal", 0)!;
    const l = brokers[leader]!.context.partitions.hosted("heal", 0)!;
    if (f.log.corrupt.size > 0 || f.logEndOffset < 300) return false;
    const upTo = Math.min(f.highWatermark, l.highWatermark);
    return upTo >= 300 && logBytes(brokers[follower]!, upTo).equals(logBytes(brokers[leader]!, upTo));
  });
  await until("the follower back in the ISR", () => inSync(3));
  expect(brokers[follower]!.context.partitions.logs.corruptionTotals.scrub).toBe(1);
  expect(followerFile).toContain(`n${follower}`);

  // 2. The leader rots.
  const oldLeader = leaderIndex();
  rot(brokers[oldLeader]!, oldLeader);
  expect((await brokers[oldLeader]!.context.partitions.logs.scrubber.scrubNow()).corruptBatches).toBe(1);
  await until("leadership moved off the rotten leader", () => leaderIndex() >= 0 && leaderIndex() !== oldLeader);
  const newLeader = leaderIndex();
  await until("the old leader healed as a follower and rejoined the ISR", () => {
    const o = brokers[oldLeader]!.context.partitions.hosted("heal", 0)!;
    const l = brokers[newLeader]!.context.partitions.hosted("heal", 0)!;
    if (o.log.corrupt.size > 0) return false;
    const upTo = Math.min(o.highWatermark, l.highWatermark);
    return upTo >= 300 && logBytes(brokers[oldLeader]!, upTo).equals(logBytes(brokers[newLeader]!, upTo)) && inSync(3);
  });

  producing = false;
  await background;
  await until("the consumer received every acknowledged record", () => [...acknowledged].every((n) => received.has(n)), 60_000);
  await consumer.disconnect();
  await producer.disconnect();
  expect(wrong).toEqual([]);
  expect(acknowledged.size).toBeGreaterThan(300);
}, 100_000);
