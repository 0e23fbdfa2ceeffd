/**
 * The file-descriptor budget for segment `.log` files: at most `maxOpen` are open at once in this
 * process; past it the least recently used segment's file is closed (preferring one with no
 * unflushed data and never one with an asynchronous flush in flight) and its mapping reference
 * dropped. The segment reopens its file, and maps it again, on its next use. Closing a file never
 * shrinks it, so views already handed out stay valid (see segment.ts: a mapped file never shrinks).
 */
import { DEFAULT_MAX_OPEN_SEGMENT_FILES } from "../limits.ts";

export interface BudgetedFile {
  /** Closes the descriptor (it reopens on next use); false when it cannot be closed now. */
  closeCold(): boolean;
  readonly hasUnflushedData: boolean;
}

export class SegmentFileBudget {
  /** Open files, least recently used first (a Map keeps insertion order; touch re-inserts). */
  private readonly open = new Map<BudgetedFile, true>();
  private closedCount = 0;

  constructor(private maxOpen: number = DEFAULT_MAX_OPEN_SEGMENT_FILES) {}

  get openCount(): number {
    return this.open.size;
  }

  /** Files closed by the budget so far (for tests and metrics). */
  get evictions(): number {
    return this.closedCount;
  }

  get limit(): number {
    return this.maxOpen;
  }

  setLimit(maxOpen: number): void {
    if (!(Number.isInteger(maxOpen) && maxOpen >= 2)) throw new RangeError(`segment file budget must be an integer >= 2, not ${maxOpen}`);
    this.maxOpen = maxOpen;
    this.evictBeyond(null);
  }

  /** `file` is (re)opened or used: it becomes the most recently used, and colder ones may close. */
  touch(file: BudgetedFile): void {
    if (this.open.has(file)) {
      this.open.delete(file);
      this.open.set(file, true);
      return;
    }
    this.open.set(file, true);
    this.evictBeyond(file);
  }

  /** `file` closed for good (segment closed or deleted). */
  forget(file: BudgetedFile): void {
    this.open.delete(file);
  }

  private evictBeyond(keep: BudgetedFile | null): void {
    while (this.open.size > this.maxOpen) {
      const victim = this.pickVictim(keep);
      if (victim === null) return; // every candidate is busy: over budget until one frees up
      this.open.delete(victim);
      this.closedCount++;
    }
  }

  private pickVictim(keep: BudgetedFile | null): BudgetedFile | null {
    // Clean files first; a file with unflushed data only when no clean one can close (its dirty
    // pages stay in the page cache and a later fsync through a new descriptor writes them).
    for (const clean of [true, false]) {
      for (const file of this.open.keys()) {
        if (file === keep || file.hasUnflushedData === clean) continue;
        if (file.closeCold()) return file;
      }
    }
    return null;
  }
}

/** The process-wide budget (descriptor limits are per process). */
export const segmentFiles = new SegmentFileBudget();
