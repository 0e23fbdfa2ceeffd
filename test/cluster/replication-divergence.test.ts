/**
 * A leader's divergent tail is truncated when it rejoins as a follower (KIP-101/KIP-279/KIP-320),
 * deterministically, on a real 3-node cluster in one process. The leader A of a replication-factor-3
 * partition stops; while it is down its log gets batches in its old leader epoch that no follower
 * ever fetched (what a leader cut off from the others appends before it learns it lost leadership:
 * written straight into its data directory, the one stand-in this test uses). A new leader in a
 * higher epoch takes more acks=all records. A restarts: it must find the divergence point through
 * the Fetch diverging epoch, truncate its tail and catch up, so that every replica holds the same
 * bytes below the high watermark (read through the log and from the segment files, as the fault
 * test reads them), the same leader-epoch cache, and no replica a record the new leader did not have.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { KafkaClient } from "../../src/client/index.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader, stampBaseOffset, BATCH_LOG_OVERHEAD_BYTES } from "../../src/protocol/record-batch.ts";
import { batchRecords } from "../../src/compression/index.ts";
import { PartitionLog, partitionDirName } from "../../src/storage/index.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";
import { logBytesBelow } from "./faults/replication-schedule.ts";

const LAG_MS = 1500;
const base = 30000 + Math.floor(Math.random() * 10000);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-repl-div-");
const brokers: (Broker | null)[] = [null, null, null];
const TOPIC = "dv";

function start(i: number): Promise<Broker> {
  return startBroker({
    env: {},
    log: createLogger({ level: process.env.TAKHIN_TEST_LOGS ? "info" : "error", format: "text" }),
    replication: { replicaLagTimeMaxMs: LAG_MS },
    overrides: { nodeId: i, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, host: "127.0.0.1", dataDir: `${root}/n${i}`, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://127.0.0.1:${base + i},CONTROLLER://127.0.0.1:${base + 100 + i}` },
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function batch(n: number, tag: string): Uint8Array {
  return buildRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: new TextEncoder().encode(`${tag}-${i}`), timestampMs: BigInt(Date.now()) })) } as never);
}

const part = (b: Broker) => b.context.partitions.hosted(TOPIC, 0)!;

function logBytes(b: Broker, upTo: number): Buffer {
  const p = part(b);
  const r = p.log.read(p.logStartOffset, 64 * 1024 * 1024, { maxOffsetExclusive: upTo });
  return Buffer.concat(r.batches);
}

/** Every record value in the replica's log up to its log end. */
function values(b: Broker): string[] {
  const p = part(b);
  const r = p.log.read(p.logStartOffset, 64 * 1024 * 1024, { maxOffsetExclusive: p.logEndOffset });
  const out: string[] = [];
  for (const view of r.batches) {
    for (let pos = 0; pos + BATCH_LOG_OVERHEAD_BYTES <= view.length; ) {
      const h = readBatchHeader(view, pos);
      const whole = view.subarray(pos, pos + BATCH_LOG_OVERHEAD_BYTES + h.batchLength);
      for (const rec of iterateRecords(batchRecords(whole), h.recordCount)) out.push(new TextDecoder().decode(rec.value!));
      pos += BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
    }
  }
  return out;
}

afterAll(async () => {
  await Promise.all(brokers.map((b) => b?.stop(500)));
}, 30_000);

describe("the fault test's segment-file reader", () => {
  test("a segment's stale tail past the next segment's base offset is not read (as the log's recovery)", () => {
    const at = (offset: number, tag: string) => {
      const b = batch(1, tag);
      stampBaseOffset(b, 0, BigInt(offset));
      return b;
    };
    const dir = join(root, "files", "t-0");
    mkdirSync(dir, { recursive: true });
    // Segment 0 holds offsets 0..3 on disk, but its logical end is 2: the log rolled segment 2
    // after truncating a mapped segment to offset 2 (segment.ts), and 2.. were written anew.
    const [x0, x1, s2, s3, n2, n3] = [at(0, "x"), at(1, "x"), at(2, "stale"), at(3, "stale"), at(2, "new"), at(3, "new")];
    writeFileSync(join(dir, "00000000000000000000.log"), Buffer.concat([x0, x1, s2, s3]));
    writeFileSync(join(dir, "00000000000000000002.log"), Buffer.concat([n2, n3]));
    const expected = Buffer.concat([x0, x1, n2]);
    expect(Buffer.from(logBytesBelow(dir, 3n)).equals(expected)).toBe(true);
  });
});

describe("a rejoining ex-leader truncates its divergent tail", () => {
  test("replicas agree byte for byte below the high watermark, epoch caches agree, the divergent records are gone", async () => {
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base}`] } as never);
    let oldLeaderId = -1;
    let oldEpoch = -1;
    try {
      const [created] = (await client.createTopics([{ name: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { "min.insync.replicas": "2" } }])) as { errorCode: number }[];
      expect(created!.errorCode).toBe(0);
      await until("the topic on every node", () => brokers.every((b) => b!.context.partitions.hosted(TOPIC, 0) !== undefined));
      for (let k = 0; k < 10; k++) expect((await client.produce(TOPIC, 0, batch(3, `a${k}`), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
      const reg0 = brokers[0]!.context.topics.partition(TOPIC, 0)!;
      oldLeaderId = reg0.leader;
      oldEpoch = reg0.leaderEpoch;
      await until("every replica at HW 30", () => brokers.every((b) => part(b!).highWatermark === 30));
    } finally {
      client.close();
    }

    // The leader stops; while down, its log gains a tail in its old epoch nobody else has.
    const aDir = brokers[oldLeaderId]!.context.partitions.hosted(TOPIC, 0)!.log.dir;
    await brokers[oldLeaderId]!.stop(500);
    brokers[oldLeaderId] = null;
    const offline = PartitionLog.open(aDir, TOPIC, 0);
    for (let k = 0; k < 4; k++) offline.append(batch(2, `divergent${k}`), { leaderEpoch: oldEpoch });
    expect(offline.logEndOffset).toBe(38);
    offline.close();

    const others = [0, 1, 2].filter((i) => i !== oldLeaderId);
    const any = () => brokers[others[0]!]!;
    await until("a new leader", () => {
      const reg = any().context.topics.partition(TOPIC, 0)!;
      return reg.leader >= 0 && reg.leader !== oldLeaderId;
    });
    const client2 = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base + others[0]!}`] } as never);
    try {
      await client2.leaderOf(TOPIC, 0, true);
      // Fewer records than the divergent tail, so the new leader's log end stays below A's.
      expect((await client2.produce(TOPIC, 0, batch(2, "b0"), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);

      brokers[oldLeaderId] = await start(oldLeaderId);
      await until("the ex-leader back in the ISR", () => any().context.topics.partition(TOPIC, 0)!.isr.length === 3, 30_000);
      expect((await client2.produce(TOPIC, 0, batch(2, "b1"), { acks: -1, timeoutMs: 10_000 }))!.errorCode).toBe(0);
    } finally {
      client2.close();
    }
    const leader = brokers[any().context.topics.partition(TOPIC, 0)!.leader]!;
    const hw = part(leader).highWatermark;
    expect(hw).toBe(34);
    await until("every replica at the leader's HW and log end", () => brokers.every((b) => part(b!).highWatermark === hw && part(b!).logEndOffset === hw));

    const a = brokers[oldLeaderId]!;
    expect(values(a).filter((v) => v.startsWith("divergent"))).toEqual([]);
    expect(values(a)).toEqual(values(leader));
    const ref = logBytes(leader, hw);
    for (const [i, b] of brokers.entries()) {
      expect(logBytes(b!, hw).equals(ref)).toBe(true);
      const fileBytes = Buffer.from(logBytesBelow(join(root, `n${i}`, partitionDirName(TOPIC, 0)), BigInt(hw)));
      expect(fileBytes.equals(ref)).toBe(true);
      expect(part(b!).log.epochs.all()).toEqual(part(leader).log.epochs.all());
    }
  }, 120_000);
});
