/**
 * Self-healing of corrupt ranges in a cluster (issue 26, docs/data-integrity.md). The storage finds
 * a corrupt range (read path or scrubber: src/storage/scrub) and tells the log manager's
 * listeners; this healer, one per broker, acts on each partition it hosts, without operator action:
 *
 *   follower  stops fetching (Partition.healing) for HEAL_SETTLE_MS, leaves the ISR (controller
 *             RPC "resignCorruptLeader", resignLeaderRecords below: a truncated copy must not count
 *             for acknowledged records; the partition epoch moves even when it was not in the ISR,
 *             so an expansion proposed from its old log end is refused), and once its own image
 *             shows that epoch, truncates its log to the range's first offset (Partition.truncateTo: whole batches,
 *             producer state rebuilt); its replica fetcher, whose fetch offset is the log end,
 *             fetches the range and everything after it again from the leader, verified on
 *             receipt (PartitionLog verifies replicated batches).
 *   leader    asks the active controller (same RPC) to move leadership to another live in-sync
 *             replica and take this broker out of the ISR; once the image makes it a follower, it heals as one, and
 *             the ISR takes it back when it has caught up (leader-state.ts). Meanwhile its reads of
 *             the range answer CORRUPT_MESSAGE (never the bytes). With no other live ISR member it
 *             keeps leading, says so once, and serves everything but the range.
 *
 * Pending partitions are looked at every HEAL_CHECK_INTERVAL_MS (a role change completes a heal
 * that had to wait), at most MAX_PENDING_HEALS at once.
 */
import type { MetadataImage } from "../../metadata/image.ts";
import { LEADER_UNCHANGED, NO_LEADER, type PartitionChangeRecord } from "../../metadata/records.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type { CorruptRange, PartitionLog } from "../../storage/index.ts";
import type { Logger } from "../../util/log.ts";
import type { PartitionManager } from "../partition-manager.ts";
import type { TopicRegistry } from "../topics.ts";

export const HEAL_CHECK_INTERVAL_MS = 250;
/**
 * After a follower found damage it stops fetching (Partition.healing) and waits this long before
 * it leaves the ISR or cuts its log: its last fetch, and an ISR expansion the leader may have
 * proposed from it, settle first, so no ISR decision after the cut rests on the log end before it
 * (the replication simulator's bit-rot fault found that race).
 */
export const HEAL_SETTLE_MS = 2 * 500 + 1000;
export const MAX_PENDING_HEALS = 10_000;
export const RESIGN_RPC = "resignCorruptLeader";

/** A controller's decision on a leader's resignation (thrown as an RPC error with `code`). */
export class ResignError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * Active controller: replica `from` of topicId/partitionId holds a corrupt range, so it leaves the
 * ISR (its copy can no longer stand for acknowledged records); when it leads (at `leaderEpoch`),
 * leadership moves to the first other live ISR member. Refused when no other live ISR member is
 * left (the ISR never empties; a leader then keeps leading), or when `from` is not in the ISR.
 */
export function resignLeaderRecords(image: MetadataImage, body: Record<string, unknown>, from: number, live: (id: number) => boolean): PartitionChangeRecord[] {
  const { topicId, partitionId, leaderEpoch } = body as { topicId: unknown; partitionId: unknown; leaderEpoch: unknown };
  if (typeof topicId !== "string" || typeof partitionId !== "number" || typeof leaderEpoch !== "number") throw new ResignError("malformed resignation", ErrorCode.INVALID_REQUEST);
  const p = image.topicsById.get(topicId)?.partitions[partitionId];
  if (!p) throw new ResignError(`unknown partition ${topicId}/${partitionId}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.leaderEpoch !== leaderEpoch) throw new ResignError(`${topicId}/${partitionId} is at leader epoch ${p.leaderEpoch}, not ${leaderEpoch}`, ErrorCode.FENCED_LEADER_EPOCH);
  // Not in the ISR: the change only bumps the partition epoch, so an ISR expansion the leader
  // proposed from this replica's log end before the cut is refused as stale.
  if (!p.isr.includes(from)) return [{ type: "PartitionChange", topicId, partitionId, leader: LEADER_UNCHANGED, isr: null, replicas: null }];
  const next = p.isr.find((id) => id !== from && live(id));
  if (next === undefined) throw new ResignError("no other live in-sync replica", ErrorCode.NOT_ENOUGH_REPLICAS);
  return [{ type: "PartitionChange", topicId, partitionId, leader: p.leader === from ? next : LEADER_UNCHANGED, isr: p.isr.filter((id) => id !== from), replicas: null }];
}

export interface CorruptionHealerOptions {
  nodeId: number;
  partitions: PartitionManager;
  topics: TopicRegistry;
  controllerCall: (kind: string, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
  log: Logger;
}

interface Pending {
  log: PartitionLog;
  topic: string;
  partition: number;
  /** The leader epoch a resignation was asked at (not asked twice in one epoch). */
  resignedAtEpoch: number;
  saidCannot: boolean;
  /** When fetching stopped (Date.now). */
  quietSinceMs: number;
  /** The partition epoch the controller's answer to the resignation was at or above (-1: not answered yet). */
  resignedPartitionEpoch: number;
}

export class CorruptionHealer {
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: () => void;
  private readonly timer: ReturnType<typeof setInterval>;
  readonly totals = { followerTruncations: 0, resignations: 0 };

  constructor(private readonly o: CorruptionHealerOptions) {
    this.unsubscribe = o.partitions.logs.onCorruption((log, range) => this.found(log, range));
    // Ranges found before this healer started (at open) are healed too.
    for (const tp of o.partitions.logs.listPartitions()) {
      const log = o.partitions.logs.getLog(tp.topic, tp.partition);
      if (log && log.corrupt.size > 0) this.found(log, log.corrupt.list()[0]!);
    }
    this.timer = setInterval(() => this.check(), HEAL_CHECK_INTERVAL_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.timer);
  }

  private found(log: PartitionLog, range: CorruptRange): void {
    const key = `${log.topic}-${log.partition}`;
    if (!this.pending.has(key) && this.pending.size < MAX_PENDING_HEALS) {
      this.pending.set(key, { log, topic: log.topic, partition: log.partition, resignedAtEpoch: -1, saidCannot: false, quietSinceMs: Date.now(), resignedPartitionEpoch: -1 });
      const p = this.o.partitions.hosted(log.topic, log.partition);
      if (p && p.log === log) p.healing = true;
      this.o.log.warn("corrupt range: healing from a replica", { topic: log.topic, partition: log.partition, firstOffset: range.firstOffset, endOffset: range.endOffset, file: range.file, position: range.position });
    }
    queueMicrotask(() => this.check());
  }

  /** Acts on every pending partition as its current role allows. */
  check(): void {
    for (const [key, w] of this.pending) {
      const p = this.o.partitions.hosted(w.topic, w.partition);
      if (!p || p.log !== w.log || w.log.isClosed || w.log.isOffline || w.log.corrupt.size === 0) {
        if (p) p.healing = false;
        this.pending.delete(key);
        continue;
      }
      const reg = this.o.topics.partition(w.topic, w.partition);
      if (!reg || !reg.replicas.includes(this.o.nodeId) || reg.leader === NO_LEADER) continue;
      const first = Math.min(...w.log.corrupt.list().map((r) => r.firstOffset));
      if (reg.leader !== this.o.nodeId) {
        if (p.leaderState !== null) continue; // the role change is not applied yet
        if (!p.healing) {
          p.healing = true;
          w.quietSinceMs = Date.now();
        }
        if (Date.now() - w.quietSinceMs < HEAL_SETTLE_MS) continue;
        // Out of the ISR first (a truncated copy must not count for acknowledged records), and the
        // partition epoch bumped after the settle (a stale expansion is refused): then cut.
        if (w.resignedPartitionEpoch < 0 || reg.partitionEpoch < w.resignedPartitionEpoch || reg.isr.includes(this.o.nodeId)) {
          this.resign(w, reg.leaderEpoch, first, reg.partitionEpoch);
          continue;
        }
        this.o.log.warn("follower truncates to its first corrupt offset and fetches the rest again from the leader", { topic: w.topic, partition: w.partition, from: p.logEndOffset, to: first, leader: reg.leader });
        p.truncateTo(first);
        this.totals.followerTruncations++;
        if (w.log.corrupt.size === 0) {
          p.healing = false;
          this.pending.delete(key);
        }
        continue;
      }
      this.resign(w, reg.leaderEpoch, first, reg.partitionEpoch);
    }
  }

  /** Asks the controller to take this replica out of the ISR (and its leadership, if it leads); once per leader epoch. */
  private resign(w: Pending, leaderEpoch: number, first: number, partitionEpoch: number): void {
    const reg = { leaderEpoch };
    {
      if (w.resignedAtEpoch === reg.leaderEpoch || w.resignedPartitionEpoch > partitionEpoch) return;
      w.resignedAtEpoch = reg.leaderEpoch;
      const topicId = this.o.topics.get(w.topic)?.id;
      if (!topicId) return;
      this.o.controllerCall(RESIGN_RPC, { topicId, partitionId: w.partition, leaderEpoch: reg.leaderEpoch }).then(
        () => {
          w.resignedPartitionEpoch = partitionEpoch + 1;
          this.totals.resignations++;
          this.o.log.warn("corrupt replica left the ISR (and its leadership, if it led): it heals as a follower", { topic: w.topic, partition: w.partition, leaderEpoch: reg.leaderEpoch });
        },
        (e: unknown) => {
          const code = (e as { code?: number }).code;
          if (code === ErrorCode.NOT_ENOUGH_REPLICAS) {
            if (!w.saidCannot) this.o.log.error("corrupt range cannot be healed now: no other live in-sync replica; the range is not served", { topic: w.topic, partition: w.partition, firstOffset: first });
            w.saidCannot = true;
          }
          // Asked again later (a new epoch, or the next check once the ISR grew).
          setTimeout(() => {
            if (w.resignedAtEpoch === reg.leaderEpoch) w.resignedAtEpoch = -1;
          }, 1000).unref?.();
        },
      );
    }
  }
}
