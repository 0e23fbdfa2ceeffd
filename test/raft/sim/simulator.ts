/**
 * A seeded, deterministic simulator of a Raft cluster: N nodes driven by a virtual clock (ticks),
 * the lossy network of network.ts, crashes and restarts (a restarted node keeps only what its store
 * made durable), and disk faults (a save that fails its fsync or is torn; the node crashes and the
 * write may or may not have survived). Each node runs the same driver loop a real one would:
 * ready() -> persist -> send -> apply -> advance().
 *
 * Every step is checked by InvariantChecker; any exception escaping the core is also a violation.
 * On failure a SimViolation carries the seed and a bounded trace of recent events. All randomness
 * comes from one SeededRandom, so the same seed replays the same run exactly.
 *
 * This class offers manual controls (crash, partition, propose, ...) used by the scenario tests;
 * random-run.ts drives it with random fault schedules.
 */
import { isMember, type ConfChange } from "../../../src/raft/config.ts";
import { Raft, type ProposeResult } from "../../../src/raft/raft.ts";
import { SeededRandom } from "../../../src/raft/rand.ts";
import { MemoryStore } from "../../../src/raft/storage.ts";
import type { Entry, HardState, NodeId, Snapshot } from "../../../src/raft/types.ts";
import { chainHash, InvariantChecker, SimViolation } from "./invariants.ts";
import { SimNetwork, type NetworkOptions } from "./network.ts";

export type DiskFault = "fsyncFail" | "tornWrite";

class DiskFaultError extends Error {}

/** An in-memory store whose next save can be made to fail. */
export class FaultyStore extends MemoryStore {
  nextFault: DiskFault | null = null;
  constructor(private readonly rng: SeededRandom) {
    super();
  }
  override save(hardState: HardState | null, entries: readonly Entry[], snapshot: Snapshot | null): void {
    const fault = this.nextFault;
    if (fault) {
      this.nextFault = null;
      // A failed fsync may or may not have reached the platter; a torn record is cut on recovery.
      if (fault === "fsyncFail" && this.rng.chance(0.5)) super.save(hardState, entries, snapshot);
      throw new DiskFaultError(fault);
    }
    super.save(hardState, entries, snapshot);
  }
}

export interface SimOptions {
  seed: number;
  /** Nodes that bootstrap the cluster as voters. */
  initialVoters: readonly NodeId[];
  electionTimeoutTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxSizePerMsgBytes?: number;
  maxInflightMsgs?: number;
  /** Each node compacts its log once it has applied this many entries past its snapshot (0 = never). */
  compactEveryEntries?: number;
  network?: Partial<NetworkOptions>;
  /** Entries of trace kept for failure reports. */
  traceLines?: number;
}

export interface SimNode {
  readonly id: NodeId;
  readonly store: FaultyStore;
  raft: Raft | null;
  appliedIndex: number;
  stateHash: number;
  /** Highest commit index already reported to the checker. */
  commitSeen: number;
  /** Applied entries by index (only for normal entries with data), for nCommitted-style queries. */
  readonly appliedData: Map<number, number>;
}

const MAX_READY_ROUNDS = 16;

export function encodeProposal(id: number, sizeBytes = 8): Uint8Array {
  const out = new Uint8Array(Math.max(4, sizeBytes));
  new DataView(out.buffer).setUint32(0, id);
  return out;
}

export function decodeProposal(data: Uint8Array): number | undefined {
  if (data.length < 4) return undefined;
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
}

function encodeState(hash: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, hash);
  return out;
}

function decodeState(data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
}

export class Simulator {
  readonly rng: SeededRandom;
  readonly net: SimNetwork;
  readonly checker = new InvariantChecker();
  readonly nodes = new Map<NodeId, SimNode>();
  now = 0;
  /** Commits observed: normal entries with data applied by the node that proposed them. */
  ackedCount = 0;
  maxAckedIndex = 0;
  readonly acked = new Map<number, number>();
  /** Proposal id -> proposing node, for proposals not acknowledged yet. */
  private readonly proposer = new Map<number, NodeId>();
  /** Read requests: id -> highest acked index when the read was requested. */
  private readonly readFloor = new Map<number, number>();
  readsServed = 0;
  /** Event counters, reported by the seed runner so coverage of the fault mix is visible. */
  readonly stats = { crashes: 0, diskFaults: 0, elections: 0, snapshotsInstalled: 0, confChanges: 0, transfers: 0 };
  private nextProposalId = 1;
  private nextReadId = 1;
  private readonly traceBuf: string[] = [];
  private readonly traceLimit: number;
  private readonly bootstrap: readonly NodeId[];

  constructor(readonly opts: SimOptions) {
    this.rng = new SeededRandom(opts.seed);
    this.net = new SimNetwork(this.rng.fork(1), opts.network);
    this.traceLimit = opts.traceLines ?? 60;
    this.bootstrap = [...opts.initialVoters];
    for (const id of opts.initialVoters) this.addNode(id);
  }

  // ---------------------------------------------------------------- tracing and failure

  trace(line: string): void {
    this.traceBuf.push(`t=${this.now} ${line}`);
    if (this.traceBuf.length > this.traceLimit) this.traceBuf.shift();
  }

  traceLines(): readonly string[] {
    return this.traceBuf;
  }

  fail(message: string): never {
    throw new SimViolation(`seed ${this.opts.seed}: ${message}\n  trace:\n    ${this.traceBuf.join("\n    ")}`);
  }

  private guard<T>(what: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof SimViolation && e.message.startsWith(`seed ${this.opts.seed}:`)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      this.fail(`${what}: ${msg}`);
    }
  }

  // ---------------------------------------------------------------- node lifecycle

  /** Create a node with an empty store (bootstrapping if it is an initial voter) and start it. */
  addNode(id: NodeId): SimNode {
    if (this.nodes.has(id)) return this.nodes.get(id)!;
    const node: SimNode = {
      id,
      store: new FaultyStore(this.rng.fork(1000 + id)),
      raft: null,
      appliedIndex: 0,
      stateHash: 0,
      commitSeen: 0,
      appliedData: new Map(),
    };
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private start(node: SimNode): void {
    const stored = node.store.load();
    const o = this.opts;
    node.raft = this.guard(`restart of node ${node.id}`, () =>
      new Raft(
        {
          id: node.id,
          electionTimeoutTicks: o.electionTimeoutTicks ?? 10,
          heartbeatTicks: o.heartbeatTicks ?? 1,
          preVote: o.preVote ?? true,
          checkQuorum: o.checkQuorum ?? true,
          maxSizePerMsgBytes: o.maxSizePerMsgBytes ?? 4096,
          maxInflightMsgs: o.maxInflightMsgs ?? 16,
          random: this.rng.fork(node.id),
        },
        { ...stored, bootstrapVoters: this.bootstrap.includes(node.id) ? this.bootstrap : undefined },
      ),
    );
    // The state machine is rebuilt from the snapshot; committed entries are re-applied from the log.
    node.appliedIndex = stored.snapshot?.meta.index ?? 0;
    node.stateHash = stored.snapshot ? decodeState(stored.snapshot.data) : 0;
    node.commitSeen = 0;
    node.appliedData.clear();
    this.processReady(node);
  }

  crash(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node || !node.raft) return;
    node.raft = null;
    this.stats.crashes++;
    this.trace(`crash ${id}`);
  }

  restart(id: NodeId): void {
    const node = this.nodes.get(id);
    if (!node || node.raft) return;
    this.trace(`restart ${id}`);
    this.start(node);
  }

  injectDiskFault(id: NodeId, fault: DiskFault): void {
    const node = this.nodes.get(id);
    if (node) node.store.nextFault = fault;
  }

  isAlive(id: NodeId): boolean {
    return this.nodes.get(id)?.raft != null;
  }

  aliveIds(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raft).map((n) => n.id);
  }

  allIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  // ---------------------------------------------------------------- the driver loop

  private processReady(node: SimNode): void {
    for (let round = 0; round < MAX_READY_ROUNDS; round++) {
      const raft = node.raft;
      if (!raft || !raft.hasReady()) return;
      const rd = raft.ready();
      for (let k = 0; k < rd.entries.length; k++) {
        const e = rd.entries[k]!;
        const prevTerm = k === 0 ? raft.log.term(e.index - 1) : rd.entries[k - 1]!.term;
        this.guard("persist", () => this.checker.persisted(node.id, e, prevTerm));
      }
      // (1) persist; a disk fault crashes the node before anything depending on the write leaves it.
      try {
        node.store.save(rd.hardState, rd.entries, rd.snapshot);
      } catch (e) {
        if (!(e instanceof DiskFaultError)) throw e;
        node.raft = null;
        this.stats.diskFaults++;
        this.trace(`disk fault (${e.message}) crashes ${node.id}`);
        return;
      }
      if (rd.softState) {
        this.trace(`node ${node.id} -> ${rd.softState.role} term ${raft.term} leader ${rd.softState.leader}`);
        if (rd.softState.role === "leader") this.stats.elections++;
        if (rd.softState.role === "leader") this.guard("election", () => this.checker.leaderElected(node.id, raft.term, raft));
      }
      // (2) send.
      for (const m of rd.messages) this.net.send(m, this.now);
      // (3) apply.
      if (rd.snapshot && rd.snapshot.meta.index > node.appliedIndex) {
        const h = decodeState(rd.snapshot.data);
        this.guard("snapshot", () => this.checker.snapshotInstalled(node.id, rd.snapshot!.meta.index, h));
        node.appliedIndex = rd.snapshot.meta.index;
        node.stateHash = h;
        this.stats.snapshotsInstalled++;
        this.trace(`node ${node.id} installs snapshot at ${node.appliedIndex}`);
      }
      for (const e of rd.committedEntries) this.apply(node, e);
      for (const r of rd.readStates) {
        const floor = this.readFloor.get(r.requestId);
        this.readFloor.delete(r.requestId);
        if (floor !== undefined && r.index < floor) {
          this.fail(`linearizability: read ${r.requestId} on ${node.id} got index ${r.index} below acknowledged write ${floor}`);
        }
        this.readsServed++;
      }
      // (4) advance.
      this.guard("advance", () => raft.advance());
      this.noteCommit(node, raft);
    }
  }

  private apply(node: SimNode, e: Entry): void {
    if (e.index !== node.appliedIndex + 1) {
      this.fail(`node ${node.id} applies index ${e.index} after ${node.appliedIndex}`);
    }
    node.appliedIndex = e.index;
    node.stateHash = chainHash(node.stateHash, e);
    this.guard("apply", () => this.checker.applied(node.id, e.index, node.stateHash));
    if (e.kind === "normal" && e.data.length >= 4) {
      const pid = decodeProposal(e.data)!;
      node.appliedData.set(e.index, pid);
      if (this.proposer.get(pid) === node.id) {
        this.proposer.delete(pid);
        this.acked.set(pid, e.index);
        this.ackedCount++;
        if (e.index > this.maxAckedIndex) this.maxAckedIndex = e.index;
      }
    }
  }

  private noteCommit(node: SimNode, raft: Raft): void {
    const commit = raft.log.committed;
    for (let i = Math.max(node.commitSeen, raft.log.snapshotIndex) + 1; i <= commit; i++) {
      const t = raft.log.term(i);
      if (t !== undefined) this.guard("commit", () => this.checker.committed(node.id, i, t));
    }
    if (commit > node.commitSeen) node.commitSeen = commit;
  }

  private maybeCompact(node: SimNode): void {
    const every = this.opts.compactEveryEntries ?? 0;
    const raft = node.raft;
    if (every <= 0 || !raft) return;
    if (node.appliedIndex - raft.log.snapshotIndex >= every && node.appliedIndex <= raft.log.applied) {
      const index = node.appliedIndex;
      this.guard("compact", () => raft.compact(index, encodeState(node.stateHash)));
      this.processReady(node);
    }
  }

  /** Advance the virtual clock by `ticks`: tick every live node, deliver due messages, compact. */
  run(ticks: number): void {
    for (let t = 0; t < ticks; t++) this.step();
  }

  /** Probability that a node misses a tick (clock drift between nodes). */
  tickSkipRate = 0;

  step(): void {
    this.now++;
    for (const node of this.nodes.values()) {
      if (!node.raft) continue;
      if (this.tickSkipRate > 0 && this.rng.chance(this.tickSkipRate)) continue;
      const raft = node.raft;
      this.guard("tick", () => raft.tick());
      this.processReady(node);
    }
    for (const m of this.net.takeDue(this.now)) {
      const node = this.nodes.get(m.to);
      if (!node || !node.raft) continue;
      const raft = node.raft;
      this.guard(`step ${m.type} ${m.from}->${m.to}`, () => raft.step(m));
      this.processReady(node);
    }
    for (const node of this.nodes.values()) this.maybeCompact(node);
  }

  // ---------------------------------------------------------------- client operations

  /** The live node with the highest term among those that believe they lead. */
  leader(): NodeId | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (n.raft?.role === "leader" && (!best || n.raft.term > best.raft!.term)) best = n;
    }
    return best?.id;
  }

  /** Every live node that believes it leads, with its term. */
  leaders(): { id: NodeId; term: number }[] {
    const out: { id: NodeId; term: number }[] = [];
    for (const n of this.nodes.values()) if (n.raft?.role === "leader") out.push({ id: n.id, term: n.raft.term });
    return out;
  }

  /** Propose a fresh command on node `id`; returns its proposal id and the core's answer. */
  propose(id: NodeId, sizeBytes = 8): { proposal: number; result: ProposeResult } | undefined {
    const node = this.nodes.get(id);
    if (!node?.raft) return undefined;
    const raft = node.raft;
    const proposal = this.nextProposalId++;
    const result = this.guard("propose", () => raft.propose(encodeProposal(proposal, sizeBytes)));
    if (result.ok) {
      this.proposer.set(proposal, id);
      this.trace(`propose #${proposal} on ${id} at ${result.index}`);
    }
    this.processReady(node);
    return { proposal, result };
  }

  confChange(id: NodeId, change: ConfChange): ProposeResult | undefined {
    const node = this.nodes.get(id);
    if (!node?.raft) return undefined;
    const raft = node.raft;
    if ((change.kind === "addLearner" || change.kind === "addVoter") && !this.nodes.has(change.node)) this.addNode(change.node);
    const result = this.guard("confChange", () => raft.proposeConfChange(change));
    if (result.ok) this.stats.confChanges++;
    if (result.ok) this.trace(`conf ${change.kind} ${change.node} on ${id} at ${result.index}`);
    this.processReady(node);
    return result;
  }

  transfer(from: NodeId, to: NodeId): boolean {
    const node = this.nodes.get(from);
    if (!node?.raft) return false;
    const raft = node.raft;
    const r = this.guard("transfer", () => raft.transferLeadership(to));
    if (r.ok) this.stats.transfers++;
    if (r.ok) this.trace(`transfer ${from} -> ${to}`);
    this.processReady(node);
    return r.ok;
  }

  readIndex(id: NodeId): boolean {
    const node = this.nodes.get(id);
    if (!node?.raft) return false;
    const raft = node.raft;
    const requestId = this.nextReadId++;
    const r = this.guard("readIndex", () => raft.readIndex(requestId));
    if (r.ok) this.readFloor.set(requestId, this.maxAckedIndex);
    this.processReady(node);
    return r.ok;
  }

  isAcked(proposal: number): boolean {
    return this.acked.has(proposal);
  }

  /** How many nodes have applied proposal `proposal` at `index` (6.824's nCommitted). */
  appliedCount(index: number): { count: number; proposal: number | undefined } {
    let count = 0;
    let proposal: number | undefined;
    for (const n of this.nodes.values()) {
      const p = n.appliedData.get(index);
      if (p === undefined) continue;
      if (proposal !== undefined && p !== proposal) this.fail(`nodes applied different proposals at ${index}`);
      proposal = p;
      count++;
    }
    return { count, proposal };
  }

  /** The members of the configuration of the current leader (or of the initial one). */
  members(): NodeId[] {
    const l = this.leader();
    const conf = l !== undefined ? this.nodes.get(l)!.raft!.conf : { voters: this.bootstrap, learners: [] };
    return [...conf.voters, ...conf.learners];
  }

  isMemberOfLeaderConf(id: NodeId): boolean {
    const l = this.leader();
    return l !== undefined && isMember(this.nodes.get(l)!.raft!.conf, id);
  }

  /** Total of all ticks a node was alive for, a proxy of simulated work. */
  totalCommits(): number {
    return this.ackedCount;
  }
}
