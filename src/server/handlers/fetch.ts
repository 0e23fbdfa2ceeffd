/**
 * Fetch v4-17: reads up to the high watermark from each asked partition, as views of the
 * memory-mapped segments (no copy of record bytes), within partition and response byte limits.
 * When fewer than min_bytes are available it waits, woken by appends (never by polling), until
 * max_wait_ms. Incremental fetch sessions (KIP-227) from v7; topic ids instead of names from v13.
 */
import type { FetchPartitionState, RequestedPartition } from "../../cluster/fetch-sessions.ts";
import type { Partition } from "../../cluster/partition.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { Fetch } from "../../protocol/messages/fetch.ts";
import type { BrokerContext } from "../context.ts";
import type { Handler } from "../registry.ts";

interface FetchRequestPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  logStartOffset: bigint;
  partitionMaxBytes: number;
}
interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: { topic: string; topicId: string; partitions: FetchRequestPartition[] }[];
  forgottenTopicsData: { topic: string; topicId: string; partitions: number[] }[];
}

const FIRST_SESSION_VERSION = 7;
const FIRST_TOPIC_ID_VERSION = 13;
/** Upper bound on one fetch's wait, whatever the client asks. */
const MAX_FETCH_WAIT_MS = 30_000;
const READ_COMMITTED = 1;

interface PartitionRead {
  state: FetchPartitionState;
  topicName: string;
  topicId: string;
  errorCode: number;
  records: Uint8Array[];
  recordBytes: number;
  highWatermark: bigint;
  logStartOffset: bigint;
}

function lookup(b: BrokerContext, topicKey: string, byId: boolean, partition: number): { p?: Partition; name: string; id: string; errorCode: number } {
  const topic = byId ? b.topics.getById(topicKey) : b.topics.get(topicKey);
  if (!topic) return { name: byId ? "" : topicKey, id: byId ? topicKey : "", errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const p = b.partitions.get(topic.name, partition);
  if (!p) return { name: topic.name, id: topic.id, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  return { p, name: topic.name, id: topic.id, errorCode: ErrorCode.NONE };
}

/** One pass over the partitions: what can be answered right now. */
function readAll(b: BrokerContext, states: FetchPartitionState[], byId: boolean, responseMaxBytes: number): { reads: PartitionRead[]; totalBytes: number; anyError: boolean; partitions: Partition[] } {
  const reads: PartitionRead[] = [];
  const partitions: Partition[] = [];
  let totalBytes = 0;
  let anyError = false;
  for (const state of states) {
    const found = lookup(b, state.topicKey, byId, state.partition);
    const read: PartitionRead = {
      state,
      topicName: found.name,
      topicId: found.id,
      errorCode: found.errorCode,
      records: [],
      recordBytes: 0,
      highWatermark: -1n,
      logStartOffset: -1n,
    };
    reads.push(read);
    if (!found.p) {
      anyError = true;
      continue;
    }
    const p = found.p;
    partitions.push(p);
    read.highWatermark = BigInt(p.highWatermark);
    read.logStartOffset = BigInt(p.logStartOffset);
    const offset = Number(state.fetchOffset);
    if (offset < p.logStartOffset || offset > p.logEndOffset) {
      read.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      anyError = true;
      continue;
    }
    const budget = Math.min(state.partitionMaxBytes, responseMaxBytes - totalBytes);
    // KIP-74: the first batch of the first partition with data is returned even above the limits.
    const minOneBatch = totalBytes === 0;
    if (budget <= 0 && !minOneBatch) continue;
    const got = p.read(offset, Math.max(0, budget), minOneBatch);
    read.records = got.records;
    read.recordBytes = got.sizeBytes;
    totalBytes += got.sizeBytes;
  }
  return { reads, totalBytes, anyError, partitions };
}

export const fetchHandler: Handler<FetchRequest> = {
  api: Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req, version) {
    const b = ctx.broker;
    const byId = version >= FIRST_TOPIC_ID_VERSION;
    const requested: RequestedPartition[] = [];
    for (const t of req.topics) {
      const topicKey = byId ? t.topicId : t.topic;
      for (const p of t.partitions) {
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

    const responseMaxBytes = req.maxBytes > 0 ? req.maxBytes : 0x7fffffff;
    const deadline = Date.now() + Math.min(Math.max(req.maxWaitMs, 0), MAX_FETCH_WAIT_MS);
    let pass = readAll(b, states, byId, responseMaxBytes);
    while (!pass.anyError && pass.totalBytes < Math.max(req.minBytes, 1) && Date.now() < deadline && pass.partitions.length > 0) {
      const woke = await b.partitions.waitForAppend(pass.partitions, deadline - Date.now());
      if (!woke) break;
      pass = readAll(b, states, byId, responseMaxBytes);
    }
    if (pass.partitions.length === 0 && !pass.anyError && states.length === 0 && req.maxWaitMs > 0) {
      // An empty session fetch still waits, as Kafka does, so idle consumers do not spin.
      await Bun.sleep(Math.min(req.maxWaitMs, MAX_FETCH_WAIT_MS));
    }

    const readCommitted = req.isolationLevel === READ_COMMITTED;
    const topics: { topic: string; topicId: string; partitions: unknown[] }[] = [];
    const byTopic = new Map<string, { topic: string; topicId: string; partitions: unknown[] }>();
    for (const r of pass.reads) {
      const include = b.fetchSessions.shouldInclude(r.state, incremental, {
        errorCode: r.errorCode,
        recordBytes: r.recordBytes,
        highWatermark: r.highWatermark,
        lastStableOffset: r.highWatermark,
        logStartOffset: r.logStartOffset,
      });
      if (!include) continue;
      let entry = byTopic.get(r.state.topicKey);
      if (!entry) {
        entry = { topic: r.topicName, topicId: r.topicId || r.state.topicKey, partitions: [] };
        byTopic.set(r.state.topicKey, entry);
        topics.push(entry);
      }
      entry.partitions.push({
        partitionIndex: r.state.partition,
        errorCode: r.errorCode,
        highWatermark: r.highWatermark,
        lastStableOffset: r.highWatermark,
        logStartOffset: r.logStartOffset,
        abortedTransactions: readCommitted ? [] : null,
        preferredReadReplica: -1,
        records: r.records.length > 0 ? r.records : new Uint8Array(0),
      });
    }
    if (!byId) for (const t of topics) t.topicId = "AAAAAAAAAAAAAAAAAAAAAA";
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId, responses: topics, nodeEndpoints: [] };
  },
};
