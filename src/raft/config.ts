/**
 * Cluster configurations and quorum arithmetic.
 *
 * Membership changes are single-server changes (dissertation §4.1): each configuration entry
 * differs from the previous one by at most one voter, so any two successive majorities overlap and
 * no joint phase is needed. A configuration entry carries the *complete* new ConfState (not a
 * delta), takes effect on a node as soon as it is appended to that node's log (not when committed),
 * and is reverted if that log suffix is truncated. Learners (non-voters) receive the log but are
 * never counted in elections or commitment; a learner is promoted once it has caught up.
 */
import type { ConfState, NodeId } from "./types.ts";

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

export type ConfChange =
  | { readonly kind: "addLearner"; readonly node: NodeId }
  | { readonly kind: "addVoter"; readonly node: NodeId }
  | { readonly kind: "promote"; readonly node: NodeId }
  | { readonly kind: "remove"; readonly node: NodeId };

function sortedWith(ids: readonly NodeId[], id: NodeId): NodeId[] {
  return [...ids.filter((x) => x !== id), id].sort((a, b) => a - b);
}

function without(ids: readonly NodeId[], id: NodeId): NodeId[] {
  return ids.filter((x) => x !== id);
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** The configuration after `change`, or an error string when the change is not a single-server step. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState | string {
  const id = change.node;
  if (!Number.isInteger(id) || id <= 0) return `invalid node id ${id}`;
  switch (change.kind) {
    case "addLearner":
      if (isMember(conf, id)) return `node ${id} is already a member`;
      return { voters: [...conf.voters], learners: sortedWith(conf.learners, id) };
    case "addVoter":
      if (isVoter(conf, id)) return `node ${id} is already a voter`;
      return { voters: sortedWith(conf.voters, id), learners: without(conf.learners, id) };
    case "promote":
      if (!conf.learners.includes(id)) return `node ${id} is not a learner`;
      return { voters: sortedWith(conf.voters, id), learners: without(conf.learners, id) };
    case "remove":
      if (!isMember(conf, id)) return `node ${id} is not a member`;
      if (isVoter(conf, id) && conf.voters.length === 1) return "cannot remove the last voter";
      return { voters: without(conf.voters, id), learners: without(conf.learners, id) };
  }
}

/** Smallest number of voters that forms a majority. */
export function quorumSize(conf: ConfState): number {
  return Math.floor(conf.voters.length / 2) + 1;
}

/**
 * The largest index that a majority of voters has matched, given each voter's match index.
 * Voters missing from `matchOf` count as 0.
 */
export function quorumMatchIndex(conf: ConfState, matchOf: (id: NodeId) => number): number {
  const n = conf.voters.length;
  if (n === 0) return 0;
  const matches = conf.voters.map(matchOf).sort((a, b) => b - a);
  return matches[quorumSize(conf) - 1]!;
}

export type VoteOutcome = "won" | "lost" | "pending";

export function voteOutcome(conf: ConfState, votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  let granted = 0;
  let rejected = 0;
  for (const id of conf.voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = quorumSize(conf);
  if (granted >= q) return "won";
  if (rejected > conf.voters.length - q) return "lost";
  return "pending";
}

/** Encoding of a ConfState inside a "conf" entry: u32 voterCount, voter ids, u32 learnerCount, ids. */
export function encodeConf(conf: ConfState): Uint8Array {
  const out = new Uint8Array(8 + 4 * (conf.voters.length + conf.learners.length));
  const view = new DataView(out.buffer);
  let off = 0;
  view.setUint32(off, conf.voters.length);
  off += 4;
  for (const v of conf.voters) {
    view.setUint32(off, v);
    off += 4;
  }
  view.setUint32(off, conf.learners.length);
  off += 4;
  for (const l of conf.learners) {
    view.setUint32(off, l);
    off += 4;
  }
  return out;
}

/** Largest member count accepted when decoding, so a corrupt entry cannot make us allocate much. */
export const MAX_CONF_MEMBERS = 1024;

export function decodeConf(data: Uint8Array): ConfState {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let off = 0;
  const readIds = (): NodeId[] => {
    if (off + 4 > data.byteLength) throw new RangeError("conf entry truncated");
    const n = view.getUint32(off);
    off += 4;
    if (n > MAX_CONF_MEMBERS || off + 4 * n > data.byteLength) throw new RangeError("conf entry truncated");
    const ids: NodeId[] = [];
    for (let i = 0; i < n; i++, off += 4) ids.push(view.getUint32(off));
    return ids;
  };
  const voters = readIds();
  const learners = readIds();
  return { voters, learners };
}
