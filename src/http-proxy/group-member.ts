/**
 * A consumer instance's membership in its Kafka consumer group, as Kafka's Java consumer keeps it
 * with the classic protocol: FindCoordinator, JoinGroup (a first join answered MEMBER_ID_REQUIRED
 * joins again with the given id), the leader computes a range assignment (Kafka's RangeAssignor:
 * per topic, partitions split in order over the members subscribed to it sorted by member id),
 * SyncGroup hands out the assignment (ConsumerProtocolAssignment v0), Heartbeat every
 * HEARTBEAT_INTERVAL_MS keeps the member alive and learns of rebalances (REBALANCE_IN_PROGRESS:
 * join again), LeaveGroup on close. All over the internal client to the group's coordinator,
 * wherever it is in the cluster, so the member is visible to DescribeGroups and Kafka's tools.
 *
 *   ConsumerProtocolSubscription v0 := version INT16 | topics [STRING] | user_data BYTES (null)
 *   ConsumerProtocolAssignment v0   := version INT16 | [topic STRING, partitions [INT32]] | user_data BYTES (null)
 */
import { KafkaError, type KafkaClient } from "../client/index.ts";
import { decodeAssignment, groupCoordinator } from "../cli/kafka.ts";
import { subscribedTopics } from "../coordinator/group-consumer-protocol.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Heartbeat } from "../protocol/messages/heartbeat.ts";
import { JoinGroup } from "../protocol/messages/join-group.ts";
import { LeaveGroup } from "../protocol/messages/leave-group.ts";
import { SyncGroup } from "../protocol/messages/sync-group.ts";
import { Writer } from "../protocol/writer.ts";

export const SESSION_TIMEOUT_MS = 30_000;
export const REBALANCE_TIMEOUT_MS = 30_000;
export const HEARTBEAT_INTERVAL_MS = 3_000;
const PROTOCOL = "range";

export interface TopicPartition {
  topic: string;
  partition: number;
}

const utf8 = new TextEncoder();

function writeString(w: Writer, s: string): void {
  const b = utf8.encode(s);
  w.int16(b.length);
  w.raw(b);
}

export function encodeSubscription(topics: string[]): Uint8Array {
  const w = new Writer(64);
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) writeString(w, t);
  w.int32(-1);
  return w.toBytes();
}

export function encodeAssignment(parts: TopicPartition[]): Uint8Array {
  const byTopic = new Map<string, number[]>();
  for (const p of parts) {
    const l = byTopic.get(p.topic) ?? [];
    l.push(p.partition);
    byTopic.set(p.topic, l);
  }
  const w = new Writer(64);
  w.int16(0);
  w.int32(byTopic.size);
  for (const [t, ps] of byTopic) {
    writeString(w, t);
    w.int32(ps.length);
    for (const p of ps) w.int32(p);
  }
  w.int32(-1);
  return w.toBytes();
}

/** Kafka's RangeAssignor over the members' subscriptions. */
export function rangeAssign(members: { memberId: string; topics: string[] }[], partitionCount: (topic: string) => number): Map<string, TopicPartition[]> {
  const out = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const t of [...topics].sort()) {
    const subs = members.filter((m) => m.topics.includes(t)).map((m) => m.memberId).sort();
    const n = partitionCount(t);
    if (n <= 0 || subs.length === 0) continue;
    const per = Math.floor(n / subs.length);
    const extra = n % subs.length;
    subs.forEach((id, i) => {
      const start = per * i + Math.min(i, extra);
      const len = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + len; p++) out.get(id)!.push({ topic: t, partition: p });
    });
  }
  return out;
}

export interface MemberHooks {
  /** The topics to subscribe to now (a pattern is resolved against the current metadata). */
  topics(): string[];
  partitionCount(topic: string): number;
  /** Before a rebalance gives partitions away (commit what was consumed). */
  revoking(): Promise<void>;
  assigned(parts: TopicPartition[]): void;
  log(message: string, fields?: Record<string, unknown>): void;
}

export class GroupMember {
  memberId = "";
  generationId = -1;
  private coordinator = -1;
  private joining: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** Set once a SyncGroup gave this member its assignment (cleared by a rebalance). */
  stable = false;

  constructor(
    private readonly client: () => KafkaClient,
    readonly groupId: string,
    private readonly hooks: MemberHooks,
  ) {}

  /** Joins (or rejoins); resolves once the member has its assignment. One join at a time. */
  join(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.joining ??= this.runJoin().finally(() => {
      this.joining = null;
    });
    return this.joining;
  }

  private async coordinatorId(refresh = false): Promise<number> {
    // Connections by node id need the brokers from Metadata.
    if (this.client().brokers.length === 0 || refresh) await this.client().metadata([]);
    if (this.coordinator < 0 || refresh) this.coordinator = await groupCoordinator(this.client(), this.groupId);
    return this.coordinator;
  }

  /** Why the last join failed for good (a non-retriable Kafka error), for the next poll to answer. */
  lastError: Error | null = null;

  private async runJoin(): Promise<void> {
    this.stable = false;
    try {
      await this.joinLoop();
      this.lastError = null;
    } catch (e) {
      this.lastError = e as Error;
      throw e;
    }
  }

  private async joinLoop(): Promise<void> {
    let idGiven = false;
    for (let attempt = 0; attempt < 20 && !this.closed; attempt++) {
      try {
        const node = await this.coordinatorId(attempt > 0);
        const topics = this.hooks.topics();
        const { body: jg } = await this.client().send(
          JoinGroup,
          { groupId: this.groupId, sessionTimeoutMs: SESSION_TIMEOUT_MS, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, memberId: this.memberId, groupInstanceId: null, protocolType: "consumer", protocols: [{ name: PROTOCOL, metadata: encodeSubscription(topics) }], reason: null },
          { nodeId: node, timeoutMs: REBALANCE_TIMEOUT_MS + 10_000 },
        );
        if (jg.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
          // KIP-394: join again at once with the id the coordinator gave (once per join).
          this.memberId = jg.memberId;
          if (!idGiven) attempt--;
          idGiven = true;
          continue;
        }
        if (jg.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
          this.memberId = "";
          continue;
        }
        if (jg.errorCode !== 0) {
          if (!this.retriable(jg.errorCode)) throw new KafkaError(jg.errorCode, `JoinGroup ${this.groupId}`);
          await Bun.sleep(100);
          continue;
        }
        this.memberId = jg.memberId;
        this.generationId = jg.generationId;
        let assignments: { memberId: string; assignment: Uint8Array }[] = [];
        if (jg.leader === jg.memberId) {
          const members = jg.members.map((m) => ({ memberId: m.memberId, topics: subscribedTopics(m.metadata) ?? [] }));
          const plan = rangeAssign(members, (t) => this.hooks.partitionCount(t));
          assignments = [...plan].map(([memberId, parts]) => ({ memberId, assignment: encodeAssignment(parts) }));
        }
        const { body: sg } = await this.client().send(
          SyncGroup,
          { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: PROTOCOL, assignments },
          { nodeId: node, timeoutMs: REBALANCE_TIMEOUT_MS + 10_000 },
        );
        if (sg.errorCode !== 0) {
          if (sg.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = "";
          if (!this.retriable(sg.errorCode)) throw new KafkaError(sg.errorCode, `SyncGroup ${this.groupId}`);
          continue;
        }
        this.hooks.assigned(decodeAssignment(sg.assignment));
        this.stable = true;
        this.startHeartbeats();
        return;
      } catch (e) {
        if (e instanceof KafkaError && !this.retriable(e.code)) throw e;
        if (attempt >= 19) throw e;
        await Bun.sleep(200);
      }
    }
  }

  private retriable(code: number): boolean {
    return [ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS].includes(code as never);
  }

  private startHeartbeats(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
  }

  private async beat(): Promise<void> {
    if (this.closed || this.joining) return;
    try {
      const { body } = await this.client().send(Heartbeat, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null }, { nodeId: await this.coordinatorId(), timeoutMs: SESSION_TIMEOUT_MS });
      if (body.errorCode === 0) return;
      if (body.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = "";
      if (body.errorCode === ErrorCode.NOT_COORDINATOR || body.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.coordinator = -1;
      this.hooks.log("group member rejoins", { group: this.groupId, error: body.errorCode });
      await this.hooks.revoking().catch(() => {});
      await this.join().catch((e) => this.hooks.log("group member: join failed", { group: this.groupId, error: String(e) }));
    } catch (e) {
      this.coordinator = -1;
      this.hooks.log("group member: heartbeat failed", { group: this.groupId, error: String(e) });
    }
  }

  /** Rejoins at once (a new subscription). */
  async resubscribe(): Promise<void> {
    await this.hooks.revoking().catch(() => {});
    await this.join();
  }

  async leave(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.memberId) return;
    try {
      await this.client().send(LeaveGroup, { groupId: this.groupId, memberId: this.memberId, members: [{ memberId: this.memberId, groupInstanceId: null, reason: "the HTTP Proxy consumer instance was deleted" }] }, { nodeId: await this.coordinatorId(), timeoutMs: 10_000 });
    } catch {
      // The session timeout removes it then.
    }
    this.memberId = "";
  }
}
