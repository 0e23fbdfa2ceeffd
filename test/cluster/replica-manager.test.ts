/**
 * The replica manager's waits, driven through its domain API over real partition logs whose high
 * watermark lags the log end (as on a leader with followers): an acks=-1 produce completes when the
 * high watermark covers it, times out with REQUEST_TIMED_OUT, or ends with NOT_LEADER_OR_FOLLOWER
 * when leadership moves; a fetch waiting for min_bytes completes on the high-watermark move.
 */
import { describe, expect, test } from "bun:test";
import path from "node:path";
import { Partition } from "../../src/cluster/partition.ts";
import type { PartitionListener, PartitionManager } from "../../src/cluster/partition-manager.ts";
import { ReplicaManager } from "../../src/cluster/replica-manager.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import type { TopicRegistry } from "../../src/cluster/topics.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { PartitionLog } from "../../src/storage/index.ts";
import { makeTempDir } from "../storage/temp-dir.ts";

const topic = { name: "t", id: "AAAAAAAAAAAAAAAAAAAAAQ", partitions: 1, configs: {}, internal: false };

function setup() {
  const dir = path.join(makeTempDir("replica-manager"), "t-0");
  const log = PartitionLog.open(dir, "t", 0, {}, { autoHighWatermark: false });
  let partition: Partition | undefined = new Partition(topic, 0, log, effectiveTopicConfig(topic));
  const listeners: PartitionListener[] = [];
  const partitions = {
    get: (name: string, index: number) => (name === "t" && index === 0 ? partition : undefined),
    addListener: (l: PartitionListener) => listeners.push(l),
    logs: { offlineLogDirs: [] },
  } as unknown as PartitionManager;
  const topics = { get: (n: string) => (n === "t" ? topic : undefined), getById: (id: string) => (id === topic.id ? topic : undefined) } as unknown as TopicRegistry;
  const rm = new ReplicaManager(partitions, topics);
  const loseLeadership = () => {
    const p = partition!;
    partition = undefined;
    for (const l of listeners) l.leadershipChanged(p);
  };
  return { rm, log, loseLeadership };
}

const records = () => buildRecordBatch({ records: [{ key: null, value: new TextEncoder().encode("x") }, { key: null, value: new TextEncoder().encode("y") }] });

describe("ReplicaManager waits", () => {
  test("acks=-1 waits for the high watermark and completes on its move; acks=1 does not wait", async () => {
    const { rm, log } = setup();
    const one = rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: 1, timeoutMs: 10_000 });
    expect(one instanceof Promise).toBe(false);
    const all = rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: -1, timeoutMs: 10_000 });
    expect(all instanceof Promise).toBe(true);
    expect(rm.produceWaits.size).toBe(1);
    log.updateHighWatermark(3); // covers the first batch only
    expect(rm.produceWaits.size).toBe(1);
    log.updateHighWatermark(4);
    const [r] = await all;
    expect(r!.errorCode).toBe(ErrorCode.NONE);
    expect(r!.baseOffset).toBe(2n);
    expect(rm.produceWaits.size).toBe(0);
  });

  test("acks=-1 times out with REQUEST_TIMED_OUT (the records stay appended)", async () => {
    const { rm, log } = setup();
    const [r] = await rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: -1, timeoutMs: 30 });
    expect(r!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(log.logEndOffset).toBe(2);
    expect(rm.produceWaits.size).toBe(0);
  });

  test("a leadership change completes a waiting produce with NOT_LEADER_OR_FOLLOWER", async () => {
    const { rm, loseLeadership } = setup();
    const all = rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: -1, timeoutMs: 10_000 });
    loseLeadership();
    const [r] = await all;
    expect(r!.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  test("a fetch waiting for min_bytes completes on the high-watermark move, not on the append", async () => {
    const { rm, log } = setup();
    const fetch = rm.fetchMessages([{ topic: "t", partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }], { maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, readCommitted: false });
    expect(fetch instanceof Promise).toBe(true);
    rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: 1, timeoutMs: 1000 });
    expect(rm.fetchWaits.size).toBe(1); // appended, but not below the high watermark yet
    log.updateHighWatermark(2);
    const [r] = await fetch;
    expect(r!.errorCode).toBe(0);
    expect(r!.highWatermark).toBe(2n);
    expect(r!.recordBytes).toBeGreaterThan(0);
    expect(rm.fetchWaits.size).toBe(0);
  });

  test("close answers every waiting operation", async () => {
    const { rm } = setup();
    const fetch = rm.fetchMessages([{ topicId: topic.id, partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }], { maxWaitMs: 10_000, minBytes: 1, maxBytes: 0, readCommitted: true });
    const produce = rm.appendRecords([{ topic: "t", partition: 0, records: records() }], { acks: -1, timeoutMs: 10_000 });
    rm.close();
    const [f] = await fetch;
    const [p] = await produce;
    expect(f!.errorCode).toBe(0);
    expect(f!.abortedTransactions).toEqual([]);
    expect(p!.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });
});
