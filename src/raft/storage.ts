/**
 * Durable storage for one node's Raft state, behind one small interface, plus the in-memory
 * implementation the simulator and tests use.
 *
 * Contract of `save(hardState, entries, snapshot)` — one atomic, durable write per Ready:
 *  1. snapshot (if any): drop every entry with index <= snapshot index; if the store did not hold
 *     an entry at the snapshot's (index, term), drop every entry (the log is replaced wholesale).
 *  2. entries (if any): drop every stored entry with index >= entries[0].index, then append them.
 *  3. hardState (if any): replace the stored one.
 * It returns only once the write is durable (fsync); it throws if that cannot be guaranteed, and the
 * caller must then crash the node: whether the write survived is unknown, and nothing that depends on
 * it may have been sent.
 */
import type { Entry, HardState, Snapshot } from "./types.ts";

export interface StoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export interface LogStore {
  load(): StoredState;
  save(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void;
  close(): void;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: 0, commit: 0 };

/**
 * The pure state transition of `save`, shared by every store so they agree exactly. Mutates
 * `state.entries` in place and returns the new state.
 */
export function applySave(
  state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] },
  hardState: HardState | null,
  entries: readonly Entry[],
  snapshot: Snapshot | null,
): void {
  if (snapshot) {
    const first = state.entries.length > 0 ? state.entries[0]!.index : 0;
    const at = snapshot.meta.index - first;
    const held = state.entries.length > 0 && at >= 0 && at < state.entries.length && state.entries[at]!.term === snapshot.meta.term;
    if (held) state.entries.splice(0, at + 1);
    else state.entries.length = 0;
    state.snapshot = snapshot;
  }
  if (entries.length > 0) {
    const from = entries[0]!.index;
    const first = state.entries.length > 0 ? state.entries[0]!.index : from;
    const keep = Math.max(0, Math.min(state.entries.length, from - first));
    state.entries.length = keep;
    const expected = keep > 0 ? state.entries[keep - 1]!.index + 1 : (state.snapshot?.meta.index ?? 0) + 1;
    if (keep > 0 && from !== expected) throw new Error(`save would leave a gap: ${from} after ${expected - 1}`);
    for (const e of entries) state.entries.push(e);
  }
  if (hardState) state.hardState = hardState;
}

/** Durable only for the life of the object: the simulator's disk. */
export class MemoryStore implements LogStore {
  private state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] } = {
    hardState: EMPTY_HARD_STATE,
    snapshot: null,
    entries: [],
  };

  load(): StoredState {
    return { hardState: this.state.hardState, snapshot: this.state.snapshot, entries: [...this.state.entries] };
  }

  save(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void {
    applySave(this.state, hardState, entries, snapshot);
  }

  /** Number of stored entries (for tests). */
  entryCount(): number {
    return this.state.entries.length;
  }

  close(): void {}
}
