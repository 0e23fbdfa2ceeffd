/**
 * The data types of the Raft core: log entries, hard state, snapshots, cluster configurations,
 * the messages peers exchange, and the Ready batch the core hands to its driver. Plain data only:
 * every value here is immutable once handed across the core's boundary, so drivers may keep
 * references (the core never mutates an Entry, a Snapshot or a Message after creating it).
 */

/** A node's identity inside one Raft group. Positive integers; 0 means "nobody". */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

/** "normal" carries application data; "conf" carries a complete encoded configuration (see config.ts). */
export type EntryKind = "normal" | "conf";

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What must be durable before a node speaks: the current term, the vote cast in it, the commit index. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/** Voters decide elections and commitment; learners only receive the log. Sorted, disjoint. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  /** Index and term of the last entry the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The configuration in force at `index`. */
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** Opaque application state as of `meta.index`. */
  readonly data: Uint8Array;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** AppendEntries (§5.3): entries after (prevIndex, prevTerm), plus the leader's commit index. */
export interface AppendMsg extends Envelope {
  readonly type: "append";
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Reply to append or snapshot. On success `index` is the highest index known to match the leader.
 * On rejection `index` is the rejected prevIndex and the hints drive fast backtracking: the
 * follower's term at prevIndex (`hintTerm`, 0 when its log is shorter) and the first index it holds
 * of that term (`hintIndex`, or its lastIndex+1 when its log is shorter).
 */
export interface AppendRespMsg extends Envelope {
  readonly type: "appendResp";
  readonly index: number;
  readonly reject: boolean;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** RequestVote (§5.2) and its pre-vote twin (dissertation §9.6). `transfer` bypasses the leader lease. */
export interface VoteMsg extends Envelope {
  readonly type: "vote" | "preVote";
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly transfer: boolean;
}

export interface VoteRespMsg extends Envelope {
  readonly type: "voteResp" | "preVoteResp";
  readonly reject: boolean;
}

/** Leader liveness and commit propagation; `readSeq` > 0 asks the follower to confirm a read-index round. */
export interface HeartbeatMsg extends Envelope {
  readonly type: "heartbeat";
  readonly commit: number;
  readonly readSeq: number;
}

export interface HeartbeatRespMsg extends Envelope {
  readonly type: "heartbeatResp";
  readonly readSeq: number;
}

/** InstallSnapshot (§7), sent whole. */
export interface SnapshotMsg extends Envelope {
  readonly type: "snapshot";
  readonly snapshot: Snapshot;
}

/** Leadership transfer (dissertation §3.10): "start an election now, skipping pre-vote". */
export interface TimeoutNowMsg extends Envelope {
  readonly type: "timeoutNow";
}

export type Message =
  | AppendMsg
  | AppendRespMsg
  | VoteMsg
  | VoteRespMsg
  | HeartbeatMsg
  | HeartbeatRespMsg
  | SnapshotMsg
  | TimeoutNowMsg;

export type MessageType = Message["type"];

/** A read-index result: once the state machine has applied `index`, the read `requestId` may be served. */
export interface ReadState {
  readonly requestId: number;
  readonly index: number;
}

export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId;
}

/**
 * Everything the driver must do, in this order: (1) persist `snapshot` (if any), `entries` and
 * `hardState` durably (fsync); (2) send `messages`; (3) restore the state machine from `snapshot` if
 * its index is above the applied index, then apply `committedEntries`; (4) call `advance()`.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

/** Approximate in-memory and on-wire size of an entry, used for the byte bounds on batches. */
export function entrySizeBytes(e: Entry): number {
  return e.data.length + 24;
}
