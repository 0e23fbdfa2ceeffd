/**
 * Idempotence across failover (issue 15 item 5), on a real 3-node cluster in one process:
 * followers rebuild the idempotent-producer state from the batches they replicate, so when the
 * leader stops and a follower takes over, a batch the producer retries to the new leader (same
 * producer id, epoch and base sequence) is recognised as a duplicate and answered as a success
 * with its original offsets, as Kafka answers; the next sequence appends, a gap is refused with
 * OUT_OF_ORDER_SEQUENCE_NUMBER, and every record is in every replica exactly once.
 *
 * The producer id is fixed by the test (InitProducerId in cluster mode is another engineer's
 * work): the broker checks sequences per producer id whatever granted it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { KafkaClient, KafkaError } from "../../src/client/index.ts";
import { buildRecordBatch, iterateRecords, readBatchHeader, BATCH_LOG_OVERHEAD_BYTES } from "../../src/protocol/record-batch.ts";
import { batchRecords } from "../../src/compression/index.ts";
import { createLogger } from "../../src/util/log.ts";
import { tempDir } from "../helpers/broker.ts";
import { freeBasePort } from "./faults/harness.ts";

const LAG_MS = 1500;
// A range checked free now (a random one could land on an ephemeral port in use).
const base = await freeBasePort(3);
const voters = [0, 1, 2].map((i) => `${i}@127.0.0.1:${base + 100 + i}`).join(",");
const root = tempDir("takhin-repl-idem-");
const brokers: (Broker | null)[] = [null, null, null];
const TOPIC = "idem";

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

const PRODUCER_ID = 4242n;

/** Batch `seq` of the producer: two records, base sequence 2 * seq (a retry sends the same bytes). */
function idempotentBatch(seq: number): Uint8Array {
  return buildRecordBatch({
    producerId: PRODUCER_ID,
    producerEpoch: 0,
    baseSequence: 2 * seq,
    baseTimestampMs: 1_700_000_000_000n,
    records: [0, 1].map((i) => ({ key: null, value: new TextEncoder().encode(`p#${2 * seq + i}`), timestampMs: 1_700_000_000_000n })),
  } as never);
}

const part = (b: Broker) => b.context.partitions.hosted(TOPIC, 0)!;

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

describe("idempotent producer across a leader change", () => {
  test("a batch retried to the new leader is a duplicate answered with its original offsets; every record once in every replica", async () => {
    (await Promise.all([0, 1, 2].map(start))).forEach((b, i) => (brokers[i] = b));
    const client = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base}`] } as never);
    const offsets: bigint[] = [];
    let oldLeaderId = -1;
    try {
      const [created] = (await client.createTopics([{ name: TOPIC, numPartitions: 1, replicationFactor: 3, configs: { "min.insync.replicas": "2" } }])) as { errorCode: number }[];
      expect(created!.errorCode).toBe(0);
      await until("the topic on every node", () => brokers.every((b) => b!.context.partitions.hosted(TOPIC, 0) !== undefined));
      for (let s = 0; s < 5; s++) {
        const r = await client.produce(TOPIC, 0, idempotentBatch(s), { acks: -1, timeoutMs: 10_000 });
        expect(r!.errorCode).toBe(0);
        offsets.push(r!.baseOffset);
      }
      expect(offsets).toEqual([0n, 2n, 4n, 6n, 8n]);
      // A retry to the same leader is a duplicate too (the leader's own state).
      expect((await client.produce(TOPIC, 0, idempotentBatch(4), { acks: -1, timeoutMs: 10_000 }))!.baseOffset).toBe(8n);
      await until("every replica at HW 10", () => brokers.every((b) => part(b!).highWatermark === 10));
      oldLeaderId = brokers[0]!.context.topics.partition(TOPIC, 0)!.leader;
    } finally {
      client.close();
    }
    await brokers[oldLeaderId]!.stop(500);
    brokers[oldLeaderId] = null;
    const others = [0, 1, 2].filter((i) => i !== oldLeaderId);
    const any = () => brokers[others[0]!]!;
    await until("a new leader", () => {
      const reg = any().context.topics.partition(TOPIC, 0)!;
      return reg.leader >= 0 && reg.leader !== oldLeaderId;
    });
    const client2 = await KafkaClient.connect({ bootstrap: [`127.0.0.1:${base + others[0]!}`] } as never);
    try {
      await client2.leaderOf(TOPIC, 0, true);
      // The producer retries its last two batches (say their acknowledgements were lost).
      for (const s of [3, 4]) {
        const r = await client2.produce(TOPIC, 0, idempotentBatch(s), { acks: -1, timeoutMs: 10_000 });
        expect({ seq: s, errorCode: r!.errorCode, baseOffset: r!.baseOffset }).toEqual({ seq: s, errorCode: 0, baseOffset: offsets[s]! });
      }
      const next = await client2.produce(TOPIC, 0, idempotentBatch(5), { acks: -1, timeoutMs: 10_000 });
      expect(next!.baseOffset).toBe(10n);
      const gap = await client2.produce(TOPIC, 0, idempotentBatch(7), { acks: -1, timeoutMs: 10_000 }).then((r) => r!.errorCode, (e) => (e as KafkaError).code);
      expect(gap).toBe(45); // OUT_OF_ORDER_SEQUENCE_NUMBER
      brokers[oldLeaderId] = await start(oldLeaderId);
      await until("the old leader back at the HW", () => part(brokers[oldLeaderId]!).highWatermark === 12 && part(brokers[oldLeaderId]!).logEndOffset === 12, 30_000);
    } finally {
      client2.close();
    }
    const expected = Array.from({ length: 12 }, (_, i) => `p#${i}`);
    for (const b of brokers) expect(values(b!)).toEqual(expected);
  }, 120_000);
});
