/**
 * The safety properties the simulator checks after every step (Raft paper Figure 3):
 *  - Election Safety: at most one leader per term.
 *  - Log Matching: entries with the same index and term are identical, as are their predecessors.
 *    Checked incrementally: every entry a node persists is compared with the first entry ever
 *    persisted at that (index, term) — same payload, same predecessor term — which by induction
 *    gives identical prefixes.
 *  - Leader Completeness: a newly elected leader holds every entry known committed.
 *  - State Machine Safety: no two nodes apply different entries at one index. Each node's state is a
 *    hash chain over applied entries; the chain value at each index must agree across nodes, and a
 *    snapshot's state must equal the chain at its index.
 * A violation throws SimViolation; the simulator adds the seed and trace.
 */
import type { Raft } from "../../../src/raft/raft.ts";
import type { Entry, NodeId } from "../../../src/raft/types.ts";

export class SimViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimViolation";
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function mixU32(h: number, v: number): number {
  for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((v >>> s) & 0xff), FNV_PRIME);
  return h >>> 0;
}

/** A hash identifying an entry's term, kind and payload. */
export function entryHash(e: Entry): number {
  let h = mixU32(FNV_OFFSET, e.term);
  h = mixU32(h, e.kind === "conf" ? 1 : 0);
  h = mixU32(h, e.data.length);
  for (let i = 0; i < e.data.length; i++) h = Math.imul(h ^ e.data[i]!, FNV_PRIME);
  return h >>> 0;
}

/** The state-machine hash after applying `e` on top of `prev`. */
export function chainHash(prev: number, e: Entry): number {
  return mixU32(mixU32(prev, e.index), entryHash(e));
}

export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> [predecessor term, entry hash]. */
  private readonly entries = new Map<number, [number, number]>();
  /** committedTerm[i] = term of the entry committed at index i (0 = unknown). */
  readonly committedTerm: number[] = [0];
  /** chain[i] = state-machine hash after applying index i (undefined = nobody applied it yet). */
  private readonly chain: number[] = [0];
  maxCommittedIndex = 0;
  checks = 0;

  leaderElected(id: NodeId, term: number, raft: Raft): void {
    this.checks++;
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== id) {
      throw new SimViolation(`election safety: nodes ${other} and ${id} both leader in term ${term}`);
    }
    this.leaderOfTerm.set(term, id);
    const log = raft.log;
    for (let i = log.snapshotIndex + 1; i <= this.maxCommittedIndex; i++) {
      const t = this.committedTerm[i];
      if (!t) continue;
      const mine = log.term(i);
      if (mine !== t) {
        throw new SimViolation(
          `leader completeness: leader ${id} of term ${term} has term ${mine} at committed index ${i} (committed term ${t})`,
        );
      }
    }
  }

  persisted(id: NodeId, e: Entry, prevTerm: number | undefined): void {
    this.checks++;
    if (prevTerm === undefined) throw new SimViolation(`node ${id} persisted entry ${e.index} with no predecessor`);
    const key = e.index * 1048576 + e.term;
    const h = entryHash(e);
    const seen = this.entries.get(key);
    if (!seen) {
      this.entries.set(key, [prevTerm, h]);
      return;
    }
    if (seen[0] !== prevTerm || seen[1] !== h) {
      throw new SimViolation(
        `log matching: node ${id} holds a different entry at index ${e.index} term ${e.term} (prev term ${prevTerm} vs ${seen[0]})`,
      );
    }
  }

  committed(id: NodeId, index: number, term: number): void {
    this.checks++;
    const known = this.committedTerm[index];
    if (known && known !== term) {
      throw new SimViolation(`state machine safety: node ${id} committed term ${term} at index ${index}, others term ${known}`);
    }
    this.committedTerm[index] = term;
    if (index > this.maxCommittedIndex) this.maxCommittedIndex = index;
  }

  applied(id: NodeId, index: number, hash: number): void {
    this.checks++;
    const known = this.chain[index];
    if (known === undefined) this.chain[index] = hash;
    else if (known !== hash) throw new SimViolation(`state machine safety: node ${id} applied a different entry at index ${index}`);
  }

  snapshotInstalled(id: NodeId, index: number, hash: number): void {
    this.checks++;
    const known = this.chain[index];
    if (known === undefined) this.chain[index] = hash;
    else if (known !== hash) throw new SimViolation(`state machine safety: node ${id} installed a snapshot at ${index} with a different state`);
  }
}
