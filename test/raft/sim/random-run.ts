/**
 * One randomized simulator run: a fault phase in which a seeded schedule (or an explicit one, for
 * fast-check) crashes and restarts nodes, partitions the network symmetrically and one way, makes it
 * lossy, injects disk faults, changes membership, transfers leadership and issues reads while
 * clients propose; then a heal phase (every node restarted, every link restored, no loss) within
 * which the cluster must elect a leader, commit a fresh proposal and have every member apply every
 * acknowledged proposal — or the run fails with a liveness violation.
 */
import { SeededRandom } from "../../../src/raft/rand.ts";
import type { NodeId } from "../../../src/raft/types.ts";
import { SimViolation } from "./invariants.ts";
import { Simulator } from "./simulator.ts";

export type FaultAction =
  | { kind: "crash"; node: number }
  | { kind: "crashLeader" }
  | { kind: "restart"; node: number }
  | { kind: "partition"; split: number }
  | { kind: "oneWay"; from: number; to: number }
  | { kind: "healLinks" }
  | { kind: "diskFault"; node: number; torn: boolean }
  | { kind: "transfer"; node: number }
  | { kind: "membership"; node: number; op: number }
  | { kind: "lossy"; dropPercent: number; dupPercent: number; maxDelayTicks: number };

export interface ScheduledFault {
  tick: number;
  action: FaultAction;
}

export interface RunOptions {
  seed: number;
  /** Ticks of the fault phase. */
  faultTicks?: number;
  /** Ticks allowed after healing for the cluster to converge. */
  healBoundTicks?: number;
  /** Explicit fault schedule; when absent faults are drawn from the seed. */
  schedule?: readonly ScheduledFault[];
  /** Allow membership changes (nodes beyond the initial ones are added as learners, promoted, removed). */
  membership?: boolean;
}

export interface RunResult {
  seed: number;
  ok: boolean;
  ticks: number;
  commits: number;
  reads: number;
  nodes: number;
  stats: Simulator["stats"];
  failure?: string;
}

const ELECTION_TIMEOUT_TICKS = 10;

/** Node ids are small integers; ids beyond the initial voters are candidates for joining. */
function pickNode(sim: Simulator, n: number): NodeId {
  const ids = sim.allIds();
  return ids[Math.abs(n) % ids.length]!;
}

function applyFault(sim: Simulator, a: FaultAction, maxNodeId: number): void {
  switch (a.kind) {
    case "crash":
      sim.crash(pickNode(sim, a.node));
      break;
    case "crashLeader": {
      const l = sim.leader();
      if (l !== undefined) sim.crash(l);
      break;
    }
    case "restart":
      sim.restart(pickNode(sim, a.node));
      break;
    case "partition": {
      const ids = sim.allIds();
      const left = ids.filter((_, i) => ((a.split >>> i) & 1) === 1);
      const right = ids.filter((_, i) => ((a.split >>> i) & 1) === 0);
      sim.net.partition([left, right]);
      sim.trace(`partition [${left}] | [${right}]`);
      break;
    }
    case "oneWay": {
      const from = pickNode(sim, a.from);
      const to = pickNode(sim, a.to);
      if (from !== to) {
        sim.net.cutOneWay(from, to);
        sim.trace(`cut ${from} -> ${to}`);
      }
      break;
    }
    case "healLinks":
      sim.net.healLinks();
      sim.trace("heal links");
      break;
    case "diskFault": {
      const id = pickNode(sim, a.node);
      sim.injectDiskFault(id, a.torn ? "tornWrite" : "fsyncFail");
      sim.trace(`arm disk fault ${a.torn ? "torn" : "fsync"} on ${id}`);
      break;
    }
    case "transfer": {
      const l = sim.leader();
      if (l !== undefined) sim.transfer(l, pickNode(sim, a.node));
      break;
    }
    case "membership": {
      // Any node that believes it leads, stale ones included: a deposed leader's uncommitted
      // configuration entry racing a new leader's is the classic single-server-change hazard.
      const leaders = sim.leaders();
      if (leaders.length === 0) break;
      const l = leaders[Math.abs(a.op >> 2) % leaders.length]!.id;
      const conf = sim.nodes.get(l)!.raft!.conf;
      const id = 1 + (Math.abs(a.node) % maxNodeId);
      const op = Math.abs(a.op) % 4;
      const member = conf.voters.includes(id) || conf.learners.includes(id);
      if (op === 0 && !member) sim.confChange(l, { kind: "addLearner", node: id });
      else if (op === 1 && conf.learners.includes(id)) sim.confChange(l, { kind: "promote", node: id });
      else if (op === 2 && id !== l && (conf.learners.includes(id) || conf.voters.length > 2)) sim.confChange(l, { kind: "remove", node: id });
      else if (op === 3 && !conf.voters.includes(id)) sim.confChange(l, { kind: "addVoter", node: id });
      break;
    }
    case "lossy":
      sim.net.opts.dropRate = a.dropPercent / 100;
      sim.net.opts.duplicateRate = a.dupPercent / 100;
      sim.net.opts.maxDelayTicks = Math.max(1, a.maxDelayTicks);
      sim.trace(`network drop ${a.dropPercent}% dup ${a.dupPercent}% delay<=${a.maxDelayTicks}`);
      break;
  }
}

/** Draw this tick's faults from the seed. */
function randomFaults(rng: SeededRandom, membership: boolean): FaultAction[] {
  const out: FaultAction[] = [];
  const n = () => rng.nextInt(1 << 16);
  if (rng.chance(0.012)) out.push({ kind: "crash", node: n() });
  if (rng.chance(0.006)) out.push({ kind: "crashLeader" });
  if (rng.chance(0.04)) out.push({ kind: "restart", node: n() });
  if (rng.chance(0.01)) out.push({ kind: "partition", split: n() });
  if (rng.chance(0.008)) out.push({ kind: "oneWay", from: n(), to: n() });
  if (rng.chance(0.02)) out.push({ kind: "healLinks" });
  if (rng.chance(0.004)) out.push({ kind: "diskFault", node: n(), torn: rng.chance(0.5) });
  if (rng.chance(0.005)) out.push({ kind: "transfer", node: n() });
  if (membership && rng.chance(0.04)) out.push({ kind: "membership", node: n(), op: n() });
  if (rng.chance(0.01)) {
    const maxDelayTicks = rng.chance(0.1) ? 2 * ELECTION_TIMEOUT_TICKS : 1 + rng.nextInt(4);
    out.push({ kind: "lossy", dropPercent: rng.pick([0, 0, 5, 10, 30]), dupPercent: rng.pick([0, 5, 20]), maxDelayTicks });
  }
  return out;
}

export function runSeed(options: RunOptions): RunResult {
  const seed = options.seed >>> 0;
  const setup = new SeededRandom(seed ^ 0x5eed);
  const voterCount = setup.pick([3, 3, 5]);
  const membership = options.membership ?? setup.chance(0.5);
  const maxNodeId = voterCount + (membership ? 2 : 0);
  const faultTicks = options.faultTicks ?? 300;
  const healBoundTicks = options.healBoundTicks ?? 60 * ELECTION_TIMEOUT_TICKS;
  const initialVoters = Array.from({ length: voterCount }, (_, i) => i + 1);
  const sim = new Simulator({
    seed,
    initialVoters,
    electionTimeoutTicks: ELECTION_TIMEOUT_TICKS,
    compactEveryEntries: setup.pick([0, 8, 25, 60]),
    maxInflightMsgs: setup.pick([1, 4, 64]),
    maxSizePerMsgBytes: setup.pick([64, 4096]),
    network: { dropRate: 0, duplicateRate: 0, maxDelayTicks: 1 + setup.nextInt(3) },
  });
  const rng = sim.rng.fork(77);
  sim.tickSkipRate = setup.pick([0, 0, 0.05, 0.3]);
  const schedule = options.schedule ? [...options.schedule].sort((a, b) => a.tick - b.tick) : null;
  let next = 0;
  const result = (ok: boolean, failure?: string): RunResult => ({
    seed,
    ok,
    ticks: sim.now,
    commits: sim.ackedCount,
    reads: sim.readsServed,
    nodes: sim.nodes.size,
    stats: sim.stats,
    failure,
  });

  try {
    // Fault phase.
    for (let t = 0; t < faultTicks; t++) {
      const actions = schedule ? [] : randomFaults(rng, membership);
      while (schedule && next < schedule.length && schedule[next]!.tick <= t) actions.push(schedule[next++]!.action);
      for (const a of actions) applyFault(sim, a, maxNodeId);
      if (rng.chance(0.35)) {
        const ids = sim.aliveIds();
        if (ids.length > 0) sim.propose(rng.pick(ids), 4 + rng.nextInt(60));
      }
      if (rng.chance(0.05)) {
        const l = sim.leader();
        if (l !== undefined) sim.readIndex(l);
      }
      sim.step();
    }

    // Heal: every node back, every link restored, a reliable (still reordering) network.
    sim.trace("heal everything");
    sim.net.healLinks();
    sim.net.opts.dropRate = 0;
    sim.net.opts.duplicateRate = 0;
    // Raft's timing requirement (§5.6): broadcast time well below the election timeout.
    sim.net.opts.maxDelayTicks = Math.min(sim.net.opts.maxDelayTicks, 3);
    sim.tickSkipRate = 0;
    for (const n of sim.nodes.values()) n.store.nextFault = null;
    for (const id of sim.allIds()) sim.restart(id);
    const healedAt = sim.now;
    let finalProposal = -1;
    let lastTry = -Infinity;
    while (sim.now - healedAt < healBoundTicks) {
      const l = sim.leader();
      if (l !== undefined && (finalProposal < 0 || !sim.isAcked(finalProposal)) && sim.now - lastTry >= 3 * ELECTION_TIMEOUT_TICKS) {
        const p = sim.propose(l);
        if (p?.result.ok) {
          finalProposal = p.proposal;
          lastTry = sim.now;
        }
      }
      sim.step();
      if (finalProposal >= 0 && sim.isAcked(finalProposal) && converged(sim)) return result(true);
    }
    const l = sim.leader();
    const detail = [...sim.nodes.values()]
      .map((n) => `${n.id}:${n.raft?.role ?? "down"}/t${n.raft?.term}/applied ${n.appliedIndex}/commit ${n.raft?.log.committed}/last ${n.raft?.log.lastIndex()}`)
      .join(", ");
    return sim.fail(
      `liveness: not converged ${healBoundTicks} ticks after healing (leader ${l}, members [${sim.members()}], acked up to ${sim.maxAckedIndex}; ${detail})`,
    );
  } catch (e) {
    if (e instanceof SimViolation) return result(false, e.message);
    const msg = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
    return result(false, `seed ${seed}: unexpected error: ${msg}\n  trace:\n    ${sim.traceLines().join("\n    ")}`);
  }
}

/** Every member of the leader's configuration has applied everything acknowledged. */
function converged(sim: Simulator): boolean {
  const l = sim.leader();
  if (l === undefined) return false;
  const leaderLog = sim.nodes.get(l)!.raft!.log;
  const target = Math.max(sim.maxAckedIndex, leaderLog.committed);
  for (const id of sim.members()) {
    const n = sim.nodes.get(id);
    if (!n?.raft || n.appliedIndex < target) return false;
  }
  return true;
}
