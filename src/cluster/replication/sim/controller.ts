/**
 * The simulator's controller: one in-process, always-available active controller holding the real
 * metadata image (metadata/image.ts) and deciding with the real pure decisions: broker
 * registration at every (re)start (registerAndReelectRecords: a new incarnation fences the old one
 * first, as Kafka's controller does), fencing after a missed session
 * (fenceBrokerRecords: leader moves to another live ISR member, or none), unfencing on a heartbeat
 * (unfenceBrokerRecords), and ISR changes (alter-partition.ts decideAlterPartition). The Raft
 * quorum under it is simulated separately (test/cluster/controller-sim.test.ts); here a committed
 * decision is applied at once and published to the brokers through the lossy network.
 */
import { applyBatch, MetadataImage, type PartitionRegistration } from "../../../metadata/image.ts";
import { createTopicRecords, fenceBrokerRecords, registerAndReelectRecords, registerBrokerRecords, unfenceBrokerRecords } from "../../../metadata/decisions.ts";
import { NO_LEADER, type MetadataRecord } from "../../../metadata/records.ts";
import { decideAlterPartition, type AlterPartitionAnswer } from "../alter-partition.ts";
import { ResignError, resignLeaderRecords } from "../corruption-healer.ts";

export const TOPIC_ID = "simtopic0000000000000A";

export class SimController {
  image: MetadataImage = MetadataImage.EMPTY;
  private offset = 0;
  /** brokerId -> last heartbeat (controller clock, ms). */
  readonly lastHeartbeat = new Map<number, number>();
  readonly brokerEpochs = new Map<number, bigint>();
  changes = 0;

  constructor(
    readonly brokers: number,
    readonly sessionTimeoutMs: number,
    /**
     * Planted bug "restart-keeps-isr": a re-registration only registers and re-elects (the decision
     * before the fix), instead of registerAndReelectRecords, which fences the old incarnation first.
     */
    readonly restartKeepsIsr: boolean,
    private readonly log: (s: string) => void,
  ) {
    for (let b = 0; b < brokers; b++) this.register(b, 0);
    const replicas = Array.from({ length: brokers }, (_, i) => i);
    this.apply(createTopicRecords(this.image, { name: "t", topicId: TOPIC_ID, partitions: 1, replicationFactor: brokers, configs: {}, assignments: [replicas] }));
  }

  get partition(): PartitionRegistration {
    return this.image.topicsById.get(TOPIC_ID)!.partitions[0]!;
  }

  private apply(records: readonly MetadataRecord[]): boolean {
    if (records.length === 0) return false;
    this.image = applyBatch(this.image, this.offset++, records).image;
    this.changes++;
    const p = this.image.topicsById.get(TOPIC_ID)?.partitions[0];
    if (p) this.log(`ctl  image@${this.image.offset} leader=${p.leader} le=${p.leaderEpoch} pe=${p.partitionEpoch} isr=[${p.isr.join(",")}]`);
    return true;
  }

  /** A broker (re)started: a new incarnation and epoch; returns that epoch. */
  register(brokerId: number, nowMs: number): bigint {
    const epoch = (this.brokerEpochs.get(brokerId) ?? 0n) + 1n;
    this.brokerEpochs.set(brokerId, epoch);
    this.lastHeartbeat.set(brokerId, nowMs);
    this.log(`ctl  register b${brokerId} epoch=${epoch}`);
    const incarnationId = `sim-b${brokerId}-${epoch}`.padEnd(22, "0").slice(0, 22);
    const endPoints = [{ name: "INTERNAL", host: "127.0.0.1", port: 1 + brokerId, securityProtocol: 0 }];
    if (this.restartKeepsIsr) {
      const records: MetadataRecord[] = registerBrokerRecords(brokerId, incarnationId, epoch, endPoints, null, false);
      const p = this.image.topicsById.get(TOPIC_ID)?.partitions[0];
      if (p && p.leader === NO_LEADER && p.isr.includes(brokerId)) records.push({ type: "PartitionChange", topicId: TOPIC_ID, partitionId: 0, leader: brokerId, isr: null, replicas: null });
      this.apply(records);
    } else this.apply(registerAndReelectRecords(this.image, brokerId, incarnationId, epoch, endPoints, null));
    return epoch;
  }

  heartbeat(brokerId: number, brokerEpoch: bigint, nowMs: number): boolean {
    if (this.brokerEpochs.get(brokerId) !== brokerEpoch) return false;
    this.lastHeartbeat.set(brokerId, nowMs);
    const b = this.image.brokers.get(brokerId);
    if (b?.fenced) {
      this.log(`ctl  unfence b${brokerId}`);
      return this.apply(unfenceBrokerRecords(this.image, brokerId));
    }
    return false;
  }

  /** Fences every broker whose session expired; returns whether the image changed. */
  tick(nowMs: number): boolean {
    let changed = false;
    for (const [id, at] of this.lastHeartbeat) {
      if (nowMs - at <= this.sessionTimeoutMs) continue;
      if (this.image.brokers.get(id)?.fenced) continue;
      this.log(`ctl  fence b${id} (no heartbeat since ${at})`);
      changed = this.apply(fenceBrokerRecords(this.image, id)) || changed;
    }
    return changed;
  }

  /**
   * A replica found a corrupt range (issue 26): it leaves the ISR, and its leadership if it leads
   * (the real decision, corruption-healer.ts resignLeaderRecords). False when refused.
   */
  resignCorrupt(from: number): boolean {
    const p = this.partition;
    try {
      const records = resignLeaderRecords(this.image, { topicId: TOPIC_ID, partitionId: 0, leaderEpoch: p.leaderEpoch }, from, (id) => this.image.brokers.get(id)?.fenced === false);
      this.log(`ctl  b${from} resigns (corrupt range): leader ${p.leader} isr=[${p.isr.join(",")}]`);
      return this.apply(records);
    } catch (e) {
      if (e instanceof ResignError) return false;
      throw e;
    }
  }

  /** `epochs`: the broker epoch the leader saw in each member's last Fetch (KIP-903), -1 unknown. */
  alterPartition(from: number, leaderEpoch: number, partitionEpoch: number, isr: number[], epochs: ReadonlyMap<number, bigint>): AlterPartitionAnswer {
    const body = { topicId: TOPIC_ID, partitionId: 0, leaderId: from, leaderEpoch, partitionEpoch, newIsr: isr.map((id) => ({ brokerId: id, brokerEpoch: String(epochs.get(id) ?? -1n) })) };
    const d = decideAlterPartition(this.image, body, from);
    this.log(`ctl  alterPartition from b${from} isr=[${isr.join(",")}] le=${leaderEpoch} pe=${partitionEpoch} -> error=${d.result.errorCode}`);
    this.apply(d.records);
    return d.result;
  }
}
