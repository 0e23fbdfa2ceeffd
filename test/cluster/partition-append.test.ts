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

  test("coordinator appends take the same validation (a keyless record on a compacted topic); a producer's batch has its epoch checked, not its sequence (Kafka's AppendOrigin.COORDINATOR)", () => {
    const p = openPartition({ "cleanup.policy": "compact" });
    const keyless = p.appendAsLeader(buildRecordBatch({ records: [{ key: null, value: value("v") }] }), { origin: "coordinator" });
    expect(keyless.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const idem = (epoch = 0) => buildRecordBatch({ producerId: 5n, producerEpoch: epoch, baseSequence: 0, records: [{ key: value("a"), value: value("1") }, { key: value("b"), value: value("2") }] });
    const first = p.appendAsLeader(idem(), { origin: "coordinator" });
    expect(first.errorCode).toBe(ErrorCode.NONE);
    // The group coordinator writes every TxnOffsetCommit at sequence 0: the same sequence again is appended, not taken for a duplicate.
    const again = p.appendAsLeader(idem(), { origin: "coordinator" });
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.baseOffset).toBe(2n);
    expect(p.logEndOffset).toBe(4);
    expect(p.appendAsLeader(idem(1), { origin: "coordinator" }).errorCode).toBe(ErrorCode.NONE);
    expect(p.appendAsLeader(idem(0), { origin: "coordinator" }).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(p.logEndOffset).toBe(6);
    // A client's duplicate is still recognised.
    const client = () => buildRecordBatch({ producerId: 6n, producerEpoch: 0, baseSequence: 0, records: [{ key: value("c"), value: value("3") }] });
    expect(p.appendAsLeader(client(), { origin: "client" }).baseOffset).toBe(6n);
    expect(p.appendAsLeader(client(), { origin: "client" }).baseOffset).toBe(6n);
    expect(p.logEndOffset).toBe(7);
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
