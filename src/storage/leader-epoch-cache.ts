/**
 * Leader epochs of a partition: for each epoch, the first offset written in it. Answers
 * OffsetForLeaderEpoch and is truncated with the log.
 *
 * File `leader-epoch-checkpoint` (Kafka's format), replaced atomically on every change:
 *   0                   version
 *   <count>
 *   <epoch> <startOffset>   one line per epoch, both increasing
 */
import path from "node:path";
import { MAX_LEADER_EPOCH_ENTRIES } from "./config.ts";
import { readTextIfExists, writeFileDurably } from "./file-io.ts";

export const LEADER_EPOCH_FILE = "leader-epoch-checkpoint";
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly filePath: string;

  constructor(dir: string) {
    this.filePath = path.join(dir, LEADER_EPOCH_FILE);
    this.entries = parse(readTextIfExists(this.filePath));
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].epoch : UNDEFINED_EPOCH;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A new epoch above the latest is appended; entries
   * that conflict with it (an epoch >= it, or a start offset >= it) are dropped first, as Kafka does.
   */
  assign(epoch: number, startOffset: number): void {
    const last = this.entries[this.entries.length - 1];
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return;
    if (last !== undefined && last.epoch > epoch && last.startOffset <= startOffset) return; // stale epoch
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > MAX_LEADER_EPOCH_ENTRIES) this.entries.shift();
    this.persist();
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= requested and the end offset of that epoch (the start
   * of the next higher epoch, or the log end offset for the latest epoch).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { leaderEpoch: number; endOffset: number } {
    const undefinedAnswer = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedAnswer;
    if (requestedEpoch === this.latestEpoch()) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return undefinedAnswer;
    let floor: EpochEntry | undefined;
    for (const e of this.entries) if (e.epoch <= requestedEpoch) floor = e;
    return { leaderEpoch: floor === undefined ? requestedEpoch : floor.epoch, endOffset: higher.startOffset };
  }

  /** After a log truncation to `endOffset`: drops epochs that start at or past it. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.persist();
  }

  /** After the log start moved to `startOffset`: epochs wholly before it go, the one spanning it starts there. */
  truncateFromStart(startOffset: number): void {
    let lastBefore = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i].startOffset < startOffset) lastBefore = i;
    if (lastBefore < 0) return;
    const kept = this.entries.slice(lastBefore);
    kept[0] = { epoch: kept[0].epoch, startOffset };
    this.entries = kept;
    this.persist();
  }

  /** Forgets everything (log deleted or truncated fully). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.persist();
  }

  private persist(): void {
    const lines = ["0", String(this.entries.length), ...this.entries.map((e) => `${e.epoch} ${e.startOffset}`)];
    writeFileDurably(this.filePath, `${lines.join("\n")}\n`);
  }
}

function parse(text: string | null): EpochEntry[] {
  if (text === null) return [];
  const lines = text.trim().split("\n");
  if (lines[0] !== "0") return [];
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_LEADER_EPOCH_ENTRIES || lines.length !== count + 2) {
    return [];
  }
  const entries: EpochEntry[] = [];
  for (const line of lines.slice(2)) {
    const [epoch, startOffset] = line.split(" ").map(Number);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset)) return [];
    const prev = entries[entries.length - 1];
    if (prev !== undefined && (epoch <= prev.epoch || startOffset < prev.startOffset)) return [];
    entries.push({ epoch, startOffset });
  }
  return entries;
}
