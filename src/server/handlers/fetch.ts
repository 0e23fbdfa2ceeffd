/**
 * Fetch v4-17: decodes, resolves the incremental fetch session (KIP-227, from v7), delegates the
 * reads and the long-poll wait to the replica manager (min_bytes / max_wait_ms, KIP-74, offset
 * checks, fetch.max.bytes; see cluster/replica-manager.ts) and encodes, keeping in an incremental
 * response only the partitions the session says changed. Topic ids instead of names from v13.
 */
import type { FetchPartitionState, RequestedPartition } from "../../cluster/fetch-sessions.ts";
import type { FetchPartitionResult } from "../../cluster/replica-manager.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { Fetch } from "../../protocol/messages/fetch.ts";
import type { BrokerContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

interface FetchRequestPartition {
  partition: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  fetchOffset: bigint;
  logStartOffset: bigint;
  partitionMaxBytes: number;
}

const FIRST_SESSION_VERSION = 7;
const FIRST_TOPIC_ID_VERSION = 13;
const FIRST_REPLICA_STATE_VERSION = 15;
const READ_COMMITTED = 1;
const NO_TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAA";

/**
 * As Kafka: a partition answered with an error carries -1 watermarks; one refused before any read
 * (unknown topic, partition or topic id) an empty abortedTransactions list, not null.
 */
function errorPartitionFields(r: FetchPartitionResult) {
  if (r.errorCode === ErrorCode.NONE) {
    return { highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset, abortedTransactions: r.abortedTransactions };
  }
  const unknown = r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || r.errorCode === ErrorCode.UNKNOWN_TOPIC_ID;
  return { highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: r.abortedTransactions ?? (unknown ? [] : null) };
}

function encode(b: BrokerContext, states: FetchPartitionState[], results: FetchPartitionResult[], incremental: boolean, byId: boolean, sessionId: number) {
  const topics: { topic: string; topicId: string; partitions: any[] }[] = [];
  const byTopic = new Map<string, { topic: string; topicId: string; partitions: any[] }>();
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    const r = results[i]!;
    const include = b.fetchSessions.shouldInclude(state, incremental, {
      errorCode: r.errorCode,
      recordBytes: r.recordBytes,
      highWatermark: r.highWatermark,
      lastStableOffset: r.lastStableOffset,
      logStartOffset: r.logStartOffset,
    });
    if (!include) continue;
    let entry = byTopic.get(state.topicKey);
    if (!entry) {
      entry = { topic: r.topicName, topicId: byId ? r.topicId || state.topicKey : NO_TOPIC_ID, partitions: [] };
      byTopic.set(state.topicKey, entry);
      topics.push(entry);
    }
    entry.partitions.push({
      partitionIndex: state.partition,
      errorCode: r.errorCode,
      ...errorPartitionFields(r),
      preferredReadReplica: -1,
      ...(r.divergingEpoch ? { divergingEpoch: { epoch: r.divergingEpoch.epoch, endOffset: BigInt(r.divergingEpoch.endOffset) } } : {}),
      records: r.records.length > 0 ? r.records : new Uint8Array(0),
    });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId, responses: topics, nodeEndpoints: [] };
}

export const fetchHandler: HandlerFor<typeof Fetch> = {
  api: Fetch,
  minVersion: 4,
  maxVersion: 17,
  handle(ctx, req, version) {
    const b = ctx.broker;
    const byId = version >= FIRST_TOPIC_ID_VERSION;
    const requested: RequestedPartition[] = [];
    // Followers (KIP-320): the epoch of their last record, by topic key and partition.
    const lastFetched = new Map<string, number>();
    for (const t of req.topics) {
      const topicKey = byId ? t.topicId : t.topic;
      for (const p of t.partitions) {
        if (p.lastFetchedEpoch >= 0) lastFetched.set(`${topicKey}\u0000${p.partition}`, p.lastFetchedEpoch);
        requested.push({ topicKey, partition: p.partition, fetchOffset: p.fetchOffset, partitionMaxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch });
      }
    }
    let states: FetchPartitionState[];
    let incremental = false;
    let sessionId = 0;
    if (version >= FIRST_SESSION_VERSION) {
      const forgotten = req.forgottenTopicsData.map((f) => ({ topicKey: byId ? f.topicId : f.topic, partitions: f.partitions }));
      const res = b.fetchSessions.resolve(req.sessionId, req.sessionEpoch, requested, forgotten, Date.now());
      if (!res.ok) return { throttleTimeMs: 0, errorCode: res.errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
      states = res.partitions;
      incremental = res.incremental;
      sessionId = res.sessionId;
    } else {
      states = requested.map((r) => ({ ...r }));
    }
    const inputs = states.map((s) => ({
      topic: byId ? undefined : s.topicKey,
      topicId: byId ? s.topicKey : undefined,
      partition: s.partition,
      fetchOffset: s.fetchOffset,
      partitionMaxBytes: s.partitionMaxBytes,
      currentLeaderEpoch: s.currentLeaderEpoch,
      lastFetchedEpoch: lastFetched.get(`${s.topicKey}\u0000${s.partition}`) ?? -1,
    }));
    // A follower names itself by replica_id (up to v14) or ReplicaState (v15+, KIP-903).
    const replicaId = version >= FIRST_REPLICA_STATE_VERSION ? (req.replicaState?.replicaId ?? -1) : (req.replicaId ?? -1);
    const results = b.replicas.fetchMessages(inputs, {
      maxWaitMs: req.maxWaitMs,
      minBytes: req.minBytes,
      maxBytes: req.maxBytes,
      readCommitted: req.isolationLevel === READ_COMMITTED,
      replicaId,
      replicaEpoch: version >= FIRST_REPLICA_STATE_VERSION ? (req.replicaState?.replicaEpoch ?? -1n) : -1n,
    });
    if (results instanceof Promise) return results.then((r) => encode(b, states, r, incremental, byId, sessionId));
    return encode(b, states, results, incremental, byId, sessionId);
  },
};
