/**
 * Automatic preferred-leader rebalance (Kafka's auto.leader.rebalance.enable, default on, checked
 * every leader.imbalance.check.interval.seconds, default 300): on the active controller (or the one
 * node), every partition whose preferred replica — the first of its assignment — is alive, in the ISR
 * and not leading gets it back as leader (metadata/elections.ts), at most MAX_ELECTIONS_PER_ROUND per
 * round, in one metadata batch. As in Kafka's KRaft controller, leader.imbalance.per.broker.percentage
 * plays no part. The two settings are start options (StartOptions.leaderRebalance), not config keys yet:
 * a config key needs its README row, which this change does not write.
 */
import type { LocalController } from "../metadata/controller.ts";
import { preferredElectionsDue } from "../metadata/elections.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { PartitionChangeRecord } from "../metadata/records.ts";
import type { Logger } from "../util/log.ts";
import type { MetadataQuorum } from "./metadata-quorum.ts";

export const LEADER_REBALANCE_DEFAULTS = {
  enabled: true,
  intervalMs: 300_000,
} as const;

/** Bounds one round's batch (Kafka's controller elects at most 1000 per imbalance round too). */
export const MAX_ELECTIONS_PER_ROUND = 1000;

export interface LeaderRebalanceOptions {
  enabled?: boolean;
  intervalMs?: number;
}

export function rebalanceRecords(image: MetadataImage): PartitionChangeRecord[] {
  return preferredElectionsDue(image)
    .slice(0, MAX_ELECTIONS_PER_ROUND)
    .map((e) => ({ type: "PartitionChange", topicId: e.topicId, partitionId: e.partition, leader: e.leader, isr: null, replicas: null }));
}

/** Starts the periodic check; `stop()` ends it. */
export function startLeaderRebalance(o: { metadata: LocalController; quorum: MetadataQuorum | null; log: Logger } & LeaderRebalanceOptions): { stop(): void } {
  const enabled = o.enabled ?? LEADER_REBALANCE_DEFAULTS.enabled;
  const intervalMs = Math.max(100, o.intervalMs ?? LEADER_REBALANCE_DEFAULTS.intervalMs);
  if (!enabled) return { stop() {} };
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    try {
      if (o.quorum) {
        if (!o.quorum.isActiveController || rebalanceRecords(o.quorum.image).length === 0) return;
        const n = await o.quorum.submit((image) => {
          const records = rebalanceRecords(image);
          return { records, result: records.length };
        });
        if (n > 0) o.log.info("preferred leaders elected (auto_leader_rebalance)", { partitions: n });
      } else {
        const records = rebalanceRecords(o.metadata.image);
        if (records.length === 0) return;
        o.metadata.commit(records);
        o.log.info("preferred leaders elected (auto_leader_rebalance)", { partitions: records.length });
      }
    } catch (e) {
      o.log.warn("automatic preferred-leader election failed; retried next round", { error: (e as Error).message });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), intervalMs);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
