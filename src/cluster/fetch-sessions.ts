/**
 * Incremental fetch sessions (KIP-227). A client that opens a session (sessionEpoch 0) sends its
 * whole partition list once; later requests (epoch 1, 2, ...) name only partitions whose fetch
 * state changed plus those to forget, and responses carry only partitions with something new.
 *
 *   sessionEpoch -1  full fetch, no session (closes sessionId if given)
 *   sessionEpoch  0  full fetch that opens a new session (closes sessionId if given)
 *   sessionEpoch  n  incremental fetch in session sessionId, whose expected epoch must be n
 *
 * A partition is included in an incremental response when it has records or an error, or when
 * its high watermark, last stable offset or log start offset differs from what the session last
 * sent. The cache is bounded (slots) and evicts the least recently used session.
 */
import { ErrorCode } from "../protocol/errors.ts";

/** max.incremental.fetch.session.cache.slots default. */
export const MAX_FETCH_SESSIONS = 1000;
/** Partitions one session may hold at most. */
export const MAX_PARTITIONS_PER_FETCH_SESSION = 100_000;

export const FINAL_EPOCH = -1;
export const INITIAL_EPOCH = 0;

export interface FetchPartitionState {
  /** Topic as the request names it: the topic id (v13+) or the name. */
  topicKey: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the session last told the client (undefined before the first response). */
  sentHighWatermark?: bigint;
  sentLastStableOffset?: bigint;
  sentLogStartOffset?: bigint;
}

export interface FetchSession {
  id: number;
  /** The epoch the next request must carry. */
  nextEpoch: number;
  partitions: Map<string, FetchPartitionState>;
  lastUsedMs: number;
}

export interface RequestedPartition {
  topicKey: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
}

export interface ForgottenTopic {
  topicKey: string;
  partitions: number[];
}

export type SessionResolution =
  | { ok: false; errorCode: number; sessionId: 0 }
  | {
      ok: true;
      errorCode: 0;
      /** Session id to answer with (0 when sessionless). */
      sessionId: number;
      incremental: boolean;
      session: FetchSession | null;
      /** Partitions to read, in the request's order for full fetches. */
      partitions: FetchPartitionState[];
    };

export function partitionKey(topicKey: string, partition: number): string {
  return `${topicKey}\u0000${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(private readonly maxSessions = MAX_FETCH_SESSIONS) {}

  get size(): number {
    return this.sessions.size;
  }

  resolve(sessionId: number, sessionEpoch: number, requested: RequestedPartition[], forgotten: ForgottenTopic[], nowMs: number): SessionResolution {
    if (sessionEpoch === FINAL_EPOCH || sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      const partitions = requested.map((p) => ({ ...p }));
      if (sessionEpoch === FINAL_EPOCH || partitions.length > MAX_PARTITIONS_PER_FETCH_SESSION) {
        return { ok: true, errorCode: 0, sessionId: 0, incremental: false, session: null, partitions };
      }
      const session = this.create(partitions, nowMs);
      return { ok: true, errorCode: 0, sessionId: session.id, incremental: false, session, partitions };
    }
    const session = this.sessions.get(sessionId);
    if (!session) return { ok: false, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 };
    if (session.nextEpoch !== sessionEpoch) return { ok: false, errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: 0 };
    for (const f of forgotten) for (const p of f.partitions) session.partitions.delete(partitionKey(f.topicKey, p));
    for (const p of requested) {
      const key = partitionKey(p.topicKey, p.partition);
      const existing = session.partitions.get(key);
      if (existing) {
        existing.fetchOffset = p.fetchOffset;
        existing.partitionMaxBytes = p.partitionMaxBytes;
        existing.currentLeaderEpoch = p.currentLeaderEpoch;
      } else if (session.partitions.size < MAX_PARTITIONS_PER_FETCH_SESSION) {
        session.partitions.set(key, { ...p });
      }
    }
    session.nextEpoch = sessionEpoch === 2 ** 31 - 1 ? 1 : sessionEpoch + 1;
    this.touch(session, nowMs);
    return { ok: true, errorCode: 0, sessionId: session.id, incremental: true, session, partitions: [...session.partitions.values()] };
  }

  /**
   * After a partition was read: whether an incremental response must include it, and the
   * session's memory of what was sent is updated. Full fetches include every partition.
   */
  shouldInclude(
    state: FetchPartitionState,
    incremental: boolean,
    result: { errorCode: number; recordBytes: number; highWatermark: bigint; lastStableOffset: bigint; logStartOffset: bigint },
  ): boolean {
    const changed =
      state.sentHighWatermark !== result.highWatermark ||
      state.sentLastStableOffset !== result.lastStableOffset ||
      state.sentLogStartOffset !== result.logStartOffset;
    state.sentHighWatermark = result.highWatermark;
    state.sentLastStableOffset = result.lastStableOffset;
    state.sentLogStartOffset = result.logStartOffset;
    if (!incremental) return true;
    return result.recordBytes > 0 || result.errorCode !== 0 || changed;
  }

  /** Drops every session's state for a topic (deleted topics). */
  forgetTopic(topicKey: string): void {
    for (const s of this.sessions.values()) {
      for (const [k, p] of s.partitions) if (p.topicKey === topicKey) s.partitions.delete(k);
    }
  }

  private create(partitions: FetchPartitionState[], nowMs: number): FetchSession {
    if (this.sessions.size >= this.maxSessions) {
      // Map iteration order is least recently used first (touch re-inserts).
      const oldest = this.sessions.keys().next().value as number;
      this.sessions.delete(oldest);
    }
    let id = this.nextId;
    while (this.sessions.has(id) || id === 0) id = id >= 2 ** 31 - 1 ? 1 : id + 1;
    this.nextId = id >= 2 ** 31 - 1 ? 1 : id + 1;
    const session: FetchSession = { id, nextEpoch: 1, partitions: new Map(), lastUsedMs: nowMs };
    for (const p of partitions) session.partitions.set(partitionKey(p.topicKey, p.partition), p);
    this.sessions.set(id, session);
    return session;
  }

  private touch(s: FetchSession, nowMs: number): void {
    s.lastUsedMs = nowMs;
    this.sessions.delete(s.id);
    this.sessions.set(s.id, s);
  }
}
