/**
 * Property (fast-check): a group's visible offsets under interleaved plain commits, transactional
 * commits of several producers, COMMIT/ABORT markers, offset deletions, reloads (a new coordinator
 * replaying the partition) and crashes (the partition's log closed and reopened from its files,
 * then replayed) equal a model's, with and without require_stable.
 *
 * The coordinator writes into a real __consumer_offsets-like partition on disk (offsets-log.ts);
 * markers are the transaction coordinator's control batches (buildMarkerBatch) appended to that
 * partition, reaching the coordinator through Partition.onTxnMarker as in the broker.
 *
 * The model: committed[p] = the last plain commit or the committed transactional commit, whichever
 * was written later (log order); pending[producer][p] = that producer's latest transactional commit
 * since its last marker; a deletion removes both. Runs: TAKHIN_PROPERTY_RUNS (default 100); the
 * seed is printed and TAKHIN_PROPERTY_SEED reproduces it.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import path from "node:path";
import { Partition } from "../../src/cluster/partition.ts";
import { effectiveTopicConfig } from "../../src/cluster/topic-config.ts";
import { buildMarkerBatch } from "../../src/cluster/txn-marker-writer.ts";
import { GroupCoordinator, type GroupStore } from "../../src/coordinator/group-coordinator.ts";
import { appendOffsetsRecords, appendOffsetsTombstones, groupKey, groupValue, offsetKey, offsetValue, readOffsetsPartition } from "../../src/coordinator/offsets-log.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { PartitionLog } from "../../src/storage/index.ts";
import { tempDir } from "../helpers/broker.ts";
import { rmSync } from "node:fs";

const GROUP = "g";
const TOPIC = "t";
const PARTITIONS = 3;
const PRODUCERS = [100n, 200n, 300n];

type Op =
  | { kind: "plain"; partition: number; offset: number }
  | { kind: "txn"; producer: number; partitions: number[]; offset: number }
  | { kind: "marker"; producer: number; commit: boolean }
  | { kind: "delete"; partition: number }
  | { kind: "reload" }
  | { kind: "crash" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("plain" as const), partition: fc.nat(PARTITIONS - 1), offset: fc.nat(1000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("txn" as const), producer: fc.nat(PRODUCERS.length - 1), partitions: fc.uniqueArray(fc.nat(PARTITIONS - 1), { minLength: 1, maxLength: PARTITIONS }), offset: fc.nat(1000) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("marker" as const), producer: fc.nat(PRODUCERS.length - 1), commit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), partition: fc.nat(PARTITIONS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reload" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" as const }) },
);

class Harness {
  partition: Partition;
  coordinator!: GroupCoordinator;
  private readonly root: string;
  private readonly dir: string;
  private readonly topic = { name: "__consumer_offsets", id: "AAAAAAAAAAAAAAAAAAAAAA", partitions: 1, configs: { "cleanup.policy": "compact" }, internal: true };
  nowMs = 1_700_000_000_000;

  constructor() {
    // Each run's directory goes when the run ends (close): a thousand runs must not leave a thousand logs.
    this.root = tempDir("txn-offsets-prop-");
    this.dir = path.join(this.root, "__consumer_offsets-0");
    this.partition = this.open();
    this.reload();
  }

  private open(): Partition {
    return new Partition(this.topic, 0, PartitionLog.open(this.dir, this.topic.name, 0), effectiveTopicConfig(this.topic));
  }

  private store(): GroupStore {
    const p = () => this.partition;
    const rec = (offsets: { topic: string; partition: number; entry: any }[]) => offsets.map((o) => ({ key: offsetKey(GROUP, o.topic, o.partition), value: offsetValue(o.entry) }));
    return {
      offsetsCommitted: (_g, offsets) => appendOffsetsRecords(p(), rec(offsets), this.nowMs),
      txnOffsetsCommitted: (_g, producer, offsets) => appendOffsetsRecords(p(), rec(offsets), this.nowMs, producer),
      offsetsDeleted: (_g, parts) => appendOffsetsTombstones(p(), parts.map((x) => ({ key: offsetKey(GROUP, x.topic, x.partition), value: null })), this.nowMs),
      groupChanged: (g) => appendOffsetsRecords(p(), [{ key: groupKey(g.groupId), value: groupValue({ protocolType: "", generationId: g.generationId, protocolName: null, leaderId: null, currentStateTimestampMs: 0, members: [] }) }], this.nowMs),
      groupDeleted: () => ({ errorCode: 0, errorMessage: null }),
    };
  }

  /** A new coordinator that knows only the log (GroupService.load's replay). */
  reload(): void {
    this.coordinator = new GroupCoordinator({}, this.store());
    const c = this.coordinator;
    c.replayPartition(readOffsetsPartition(this.partition, (why) => { throw new Error(why); }), () => true, this.nowMs);
    this.partition.onTxnMarker = (m) => c.completeTxn(m.producerId, m.commit, () => true);
  }

  /** The log closed and reopened from its files (producer state and all), then replayed. */
  crash(): void {
    this.partition.onTxnMarker = null;
    this.partition.log.close();
    this.partition = this.open();
    this.reload();
  }

  marker(producerId: bigint, commit: boolean): number {
    return this.partition.appendAsLeader(buildMarkerBatch(producerId, 0, 0, commit ? "commit" : "abort", this.nowMs), { origin: "coordinator", nowMs: this.nowMs }).errorCode;
  }

  visible(requireStable: boolean): Record<number, [number, boolean]> {
    const out: Record<number, [number, boolean]> = {};
    const [t] = this.coordinator.fetchOffsets(GROUP, [{ name: TOPIC, partitions: [...Array(PARTITIONS).keys()] }], requireStable);
    for (const p of t!.partitions) out[p.partition] = [p.entry ? Number(p.entry.offset) : -1, p.unstable];
    return out;
  }

  close(): void {
    this.partition.log.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

class Model {
  /** Writes in log order: the position decides between a plain and a committed transactional offset. */
  private position = 0;
  committed = new Map<number, { offset: number; position: number }>();
  pending = new Map<number, Map<number, { offset: number; position: number }>>();

  plain(partition: number, offset: number): void {
    this.committed.set(partition, { offset, position: this.position++ });
  }
  txn(producer: number, partitions: number[], offset: number): void {
    let m = this.pending.get(producer);
    if (!m) this.pending.set(producer, (m = new Map()));
    for (const p of partitions) m.set(p, { offset, position: this.position++ });
  }
  marker(producer: number, commit: boolean): void {
    const m = this.pending.get(producer);
    this.pending.delete(producer);
    this.position++;
    if (!m || !commit) return;
    for (const [p, e] of m) {
      const cur = this.committed.get(p);
      if (!cur || e.position > cur.position) this.committed.set(p, e);
    }
  }
  delete(partition: number): void {
    this.committed.delete(partition);
    for (const m of this.pending.values()) m.delete(partition);
    this.position++;
  }
  visible(requireStable: boolean): Record<number, [number, boolean]> {
    const out: Record<number, [number, boolean]> = {};
    for (let p = 0; p < PARTITIONS; p++) {
      const unstable = requireStable && [...this.pending.values()].some((m) => m.has(p));
      out[p] = [this.committed.get(p)?.offset ?? -1, unstable];
    }
    return out;
  }
}

function run(ops: Op[]): void {
  const h = new Harness();
  const model = new Model();
  try {
    for (const op of ops) {
      h.nowMs += 1;
      switch (op.kind) {
        case "plain": {
          const r = h.coordinator.commit({ groupId: GROUP, memberId: "", groupInstanceId: null, generationId: -1, retentionTimeMs: -1, topics: [{ name: TOPIC, partitions: [{ partition: op.partition, offset: BigInt(op.offset), leaderEpoch: -1, metadata: null }] }] }, h.nowMs);
          expect(r[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
          model.plain(op.partition, op.offset);
          break;
        }
        case "txn": {
          const r = h.coordinator.commitTransactional({
            groupId: GROUP, transactionalId: `tx-${op.producer}`, producerId: PRODUCERS[op.producer]!, producerEpoch: 0, memberId: "", groupInstanceId: null, generationId: -1,
            topics: [{ name: TOPIC, partitions: op.partitions.map((p) => ({ partition: p, offset: BigInt(op.offset), leaderEpoch: -1, metadata: null })) }],
          }, h.nowMs);
          expect(r[0]!.partitions.map((x) => x.errorCode)).toEqual(op.partitions.map(() => ErrorCode.NONE));
          model.txn(op.producer, op.partitions, op.offset);
          break;
        }
        case "marker":
          expect(h.marker(PRODUCERS[op.producer]!, op.commit)).toBe(ErrorCode.NONE);
          model.marker(op.producer, op.commit);
          break;
        case "delete": {
          const r = h.coordinator.deleteOffsets(GROUP, [{ name: TOPIC, partitions: [op.partition] }], () => new Set());
          // A group nobody committed to yet (or whose offsets are all gone) is unknown, as in Kafka.
          expect([ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND] as number[]).toContain(r.groupError);
          if (r.groupError === ErrorCode.NONE) model.delete(op.partition);
          break;
        }
        case "reload":
          h.reload();
          break;
        case "crash":
          h.crash();
          break;
      }
      expect(h.visible(false)).toEqual(model.visible(false));
      expect(h.visible(true)).toEqual(model.visible(true));
    }
    // Whatever happened, a replay of the log shows the same.
    h.crash();
    expect(h.visible(true)).toEqual(model.visible(true));
  } finally {
    h.close();
  }
}

describe("transactional offsets against a model", () => {
  test("visible offsets (plain and require_stable) equal the model's through commits, markers, deletions, reloads and crashes", () => {
    const numRuns = Number(process.env.TAKHIN_PROPERTY_RUNS ?? 100);
    const seed = Number(process.env.TAKHIN_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    console.log(`txn-offsets property: seed ${seed} (TAKHIN_PROPERTY_SEED reproduces)`);
    fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), run), { numRuns, seed });
  }, 120_000);

  test("a fixed case: a plain commit between a transactional commit and its COMMIT marker stays visible", () => {
    run([
      { kind: "txn", producer: 0, partitions: [0], offset: 5 },
      { kind: "plain", partition: 0, offset: 7 },
      { kind: "marker", producer: 0, commit: true },
      { kind: "crash" },
    ]);
  });
});
