/**
 * The metadata log on Raft: one node's runtime around the Raft core (src/raft) for the controller
 * quorum. It owns the core, its file store (`<data_dir>/__takhin/raft/raft.wal`), the transport to
 * the other voters (raft-transport.ts), the replicated image (metadata/replicated-image.ts) and a
 * tick timer. The active controller is the Raft leader; it alone decides records.
 *
 * Driver loop (src/raft/index.ts contract), run after every tick, received message and proposal:
 *   ready() -> FileStore.save (fdatasync) -> send messages -> restore snapshot / apply committed
 *   entries to the image -> notify listeners -> advance()
 * A failed save stops the quorum (`failed`): nothing that depends on the write is sent or applied;
 * the process must restart from its store.
 *
 * Deciding (`submit`): operations run one at a time on the leader, each on an image that contains
 * every committed entry — a new leader first waits until an entry of its own term (its no-op) is
 * committed and applied — and each waits for its batch to be applied here before the next is
 * decided. A proposal whose index ends up holding another term's entry, or a leader that loses
 * its leadership, fails the operation with NotControllerError (clients retry on the new
 * controller; Kafka answers NOT_CONTROLLER).
 *
 * Snapshots: after `snapshotEveryEntries` applied entries past the last snapshot the image is
 * compacted into the core (its snapshot data = replicated-image.ts snapshot form), bounding the log;
 * a follower too far behind receives the snapshot.
 *
 * Ids: Kafka node ids here and in everything above; Raft ids (= node id + 1, metadata/controller.ts)
 * only towards the core and the transport.
 */
import { join } from "node:path";
import { FileStore } from "../raft/file-store.ts";
import { Raft } from "../raft/raft.ts";
import { SeededRandom } from "../raft/rand.ts";
import type { Message } from "../raft/types.ts";
import { kafkaNodeIdOf, raftIdOf, type MetadataListener } from "../metadata/controller.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { encodeBatchEntry, encodeImageSnapshot, ReplicatedImage } from "../metadata/replicated-image.ts";
import type { Logger } from "../util/log.ts";
import type { QuorumVoter } from "./cluster-config.ts";
import { RaftTransport } from "./raft-transport.ts";

export class NotControllerError extends Error {
  override name = "NotControllerError";
  constructor(
    message: string,
    /** Kafka node id of the current controller, -1 when none is known. */
    readonly controllerId: number,
  ) {
    super(message);
  }
}

export interface MetadataQuorumOptions {
  /** This node's Kafka node id; must be one of `voters`. */
  readonly nodeId: number;
  readonly voters: readonly QuorumVoter[];
  readonly clusterId: string;
  /** Directory of the Raft store. */
  readonly dir: string;
  /** Where the controller listener binds (the port is the voter entry's unless given). */
  readonly listenHost: string;
  readonly listenPort?: number;
  readonly log: Logger;
  readonly tickMs?: number;
  readonly electionTimeoutTicks?: number;
  readonly snapshotEveryEntries?: number;
  readonly fsync?: boolean;
  /** Seed of the core's randomness (election timeouts); random by default. */
  readonly seed?: number;
  /** An operation waiting longer than this for its commit fails (NotControllerError). */
  readonly commitTimeoutMs?: number;
  /** Controller RPC frames from other voters (Kafka node id of the sender). */
  readonly onRpc?: (fromNodeId: number, body: Record<string, unknown>) => void;
}

export const QUORUM_DEFAULTS = {
  tickMs: 50,
  electionTimeoutTicks: 10,
  snapshotEveryEntries: 1000,
  commitTimeoutMs: 10_000,
  /** Operations queued on the active controller at most (further ones fail at once). */
  maxQueuedOperations: 10_000,
} as const;

/** What `submit`'s decide function returns: the records to commit (may be empty) and a result. */
export interface Decision<T> {
  readonly records: readonly MetadataRecord[];
  readonly result: T;
}

/** What a decide function may know besides the image. */
export interface DecideContext {
  /** The log index the batch will get (used as broker epoch, as Kafka's controller does with offsets). */
  readonly nextIndex: number;
}

/** One voter as the active controller sees it (DescribeQuorum; Kafka's ReplicaState). */
export interface QuorumReplica {
  /** Kafka node id. */
  readonly nodeId: number;
  /** The end of the log this replica is known to hold (Raft match index; -1 unknown). */
  readonly logEndOffset: number;
  /** Wall-clock ms of the replica's last answer to the leader (-1 unknown; the leader: now, as Kafka reports it). */
  readonly lastFetchTimestampMs: number;
  /** Wall-clock ms when the replica last held everything the leader had (the leader: now). */
  readonly lastCaughtUpTimestampMs: number;
}

/** The quorum's state as DescribeQuorum reports it; meaningful on the active controller only. */
export interface QuorumStatus {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Entries committed (Raft index = Kafka offset count: the high watermark). */
  readonly highWatermark: number;
  readonly voters: readonly QuorumReplica[];
}

interface Operation {
  decide: (image: MetadataImage, ctx: DecideContext) => Decision<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Waiting {
  index: number;
  term: number;
  result: unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class MetadataQuorum {
  private readonly raft: Raft;
  private readonly store: FileStore;
  private readonly transport: RaftTransport;
  private readonly state = new ReplicatedImage();
  private readonly listeners: MetadataListener[] = [];
  private readonly appliedWaiters: { index: number; resolve: () => void }[] = [];
  private readonly queue: Operation[] = [];
  private inFlight: Waiting | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private driving = false;
  private closed = false;
  private readonly o: Required<Omit<MetadataQuorumOptions, "listenPort" | "seed" | "onRpc">> & { listenPort: number; seed: number };
  /** Set when the store failed: the node must restart. */
  failed: Error | null = null;
  /** Elections this node won, for logs and tests. */
  leaderChanges = 0;
  private lastLeader = 0;
  /** Active controller only: per follower (Raft id), wall-clock ms of its last reply and of its last caught-up reply. */
  private readonly followerSeen = new Map<number, { fetchMs: number; caughtUpMs: number }>();

  private constructor(o: MetadataQuorumOptions) {
    const self = o.voters.find((v) => v.id === o.nodeId);
    if (!self) throw new Error(`node ${o.nodeId} is not a voter`);
    this.o = {
      tickMs: QUORUM_DEFAULTS.tickMs,
      electionTimeoutTicks: QUORUM_DEFAULTS.electionTimeoutTicks,
      snapshotEveryEntries: QUORUM_DEFAULTS.snapshotEveryEntries,
      commitTimeoutMs: QUORUM_DEFAULTS.commitTimeoutMs,
      fsync: true,
      ...o,
      listenPort: o.listenPort ?? self.port,
      seed: o.seed ?? Math.floor(Math.random() * 2 ** 31),
    };
    this.store = FileStore.open(o.dir, { fsync: this.o.fsync });
    const stored = this.store.load();
    if (stored.snapshot) this.state.restore(stored.snapshot.meta.index, stored.snapshot.data);
    const voterIds = o.voters.map((v) => raftIdOf(v.id)).sort((a, b) => a - b);
    const empty = stored.entries.length === 0 && !stored.snapshot && stored.hardState.term === 0;
    this.raft = new Raft(
      {
        id: raftIdOf(o.nodeId),
        electionTimeoutTicks: this.o.electionTimeoutTicks,
        heartbeatTicks: 1,
        preVote: true,
        checkQuorum: true,
        random: new SeededRandom(this.o.seed),
      },
      { ...stored, bootstrapVoters: empty ? voterIds : undefined },
    );
    this.transport = new RaftTransport({
      selfId: raftIdOf(o.nodeId),
      clusterId: o.clusterId,
      listenHost: o.listenHost,
      listenPort: this.o.listenPort,
      peers: new Map(o.voters.filter((v) => v.id !== o.nodeId).map((v) => [raftIdOf(v.id), { host: v.host, port: v.port }])),
      onMessage: (m) => this.onMessage(m),
      onRpc: o.onRpc ? (from, body) => o.onRpc!(kafkaNodeIdOf(from), body) : undefined,
      log: o.log,
    });
  }

  /** Opens the store, binds the controller listener and starts ticking. */
  static async start(o: MetadataQuorumOptions): Promise<MetadataQuorum> {
    const q = new MetadataQuorum(o);
    try {
      await q.transport.start();
    } catch (e) {
      q.store.close();
      throw e;
    }
    q.ticker = setInterval(() => q.tick(), q.o.tickMs);
    q.drive();
    return q;
  }

  get nodeId(): number {
    return this.o.nodeId;
  }

  get controllerPort(): number {
    return this.transport.boundPort;
  }

  get image(): MetadataImage {
    return this.state.image;
  }

  get appliedIndex(): number {
    return this.state.appliedIndex;
  }

  /** Inbound controller connections closed because the peer sent garbage. */
  get garbageDropped(): number {
    return this.transport.garbageDropped;
  }

  get skippedEntries(): number {
    return this.state.skipped;
  }

  /** Kafka node id of the active controller as this node knows it, -1 when none. */
  get controllerId(): number {
    const l = this.raft.leader;
    return l > 0 ? kafkaNodeIdOf(l) : -1;
  }

  get isActiveController(): boolean {
    return this.raft.role === "leader";
  }

  get term(): number {
    return this.raft.term;
  }

  /** The index of the last snapshot in the core (0 when none): the log is bounded above it. */
  get snapshotIndex(): number {
    return this.raft.log.snapshotIndex;
  }

  /** The voters (Kafka ids) with their controller listener addresses, as configured. */
  get voters(): readonly QuorumVoter[] {
    return this.o.voters;
  }

  /**
   * The quorum as DescribeQuorum reports it (read-only; from the core's progress tracking plus
   * the reply times this runtime records, src/raft keeps no clock). Only the active controller
   * knows its followers; elsewhere the voters' offsets and times are unknown (-1).
   */
  status(): QuorumStatus {
    const log = this.raft.log;
    const leader = this.raft.role === "leader";
    const now = Date.now();
    const voters = [...this.raft.conf.voters].sort((a, b) => a - b).map((id): QuorumReplica => {
      if (leader && id === this.raft.id) return { nodeId: kafkaNodeIdOf(id), logEndOffset: log.lastIndex(), lastFetchTimestampMs: now, lastCaughtUpTimestampMs: now };
      const seen = leader ? this.followerSeen.get(id) : undefined;
      return {
        nodeId: kafkaNodeIdOf(id),
        logEndOffset: leader ? (this.raft.matchOf(id) ?? -1) : -1,
        lastFetchTimestampMs: seen?.fetchMs ?? -1,
        lastCaughtUpTimestampMs: seen && seen.caughtUpMs > 0 ? seen.caughtUpMs : -1,
      };
    });
    return { leaderId: this.controllerId, leaderEpoch: this.raft.term, highWatermark: log.committed, voters };
  }

  private noteFollowerReply(raftId: number): void {
    if (this.raft.matchOf(raftId) === undefined) return; // not a member: keeps the map bounded by the voters
    const now = Date.now();
    const seen = this.followerSeen.get(raftId) ?? { fetchMs: -1, caughtUpMs: -1 };
    seen.fetchMs = now;
    if ((this.raft.matchOf(raftId) ?? -1) >= this.raft.log.lastIndex()) seen.caughtUpMs = now;
    this.followerSeen.set(raftId, seen);
  }

  /** Sends a controller RPC frame to voter `nodeId` (Kafka id); false when it is not a voter. */
  sendRpc(nodeId: number, body: Record<string, unknown>): boolean {
    return this.transport.sendRpc(raftIdOf(nodeId), body);
  }

  listen(l: MetadataListener): void {
    this.listeners.push(l);
  }

  /** Resolves once this node has applied the log up to `index`. */
  waitForApplied(index: number): Promise<void> {
    if (this.state.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.appliedWaiters.push({ index, resolve }));
  }

  /**
   * Runs `decide` on the active controller's up-to-date image and commits its records; resolves
   * with its result once the batch is applied here. Fails with NotControllerError on a node that
   * is not the active controller (or stops being it). A decide that throws fails only its call.
   */
  submit<T>(decide: (image: MetadataImage, ctx: DecideContext) => Decision<T>): Promise<T> {
    if (this.closed || this.failed) return Promise.reject(new NotControllerError("the metadata quorum is stopped", -1));
    if (!this.isActiveController) return Promise.reject(new NotControllerError(`node ${this.o.nodeId} is not the active controller`, this.controllerId));
    if (this.queue.length >= QUORUM_DEFAULTS.maxQueuedOperations) return Promise.reject(new NotControllerError("too many metadata operations queued", this.controllerId));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        decide: decide as Operation["decide"],
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Leader only: whether every committed entry, including one of our own term, is applied. */
  private upToDate(): boolean {
    const log = this.raft.log;
    return this.raft.role === "leader" && log.term(log.committed) === this.raft.term && this.state.appliedIndex >= log.committed;
  }

  private pump(): void {
    while (!this.inFlight && this.queue.length > 0) {
      if (this.raft.role !== "leader") {
        this.failQueued(new NotControllerError(`node ${this.o.nodeId} lost the controller leadership`, this.controllerId));
        return;
      }
      if (!this.upToDate()) return; // retried after the next apply
      const op = this.queue.shift()!;
      let decision: Decision<unknown>;
      try {
        decision = op.decide(this.state.image, {
          nextIndex: this.raft.log.lastIndex() + 1,
        });
      } catch (e) {
        op.reject(e);
        continue;
      }
      if (decision.records.length === 0) {
        op.resolve(decision.result);
        continue;
      }
      const r = this.raft.propose(encodeBatchEntry(decision.records));
      if (!r.ok) {
        op.reject(new NotControllerError(`metadata proposal refused: ${r.reason}${r.detail ? ` (${r.detail})` : ""}`, r.leader > 0 ? kafkaNodeIdOf(r.leader) : -1));
        continue;
      }
      const timer = setTimeout(() => {
        if (this.inFlight?.index !== r.index) return;
        this.inFlight = null;
        op.reject(new NotControllerError(`metadata batch at ${r.index} not committed within ${this.o.commitTimeoutMs} ms`, this.controllerId));
        this.pump();
      }, this.o.commitTimeoutMs);
      this.inFlight = {
        index: r.index,
        term: r.term,
        result: decision.result,
        resolve: op.resolve,
        reject: op.reject,
        timer,
      };
      this.drive();
    }
  }

  private failQueued(e: Error): void {
    for (const op of this.queue.splice(0)) op.reject(e);
    const w = this.inFlight;
    if (w) {
      this.inFlight = null;
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  private tick(): void {
    if (this.closed || this.failed) return;
    this.raft.tick();
    this.drive();
  }

  private onMessage(m: Message): void {
    if (this.closed || this.failed) return;
    this.raft.step(m);
    if (this.raft.role === "leader" && (m.type === "appendResp" || m.type === "heartbeatResp")) this.noteFollowerReply(m.from);
    this.drive();
  }

  /** The driver loop of the header. */
  private drive(): void {
    if (this.driving || this.closed || this.failed) return;
    this.driving = true;
    try {
      for (;;) {
        while (this.raft.hasReady()) {
          const rd = this.raft.ready();
          try {
            this.store.save(rd.hardState, rd.entries, rd.snapshot);
          } catch (e) {
            this.failed = e as Error;
            this.o.log.error("metadata quorum: the Raft store failed; this node stops taking part until restarted", { error: e });
            this.failQueued(new NotControllerError("the metadata store failed", -1));
            return;
          }
          for (const m of rd.messages) this.transport.send(m);
          if (rd.snapshot && rd.snapshot.meta.index > this.state.appliedIndex) {
            const previous = this.state.image;
            this.state.restore(rd.snapshot.meta.index, rd.snapshot.data);
            this.publish(previous, this.state.image, null);
          }
          for (const e of rd.committedEntries) {
            if (e.index <= this.state.appliedIndex) continue;
            const applied = this.state.apply(e.index, e.kind, e.data);
            if (applied) this.publish(applied.previous, applied.image, applied.changes);
            const w = this.inFlight;
            if (w && e.index === w.index) {
              this.inFlight = null;
              clearTimeout(w.timer);
              if (e.term === w.term) w.resolve(w.result);
              else w.reject(new NotControllerError(`metadata batch at ${w.index} was replaced by a new controller's entry`, this.controllerId));
            }
          }
          if (rd.softState) this.onSoftState();
          this.raft.advance();
          this.releaseWaiters();
        }
        if (!this.maybeSnapshot()) break;
      }
    } finally {
      this.driving = false;
    }
    if (this.queue.length > 0 && !this.inFlight) queueMicrotask(() => this.pump());
  }

  private onSoftState(): void {
    const leader = this.raft.leader;
    if (leader !== this.lastLeader) {
      this.lastLeader = leader;
      this.followerSeen.clear(); // a new term: what an earlier leader saw is not ours
      this.leaderChanges++;
      this.o.log.info("metadata quorum: controller changed", {
        controller: leader > 0 ? kafkaNodeIdOf(leader) : -1,
        term: this.raft.term,
        self: this.o.nodeId,
      });
    }
    if (this.raft.role !== "leader" && (this.queue.length > 0 || this.inFlight)) {
      this.failQueued(new NotControllerError(`node ${this.o.nodeId} lost the controller leadership`, this.controllerId));
    }
  }

  private publish(previous: MetadataImage, image: MetadataImage, changes: Parameters<MetadataListener>[1] | null): void {
    for (const l of this.listeners) {
      try {
        // A restored snapshot has no delta; listeners get an "everything may have changed" form.
        l(image, changes ?? wholeImageChanges(previous, image), previous);
      } catch (e) {
        this.o.log.error("metadata listener failed", { error: e });
      }
    }
  }

  private releaseWaiters(): void {
    const applied = this.state.appliedIndex;
    for (let i = this.appliedWaiters.length - 1; i >= 0; i--) {
      if (this.appliedWaiters[i]!.index <= applied) this.appliedWaiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** Compacts the core's log into a snapshot of the image when due; true when it did (a Ready follows). */
  private maybeSnapshot(): boolean {
    const every = this.o.snapshotEveryEntries;
    const applied = this.state.appliedIndex;
    if (every <= 0 || applied - this.raft.log.snapshotIndex < every || applied > this.raft.log.applied) return false;
    this.raft.compact(applied, encodeImageSnapshot(this.state.image));
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.failQueued(new NotControllerError("the metadata quorum is stopping", -1));
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    await this.transport.close();
    this.store.close();
  }
}

/** Changes between two unrelated images (after a snapshot restore): every topic of either side. */
function wholeImageChanges(previous: MetadataImage, image: MetadataImage): Parameters<MetadataListener>[1] {
  const createdTopics = new Set<string>();
  const deletedTopics = new Map<string, ReturnType<MetadataImage["topicsById"]["get"]> & object>();
  const changedPartitions = new Map<string, Set<number>>();
  for (const [id, t] of image.topicsById) {
    if (!previous.topicsById.has(id)) createdTopics.add(id);
    else changedPartitions.set(id, new Set(t.partitions.map((_, i) => i)));
  }
  for (const [id, t] of previous.topicsById) if (!image.topicsById.has(id)) deletedTopics.set(id, t);
  return {
    createdTopics,
    deletedTopics,
    changedPartitions,
    changedTopicConfigs: new Set(image.topicsByName.keys()),
    brokersChanged: true,
    aclsChanged: true,
    clientQuotasChanged: true,
  };
}

export const RAFT_DIR = join("__takhin", "raft");
