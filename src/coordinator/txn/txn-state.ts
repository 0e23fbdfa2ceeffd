/**
 * The transaction coordinator's state machine, pure: no clock, no disk, no network. Every request
 * is checked against a transactional id's metadata and either answered at once (an error, or NONE
 * with nothing to change) or turned into a Transition: the metadata it is to become. The caller
 * (txn-coordinator.ts) writes the transition's record to __transaction_state and then `complete`s
 * it (or `abandon`s it when the write failed); while a transition is in flight the id is
 * "pending" and every other request for it answers CONCURRENT_TRANSACTIONS, as in Kafka.
 *
 *   Empty ──AddPartitions──> Ongoing ──EndTxn(commit)──> PrepareCommit ──markers──> CompleteCommit
 *     ^                        │   └────EndTxn(abort) / timeout / InitProducerId──> PrepareAbort ──markers──> CompleteAbort
 *     └──InitProducerId────────┴──────────── (from Empty, CompleteCommit, CompleteAbort)
 *   Complete* ──AddPartitions──> Ongoing (the next transaction);  Empty / Complete* ──expiry──> Dead
 *
 * Fencing (Kafka's TransactionCoordinator / TransactionMetadata, transaction version 1):
 *  - InitProducerId bumps the epoch (a new id starts at epoch -1, so its first epoch is 0); when
 *    the epoch is exhausted (>= 32766) a fresh producer id with epoch 0 replaces it.
 *  - InitProducerId while a transaction is Ongoing bumps the epoch and aborts it (PrepareEpochFence
 *    on the way, never answered to a client) and answers CONCURRENT_TRANSACTIONS; the retry bumps again.
 *  - KIP-360: InitProducerId v3+ with the producer's own id and epoch bumps the epoch (recovery
 *    after an abortable error); with the previous epoch of a bump it answers the current one (a
 *    retry of a lost answer); anything else is PRODUCER_FENCED.
 *  - A request with another producer id answers INVALID_PRODUCER_ID_MAPPING, with another epoch
 *    PRODUCER_FENCED (handlers answer INVALID_PRODUCER_EPOCH to versions before PRODUCER_FENCED).
 *  - A timed-out Ongoing transaction is aborted with a bumped epoch, so its producer is fenced.
 *  - KIP-890 part 2 (transaction version 2, EndTxn v5): every end bumps the epoch; the markers
 *    carry the bumped epoch and the answer names it; a retry with the previous epoch of a
 *    finished transaction of the same result answers NONE.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { TXN_MAX_PARTITIONS_PER_TRANSACTION, TXN_MAX_TRANSACTIONAL_IDS } from "../../limits.ts";
import type { TxnLogValue } from "./txn-log.ts";

export type TxnStateName = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort" | "Dead" | "PrepareEpochFence";

/** Kafka's TransactionState ids, as written in TransactionLogValue.TransactionStatus. */
export const TXN_STATE_IDS: Record<TxnStateName, number> = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
};
const STATE_BY_ID = new Map(Object.entries(TXN_STATE_IDS).map(([k, v]) => [v, k as TxnStateName]));

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
/** Kafka's TransactionMetadata.isEpochExhausted: an epoch at or past Short.MAX_VALUE - 1 cannot be bumped. */
export const MAX_PRODUCER_EPOCH = 32766;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH;
}

/** One transactional id's metadata (immutable; a transition makes a new one). */
export interface TxnMeta {
  transactionalId: string;
  producerId: bigint;
  /** The producer id before the last rotation (epoch exhaustion), -1 if none. */
  previousProducerId: bigint;
  producerEpoch: number;
  /** The epoch before the last bump (a retry of that bump is answered, not fenced); memory only. */
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnStateName;
  /** topic -> partitions in the transaction. */
  partitions: ReadonlyMap<string, ReadonlySet<number>>;
  /** When the ongoing transaction started (its first AddPartitions/AddOffsets), -1 when none. */
  startMs: number;
  lastUpdateMs: number;
  /** 0/1 (KIP-890 part 1 and before) or 2 (EndTxn v5). */
  clientTransactionVersion: number;
}

export interface Transition {
  transactionalId: string;
  from: TxnMeta;
  to: TxnMeta;
}

export type Step = { errorCode: number; transition: Transition | null };

export interface InitAnswer extends Step {
  producerId: bigint;
  producerEpoch: number;
  /** The state machine needs a fresh producer id (a new transactional id, an exhausted epoch): ask again with one. */
  needsProducerId: boolean;
}

export interface EndAnswer extends Step {
  /** The producer id and epoch the client continues with (EndTxn v5 answers them). */
  producerId: bigint;
  producerEpoch: number;
}

export interface TopicPartitionsRequest {
  topic: string;
  partitions: number[];
}

export function partitionCount(m: TxnMeta): number {
  let n = 0;
  for (const s of m.partitions.values()) n += s.size;
  return n;
}

export function hasPartition(m: TxnMeta, topic: string, partition: number): boolean {
  return m.partitions.get(topic)?.has(partition) ?? false;
}

const EMPTY_PARTITIONS: ReadonlyMap<string, ReadonlySet<number>> = new Map();

/** The record value of a metadata. */
export function toLogValue(m: TxnMeta): TxnLogValue {
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: NO_PRODUCER_ID,
    producerEpoch: m.producerEpoch,
    nextProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs: m.timeoutMs,
    status: TXN_STATE_IDS[m.state],
    partitions: m.state === "Empty" ? null : [...m.partitions].map(([topic, ps]) => ({ topic, partitionIds: [...ps].sort((a, b) => a - b) })),
    lastUpdateTimestampMs: m.lastUpdateMs,
    startTimestampMs: m.startMs,
    clientTransactionVersion: m.clientTransactionVersion,
  };
}

/** The metadata a record holds, or null for a status this broker does not know. */
export function fromLogValue(transactionalId: string, v: TxnLogValue): TxnMeta | null {
  const state = STATE_BY_ID.get(v.status);
  if (!state) return null;
  const partitions = new Map<string, Set<number>>();
  for (const t of v.partitions ?? []) {
    let s = partitions.get(t.topic);
    if (!s) partitions.set(t.topic, (s = new Set()));
    for (const p of t.partitionIds) s.add(p);
  }
  return {
    transactionalId,
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    producerEpoch: v.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    timeoutMs: v.timeoutMs,
    state,
    partitions,
    startMs: v.startTimestampMs,
    lastUpdateMs: v.lastUpdateTimestampMs,
    clientTransactionVersion: v.clientTransactionVersion,
  };
}

/**
 * Every transactional id this coordinator holds, with the transition in flight for each. Bounded
 * by TXN_MAX_TRANSACTIONAL_IDS ids and TXN_MAX_PARTITIONS_PER_TRANSACTION partitions each.
 */
export class TxnStateMachine {
  private readonly byId = new Map<string, TxnMeta>();
  private readonly pending = new Map<string, Transition>();

  get size(): number {
    return this.byId.size;
  }

  get(transactionalId: string): TxnMeta | undefined {
    return this.byId.get(transactionalId);
  }

  pendingOf(transactionalId: string): Transition | undefined {
    return this.pending.get(transactionalId);
  }

  all(): IterableIterator<TxnMeta> {
    return this.byId.values();
  }

  /** Puts a replayed record's metadata in place (load); null removes the id (a tombstone). */
  restore(transactionalId: string, m: TxnMeta | null): void {
    this.pending.delete(transactionalId);
    if (m) this.byId.set(transactionalId, m);
    else this.byId.delete(transactionalId);
  }

  /** Drops ids (a partition this coordinator no longer leads); returns how many. */
  unload(matches: (transactionalId: string) => boolean): number {
    let n = 0;
    for (const id of [...this.byId.keys()]) {
      if (!matches(id)) continue;
      this.byId.delete(id);
      this.pending.delete(id);
      n++;
    }
    return n;
  }

  /** The transition's record is durable: its metadata becomes current. */
  complete(t: Transition): void {
    if (this.pending.get(t.transactionalId) !== t) return;
    this.pending.delete(t.transactionalId);
    if (t.to.state === "Dead") this.byId.delete(t.transactionalId);
    else this.byId.set(t.transactionalId, t.to);
  }

  /** The transition's record could not be written: the metadata stays as it was. */
  abandon(t: Transition): void {
    if (this.pending.get(t.transactionalId) === t) this.pending.delete(t.transactionalId);
  }

  private begin(from: TxnMeta, to: TxnMeta): Transition {
    const t = { transactionalId: from.transactionalId, from, to };
    this.pending.set(from.transactionalId, t);
    return t;
  }

  // ------------------------------------------------------------------ InitProducerId

  /**
   * InitProducerId with a transactional id. `expected` is the v3+ producer id and epoch (null when
   * both are -1). `freshProducerId` is used when the id is new or its epoch is exhausted; without
   * one such a request answers needsProducerId.
   */
  initProducerId(transactionalId: string, timeoutMs: number, expected: { producerId: bigint; epoch: number } | null, nowMs: number, freshProducerId: bigint | null): InitAnswer {
    const fail = (errorCode: number): InitAnswer => ({ errorCode, transition: null, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, needsProducerId: false });
    let m = this.byId.get(transactionalId);
    if (!m) {
      if (this.byId.size >= TXN_MAX_TRANSACTIONAL_IDS) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (freshProducerId === null) return { ...fail(ErrorCode.NONE), needsProducerId: true };
      // As Kafka, a new id is held in memory at epoch -1 before its first record is written.
      m = {
        transactionalId,
        producerId: freshProducerId,
        previousProducerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        timeoutMs,
        state: "Empty",
        partitions: EMPTY_PARTITIONS,
        startMs: -1,
        lastUpdateMs: nowMs,
        clientTransactionVersion: 0,
      };
      this.byId.set(transactionalId, m);
      freshProducerId = null;
    }
    if (this.pending.has(transactionalId)) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected) {
      // A retry of a rotation whose answer was lost: the previous id at an exhausted epoch.
      const rotatedRetry = expected.producerId === m.previousProducerId && isEpochExhausted(expected.epoch);
      if (rotatedRetry && (m.state === "Empty" || m.state === "CompleteCommit" || m.state === "CompleteAbort")) {
        return { errorCode: ErrorCode.NONE, transition: null, producerId: m.producerId, producerEpoch: m.producerEpoch, needsProducerId: false };
      }
      if (m.producerEpoch !== NO_PRODUCER_EPOCH && expected.producerId !== m.producerId) return fail(ErrorCode.PRODUCER_FENCED);
    }
    switch (m.state) {
      case "PrepareCommit":
      case "PrepareAbort":
      case "PrepareEpochFence":
      case "Dead":
        return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
      case "Ongoing": {
        // Fence the producer of the ongoing transaction and abort it; the client retries and bumps again.
        const epoch = isEpochExhausted(m.producerEpoch) ? m.producerEpoch : m.producerEpoch + 1;
        const t = this.begin(m, { ...m, producerEpoch: epoch, lastProducerEpoch: m.producerEpoch, state: "PrepareAbort", lastUpdateMs: nowMs });
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, transition: t, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, needsProducerId: false };
      }
      default:
        break;
    }
    const base = { ...m, timeoutMs, state: "Empty" as const, partitions: EMPTY_PARTITIONS, startMs: -1, lastUpdateMs: nowMs };
    if (isEpochExhausted(m.producerEpoch)) {
      if (freshProducerId === null) return { ...fail(ErrorCode.NONE), needsProducerId: true };
      const to = { ...base, producerId: freshProducerId, previousProducerId: m.producerId, producerEpoch: 0, lastProducerEpoch: NO_PRODUCER_EPOCH };
      return { errorCode: ErrorCode.NONE, transition: this.begin(m, to), producerId: to.producerId, producerEpoch: 0, needsProducerId: false };
    }
    let epoch: number;
    let lastEpoch: number;
    if (!expected || m.producerEpoch === NO_PRODUCER_EPOCH || expected.epoch === m.producerEpoch) {
      epoch = m.producerEpoch + 1;
      lastEpoch = expected ? m.producerEpoch : NO_PRODUCER_EPOCH;
    } else if (expected.epoch === m.lastProducerEpoch) {
      epoch = m.producerEpoch; // the retry of a bump whose answer was lost
      lastEpoch = m.lastProducerEpoch;
    } else {
      return fail(ErrorCode.PRODUCER_FENCED);
    }
    const to = { ...base, producerEpoch: epoch, lastProducerEpoch: lastEpoch };
    return { errorCode: ErrorCode.NONE, transition: this.begin(m, to), producerId: m.producerId, producerEpoch: epoch, needsProducerId: false };
  }

  // ------------------------------------------------------------------ AddPartitionsToTxn / AddOffsetsToTxn

  /** The checks every request of a producer's transaction shares: NONE or the error. */
  private producerError(m: TxnMeta | undefined, producerId: bigint, producerEpoch: number): number {
    if (!m || m.state === "Dead") return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn, whose partition is the group's __consumer_offsets one). */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartitionsRequest[], nowMs: number): Step {
    const m = this.byId.get(transactionalId);
    const refused = this.producerError(m, producerId, producerEpoch);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, transition: null };
    if (this.pending.has(transactionalId)) return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, transition: null };
    switch (m!.state) {
      case "PrepareCommit":
      case "PrepareAbort":
      case "PrepareEpochFence":
        return { errorCode: ErrorCode.CONCURRENT_TRANSACTIONS, transition: null };
      default:
        break;
    }
    const cur = m!;
    const merged = new Map<string, Set<number>>();
    if (cur.state === "Ongoing") for (const [t, ps] of cur.partitions) merged.set(t, new Set(ps));
    let added = 0;
    let total = cur.state === "Ongoing" ? partitionCount(cur) : 0;
    for (const tp of partitions) {
      let s = merged.get(tp.topic);
      for (const p of tp.partitions) {
        if (s?.has(p)) continue;
        if (total >= TXN_MAX_PARTITIONS_PER_TRANSACTION) return { errorCode: ErrorCode.INVALID_REQUEST, transition: null };
        if (!s) merged.set(tp.topic, (s = new Set()));
        s.add(p);
        added++;
        total++;
      }
    }
    if (cur.state === "Ongoing" && added === 0) return { errorCode: ErrorCode.NONE, transition: null };
    const startMs = cur.state === "Ongoing" ? cur.startMs : nowMs;
    return { errorCode: ErrorCode.NONE, transition: this.begin(cur, { ...cur, state: "Ongoing", partitions: merged, startMs, lastUpdateMs: nowMs }) };
  }

  /**
   * Whether `topic`/`partition` is in the ongoing transaction of this producer (the produce path's
   * check, and AddPartitionsToTxn v4+ verify_only): NONE, INVALID_TXN_STATE when it is not, or the
   * producer's error.
   */
  verify(transactionalId: string, producerId: bigint, producerEpoch: number, topic: string, partition: number): number {
    const m = this.byId.get(transactionalId);
    const refused = this.producerError(m, producerId, producerEpoch);
    if (refused !== ErrorCode.NONE) return refused;
    if (m!.state !== "Ongoing" || !hasPartition(m!, topic, partition)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ EndTxn

  /**
   * EndTxn. `clientTransactionVersion` 2 (EndTxn v5) bumps the epoch on every end. A Prepare*
   * transition, once complete, needs its markers written (then `completeMarkers`).
   */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, nowMs: number, clientTransactionVersion = 1): EndAnswer {
    const m = this.byId.get(transactionalId);
    const answer = (errorCode: number, transition: Transition | null = null, cur: TxnMeta | undefined = m): EndAnswer => ({
      errorCode,
      transition,
      producerId: transition ? transition.to.producerId : (cur?.producerId ?? NO_PRODUCER_ID),
      producerEpoch: transition ? transition.to.producerEpoch : (cur?.producerEpoch ?? NO_PRODUCER_EPOCH),
    });
    const tv2 = clientTransactionVersion >= 2;
    if (!m || m.state === "Dead" || m.producerId !== producerId) return answer(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const done = commit ? "CompleteCommit" : "CompleteAbort";
    const preparing = commit ? "PrepareCommit" : "PrepareAbort";
    // Transaction version 2: the end of the last transaction bumped the epoch; its retry comes with the one before.
    const tv2Retry = tv2 && producerEpoch === m.producerEpoch - 1 && (m.state === done || m.state === preparing) && m.clientTransactionVersion >= 2;
    if (m.producerEpoch !== producerEpoch && !tv2Retry) return answer(ErrorCode.PRODUCER_FENCED);
    if (this.pending.has(transactionalId)) return answer(ErrorCode.CONCURRENT_TRANSACTIONS);
    switch (m.state) {
      case "Ongoing": {
        if (tv2 && isEpochExhausted(m.producerEpoch)) return answer(ErrorCode.INVALID_TXN_STATE);
        const epoch = tv2 ? m.producerEpoch + 1 : m.producerEpoch;
        const to: TxnMeta = { ...m, state: preparing, producerEpoch: epoch, lastProducerEpoch: tv2 ? m.producerEpoch : m.lastProducerEpoch, lastUpdateMs: nowMs, clientTransactionVersion: tv2 ? 2 : m.clientTransactionVersion };
        return answer(ErrorCode.NONE, this.begin(m, to));
      }
      case "CompleteCommit":
      case "CompleteAbort":
        // Version 1: ending it again with the same result is a retry. Version 2: a retry comes with
        // the previous epoch; at the current epoch an abort is a new, empty transaction's end.
        if (!tv2 || tv2Retry) return answer(m.state === done ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
        if (!commit && !isEpochExhausted(m.producerEpoch)) return answer(ErrorCode.NONE, this.emptyAbort(m, nowMs));
        return answer(ErrorCode.INVALID_TXN_STATE);
      case "PrepareCommit":
      case "PrepareAbort":
        return answer(m.state === preparing ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case "Empty":
        // Transaction version 2: an abort with nothing added is a valid end (it bumps the epoch).
        if (tv2 && !commit && !isEpochExhausted(m.producerEpoch)) return answer(ErrorCode.NONE, this.emptyAbort(m, nowMs));
        return answer(ErrorCode.INVALID_TXN_STATE);
      default:
        return answer(ErrorCode.INVALID_TXN_STATE);
    }
  }

  /** Transaction version 2's abort of a transaction with nothing added: PrepareAbort at a bumped epoch, no partitions. */
  private emptyAbort(m: TxnMeta, nowMs: number): Transition {
    const to: TxnMeta = { ...m, state: "PrepareAbort", partitions: EMPTY_PARTITIONS, producerEpoch: m.producerEpoch + 1, lastProducerEpoch: m.producerEpoch, lastUpdateMs: nowMs, startMs: nowMs, clientTransactionVersion: 2 };
    return this.begin(m, to);
  }

  /** After the markers of a Prepare* transaction are written: the transition to Complete*. Null when the id moved on. */
  completeMarkers(transactionalId: string, producerId: bigint, producerEpoch: number, nowMs: number): Transition | null {
    const m = this.byId.get(transactionalId);
    if (!m || this.pending.has(transactionalId) || m.producerId !== producerId || m.producerEpoch !== producerEpoch) return null;
    if (m.state !== "PrepareCommit" && m.state !== "PrepareAbort") return null;
    const state = m.state === "PrepareCommit" ? "CompleteCommit" : "CompleteAbort";
    return this.begin(m, { ...m, state, partitions: EMPTY_PARTITIONS, lastUpdateMs: nowMs });
  }

  // ------------------------------------------------------------------ the coordinator's own clock

  /** Ongoing transactions past their timeout at `nowMs` (not pending), oldest first. */
  timedOut(nowMs: number): TxnMeta[] {
    const out: TxnMeta[] = [];
    for (const m of this.byId.values()) {
      if (m.state === "Ongoing" && !this.pending.has(m.transactionalId) && m.startMs + m.timeoutMs < nowMs) out.push(m);
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /** Aborts a timed-out transaction with a bumped epoch (the producer is fenced). Null when it is no longer one. */
  abortTimedOut(transactionalId: string, nowMs: number): Transition | null {
    const m = this.byId.get(transactionalId);
    if (!m || m.state !== "Ongoing" || this.pending.has(transactionalId) || m.startMs + m.timeoutMs >= nowMs) return null;
    const epoch = isEpochExhausted(m.producerEpoch) ? m.producerEpoch : m.producerEpoch + 1;
    return this.begin(m, { ...m, state: "PrepareAbort", producerEpoch: epoch, lastProducerEpoch: m.producerEpoch, lastUpdateMs: nowMs });
  }

  /** Ids with no transaction (Empty, Complete*) not used for `expirationMs`: each a transition to Dead (a tombstone). */
  expire(nowMs: number, expirationMs: number, max: number): Transition[] {
    const out: Transition[] = [];
    for (const m of this.byId.values()) {
      if (out.length >= max) break;
      if (this.pending.has(m.transactionalId)) continue;
      if (m.state !== "Empty" && m.state !== "CompleteCommit" && m.state !== "CompleteAbort") continue;
      if (m.lastUpdateMs + expirationMs >= nowMs) continue;
      out.push(this.begin(m, { ...m, state: "Dead", lastUpdateMs: nowMs }));
    }
    return out;
  }
}
