/**
 * Where a follower's log diverges from its leader's, from leader epochs alone (KIP-101, KIP-279,
 * KIP-320), sans I/O. Both sides keep a leader-epoch list: for each epoch, the first offset
 * written in it (storage/leader-epoch-cache.ts). Records at the same offset with the same epoch
 * are the same records (one leader per epoch, it only appends), so the logs agree up to the end
 * of the last epoch they share.
 *
 * Leader (on a follower Fetch carrying lastFetchedEpoch, Fetch v12+):
 *   (e, end) = endOffsetForEpoch(leader's epochs, lastFetchedEpoch)
 *   diverging when e < lastFetchedEpoch or end < fetchOffset: answer divergingEpoch {e, end}
 *   and no records.
 * Follower (on divergingEpoch {e, end}):
 *   (fe, fend) = endOffsetForEpoch(own epochs, e)
 *   fe === e            truncate to min(end, fend): done
 *   fe is another epoch truncate to fend and fetch again (the next round narrows it), as Kafka
 *   no epoch <= e       truncate to min(end, own LEO) (fe undefined)
 *   end undefined (-1)  the leader knows nothing of that epoch: truncate to the high watermark
 */

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_OFFSET = -1;

export interface EpochStart {
  epoch: number;
  startOffset: number;
}

export interface EpochEnd {
  epoch: number;
  endOffset: number;
}

/**
 * OffsetForLeaderEpoch on an epoch list: the largest epoch <= requested and where it ends (the
 * start of the next epoch, or the log end for the latest); undefined/-1 when requested is
 * undefined, above the latest epoch, or the list is empty.
 */
export function endOffsetForEpoch(entries: readonly EpochStart[], requested: number, logEndOffset: number): EpochEnd {
  const none = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET };
  if (requested === UNDEFINED_EPOCH || entries.length === 0) return none;
  const latest = entries[entries.length - 1]!;
  if (requested === latest.epoch) return { epoch: requested, endOffset: logEndOffset };
  let floor: EpochStart | undefined;
  let higher: EpochStart | undefined;
  for (const e of entries) {
    if (e.epoch <= requested) floor = e;
    else {
      higher = e;
      break;
    }
  }
  if (higher === undefined) return none;
  if (floor === undefined) return { epoch: requested, endOffset: higher.startOffset };
  return { epoch: floor.epoch, endOffset: higher.startOffset };
}

/** Leader side: the divergingEpoch to answer a follower's fetch with, or null when it may read. */
export function divergingEpoch(leaderEntries: readonly EpochStart[], leaderLogEndOffset: number, lastFetchedEpoch: number, fetchOffset: number): EpochEnd | null {
  if (lastFetchedEpoch < 0) return null;
  const end = endOffsetForEpoch(leaderEntries, lastFetchedEpoch, leaderLogEndOffset);
  if (end.epoch < lastFetchedEpoch || end.endOffset < fetchOffset) return end;
  return null;
}

export interface Truncation {
  /** Truncate the log to this offset (<= the log end). */
  offset: number;
  /** false: fetch again with the new latest epoch, the leader narrows it further. */
  complete: boolean;
}

/** Follower side: where to truncate on a divergingEpoch answer (header). */
export function truncationFor(ownEntries: readonly EpochStart[], ownLogEndOffset: number, ownHighWatermark: number, diverging: EpochEnd): Truncation {
  if (diverging.endOffset < 0 || diverging.epoch < 0) return { offset: Math.min(ownHighWatermark, ownLogEndOffset), complete: true };
  const own = endOffsetForEpoch(ownEntries, diverging.epoch, ownLogEndOffset);
  if (own.epoch === UNDEFINED_EPOCH) return { offset: Math.min(diverging.endOffset, ownLogEndOffset), complete: true };
  if (own.epoch !== diverging.epoch) return { offset: Math.min(own.endOffset, ownLogEndOffset), complete: false };
  return { offset: Math.min(diverging.endOffset, own.endOffset, ownLogEndOffset), complete: true };
}
