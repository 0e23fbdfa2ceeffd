/** Partition.appendAsLeader: one validation and producer-state path for every append origin. */
import { describe, expect, test } from "bun:test";
import path from "node:path";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { CONTROL_BIT, buildRecordBatch, readBatchHeader } from "../../src/protocol/record-batch.ts";
import { PartitionLog } from "../../src/storage/index.ts";
import { makeTempDir } from "../storage/temp-dir.ts";

function openPartition(configs: Record<string, string> = {}): Partition {
  const dir = path.join(makeTempDir("partition-append"), "t-0");
  const topic = { name: "t", id: "AAAAAAAAAAAAAAAAAAAAAA", partitions: 1, configs, internal: false };
  return new Partition(topic, 0, PartitionLog.open(dir, "t", 0), effectiveTopicConfig(topic));
}

const value = (s: string) => new TextEncoder().encode(s);

describe("appendAsLeader", () => {
  test("a control batch is refused from a client and accepted from a coordinator", () => {
    const p = openPartition();
    const control = () => buildRecordBatch({ attributes: CONTROL_BIT, records: [{ key: value("k"), value: value("v") }] });
    const fromClient = p.appendAsLeader(control(), { origin: "client" });
    expect(fromClient.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(p.logEndOffset).toBe(0);
    const fromCoordinator = p.appendAsLeader(control(), { origin: "coordinator" });
    expect(fromCoordinator.errorCode).toBe(ErrorCode.NONE);
    expect(fromCoordinator.baseOffset).toBe(0n);
    expect(fromCoordinator.lastOffset).toBe(0n);
  });

  test("coordinator appends take the same validation (a keyless record on a compacted topic) and producer state", () => {
    const p = openPartition({ "cleanup.policy": "compact" });
    const keyless = p.appendAsLeader(buildRecordBatch({ records: [{ key: null, value: value("v") }] }), { origin: "coordinator" });
    expect(keyless.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const idem = () => buildRecordBatch({ producerId: 5n, producerEpoch: 0, baseSequence: 0, records: [{ key: value("a"), value: value("1") }, { key: value("b"), value: value("2") }] });
    const first = p.appendAsLeader(idem(), { origin: "coordinator" });
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const again = p.appendAsLeader(idem(), { origin: "coordinator" });
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.baseOffset).toBe(first.baseOffset);
    expect(again.lastOffset).toBe(1n);
    expect(p.logEndOffset).toBe(2);
  });

  test("the batch is stamped with the partition's leader epoch", () => {
    const p = openPartition();
    p.leaderEpoch = 7;
    expect(p.appendAsLeader(buildRecordBatch({ records: [{ value: value("x") }] }), { origin: "client" }).errorCode).toBe(0);
    const view = p.read(0, 1 << 20, true).records[0]!;
    expect(readBatchHeader(view, 0).partitionLeaderEpoch).toBe(7);
    expect(p.log.epochs.latestEpoch()).toBe(7);
  });
});
