/**
 * A seeded, deterministic simulation of one partition replicated on 3 brokers, driving the real
 * sans-IO replication core (leader-state.ts: follower tracking, HW, ISR proposals; divergence.ts:
 * divergingEpoch/truncationFor) and the real controller decisions (controller.ts) under faults.
 * A run is a pure function of (seed, options): every choice comes from one SeededRandom and time
 * is a tick counter, so a failing seed replays exactly (run it again with `trace: true`).
 *
 * ## Model
 *   tick = 10 ms of simulated time. Brokers 0..2, controller endpoint 50, producer 60, consumer 61.
 *   Broker clocks drift: local ms = tick*10*rate + skew (rate 0.9..1.1, occasional forward jumps);
 *   the leader's ISR lag decisions use its local clock, the controller's session timeout its own.
 *   Follower: one Fetch outstanding to the leader it knows (currentLeaderEpoch, fetchOffset = LEO,
 *   lastFetchedEpoch), re-sent after a timeout; a divergingEpoch answer truncates (truncationFor);
 *   records are appended with their epochs; its HW = min(leader HW, own LEO).
 *   Leader: a LeaderState per leadership; answers Fetch (divergingEpoch or records), appends
 *   Produce, asks the controller for ISR changes (isrChangeToPropose -> AlterPartition), acks
 *   acks=all once HW > offset, refuses acks=all when ISR < minInsyncReplicas.
 *   Disk: appends go to page cache; an fsync every few ticks makes the prefix durable after a
 *   delay (slow disk: a long delay); a failing disk makes fsync fail, which crashes the broker.
 *   Crash-restart: the log keeps its durable prefix, the HW its checkpoint; the broker re-registers
 *   (new broker epoch) and follows the image again.
 *   Network: drop, duplicate, delay/reorder; partitions isolate one broker from everyone.
 *
 * ## Invariants (checked at every tick; the first broken one ends the run)
 *   one-leader-per-epoch  no two brokers become leader at the same leader epoch
 *   hw-monotonic          a leader's HW never goes back within its leadership
 *   prefix                two live replicas agree on every record below min(their HWs)
 *   acked-durable         the current leader (per the image, once it leads) holds every acked
 *                         acks=all record at its offset, unless that record was "excused"
 *   consumed-stable       likewise for every record a consumer received (read below the HW)
 *   ack-unique            no two acknowledgements for different records at one offset
 * Durability assumption (Kafka's): acks=all is durable by replication, not fsync. A record is
 * excused when a crash removes its last copy (every replica holding it lost it from page cache);
 * excused records are counted, not failures.
 */
import { SeededRandom } from "../../../raft/rand.ts";
import { divergingEpoch, truncationFor, type EpochEnd } from "../divergence.ts";
import { LeaderState } from "../leader-state.ts";
import { NO_LEADER } from "../../../metadata/records.ts";
import type { MetadataImage } from "../../../metadata/image.ts";
import type { AlterPartitionAnswer } from "../alter-partition.ts";
import { SimController, TOPIC_ID } from "./controller.ts";
import { SimLog, type Rec } from "./disk.ts";
import { SimNet } from "./network.ts";

/**
 * Deliberately broken variants (test-only), to prove the checker fails:
 *   follower-skips-truncation  followers ignore divergingEpoch
 *   hw-ignores-isr             the leader's HW is its log end
 *   alter-drops-pending        the leader drops its pending ISR change on any refusal or missing
 *                              answer (proposalFailed), as replication-manager.ts did before the fix:
 *                              a committed expansion whose answer was lost no longer holds the HW
 *   restart-keeps-isr          a re-registration keeps the broker's ISR places and leaderships (the
 *                              registration decision before the fix): a restarted broker that lost
 *                              its page cache goes on leading with the shorter log
 */
export type PlantedBug = "follower-skips-truncation" | "hw-ignores-isr" | "alter-drops-pending" | "restart-keeps-isr";

export interface SimOptions {
  ticks: number;
  brokers: number;
  minInsyncReplicas: number;
  faults: boolean;
  trace: boolean;
  /** Machine crashes (and failed fsyncs) lose the page cache; false: every crash is a process crash. */
  pageCacheLoss: boolean;
  /** Test-only: a deliberately broken variant, to prove the checker fails. */
  bug?: PlantedBug;
  /**
   * Bit rot at rest (issue 26): a durable record of one broker's log changes on its disk. Brokers
   * find it by scrubbing or reading; a leader never serves it (to consumers or followers); the
   * replica leaves the ISR (and hands over leadership) and, once out, truncates there and fetches
   * again. Off by default (the other seeds' runs stay as they were); its own RNG stream.
   */
  bitRot?: boolean;
}

export const DEFAULT_SIM: SimOptions = { ticks: 300, brokers: 3, minInsyncReplicas: 2, faults: true, trace: false, pageCacheLoss: true };

const TICK_MS = 10;
const LAG_MS = 200;
const SESSION_MS = 300;
const CONTROLLER = 50;
const PRODUCER = 60;
const CONSUMER = 61;
const FETCH_TIMEOUT_TICKS = 8;
const ALTER_TIMEOUT_TICKS = 8;
const MAX_FETCH_RECORDS = 8;

type Msg =
  | { k: "fetch"; epoch: number; offset: number; lastEpoch: number; brokerEpoch: bigint; req: number }
  | { k: "fetchResp"; epoch: number; error: string | null; diverging: EpochEnd | null; base: number; records: Rec[]; hw: number; req: number }
  | { k: "produce"; acks: 1 | -1; value: string }
  | { k: "produceResp"; acks: 1 | -1; value: string; offset: number; error: string | null }
  | { k: "consume"; offset: number }
  | { k: "consumeResp"; base: number; records: Rec[]; error: string | null }
  | { k: "alter"; id: number; le: number; pe: number; isr: number[]; epochs: [number, bigint][] }
  | { k: "alterResp"; id: number; le: number; ans: AlterPartitionAnswer }
  | { k: "hb"; brokerEpoch: bigint }
  | { k: "register"; incarnation: number }
  | { k: "registered"; incarnation: number; brokerEpoch: bigint }
  | { k: "image"; image: MetadataImage };

interface Node {
  id: number;
  up: boolean;
  downUntil: number;
  log: SimLog;
  hw: number;
  rate: number;
  skewMs: number;
  incarnation: number;
  brokerEpoch: bigint;
  imageOffset: number;
  /** Leader role: its LeaderState; follower role: leaderId/epoch. */
  ls: LeaderState | null;
  followLeader: number;
  followEpoch: number;
  fetchReq: number;
  fetchSentAt: number;
  fetchOffset: number;
  fetchCount: number;
  skipEpochCheck: boolean;
  pending: { offset: number; value: string }[];
  followerEpochs: Map<number, bigint>;
  /** Issue 26: the first corrupt offset found in this broker's log, waiting to be healed; -1 none. */
  rotAt: number;
  /** Tick the damage was found: fetches stop then, and the ISR exit waits for the last one to drain. */
  rotFoundAt: number;
  /** Leader and ISR in the image this broker applied last (the healer acts on its own image). */
  seenLeader: number;
  seenIsr: readonly number[];
  seenPartitionEpoch: number;
  /** The partition epoch the resignation made (the cut waits for the broker's image to reach it); -1 none. */
  rotResignedPe: number;
  alterSentAt: number;
  /** The AlterPartition in flight (answers to any other, e.g. a duplicated earlier one, are ignored). */
  alterSent: { id: number; le: number; pe: number; isr: number[]; epochs: [number, bigint][] } | null;
  diskSlow: boolean;
  diskFailing: boolean;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  failure: string | null;
  failedAtTick: number;
  trace: string[];
  stats: { acked: number; ackedAcks1: number; consumed: number; excused: number; crashes: number; elections: number; truncations: number; messages: number; rots: number; heals: number };
  /** A digest of the run (equal digests: identical runs). */
  digest: string;
}

class Violation extends Error {}

export class ReplicationSim {
  readonly rng: SeededRandom;
  readonly net: SimNet<Msg>;
  readonly ctl: SimController;
  readonly nodes: Node[] = [];
  readonly opts: SimOptions;
  tick = 0;
  readonly trace: string[] = [];
  private readonly acked = new Map<number, string>();
  private readonly consumed = new Map<number, string>();
  /** offset -> the records lost there under the durability assumption (they are not checked). */
  private readonly excused = new Map<number, Set<string>>();
  private excusedCount = 0;
  /** offset -> records some machine crash removed from some replica's page cache. */
  private readonly crashLost = new Map<number, Set<string>>();
  private isExcused(o: number, v: string | undefined): boolean {
    return v !== undefined && this.excused.get(o)?.has(v) === true;
  }
  private excuse(o: number, v: string): void {
    let s = this.excused.get(o);
    if (!s) this.excused.set(o, (s = new Set()));
    if (!s.has(v)) this.excusedCount++;
    s.add(v);
  }
  private readonly leaderOfEpoch = new Map<number, number>();
  private readonly stats = { acked: 0, ackedAcks1: 0, consumed: 0, excused: 0, crashes: 0, elections: 0, truncations: 0, messages: 0, rots: 0, heals: 0 };
  /** Bit rot's own stream (issue 26): enabling it does not change the other faults' choices. */
  private readonly rotRng: SeededRandom;
  private seq = 0;
  private alterIds = 0;
  private consumerPos = 0;
  private digestAcc = 0;

  constructor(
    readonly seed: number,
    opts: Partial<SimOptions> = {},
  ) {
    this.opts = { ...DEFAULT_SIM, ...opts };
    this.rng = new SeededRandom(seed);
    this.rotRng = new SeededRandom(((seed * 2654435761) ^ 0x5eed) >>> 0);
    const f = this.opts.faults;
    this.net = new SimNet(this.rng.fork(1), { dropRate: f ? 0.04 : 0, duplicateRate: f ? 0.03 : 0, maxDelayTicks: f ? 4 : 1, maxQueued: 5000 });
    this.ctl = new SimController(this.opts.brokers, SESSION_MS, this.opts.bug === "restart-keeps-isr", (s) => this.t(s));
    for (let id = 0; id < this.opts.brokers; id++) {
      const drift = f ? 0.9 + this.rng.nextFloat() * 0.2 : 1;
      this.nodes.push({
        id, rotAt: -1, rotFoundAt: -1, seenLeader: NO_LEADER, seenIsr: [], seenPartitionEpoch: -1, rotResignedPe: -1, up: true, downUntil: 0, log: new SimLog(), hw: 0, rate: drift, skewMs: f ? this.rng.nextInt(500) : 0, incarnation: 0,
        brokerEpoch: this.ctl.brokerEpochs.get(id)!, imageOffset: -1, ls: null, followLeader: NO_LEADER, followEpoch: -1,
        fetchReq: 0, fetchSentAt: -1, fetchOffset: -1, fetchCount: 0, skipEpochCheck: false, pending: [], followerEpochs: new Map(), alterSentAt: -1, alterSent: null, diskSlow: false, diskFailing: false,
      });
    }
    for (const n of this.nodes) this.applyImage(n, this.ctl.image);
  }

  private t(s: string): void {
    if (this.opts.trace) this.trace.push(`${String(this.tick).padStart(4)} ${s}`);
  }
  private fail(what: string): never {
    throw new Violation(what);
  }
  private localMs(n: Node): number {
    return Math.floor(this.tick * TICK_MS * n.rate) + n.skewMs;
  }
  private send(from: number, to: number, m: Msg): void {
    this.stats.messages++;
    this.net.send(from, to, m, this.tick);
  }

  run(): SimResult {
    let failure: string | null = null;
    try {
      for (this.tick = 1; this.tick <= this.opts.ticks; this.tick++) this.step();
    } catch (e) {
      if (!(e instanceof Violation)) throw e;
      failure = e.message;
      this.t(`VIOLATION ${e.message}`);
    }
    const digest = `${this.digestAcc.toString(16)}:${this.stats.messages}:${this.acked.size}:${this.nodes.map((n) => `${n.log.logEnd}/${n.hw}`).join(",")}`;
    return { seed: this.seed, ok: failure === null, failure, failedAtTick: failure ? this.tick : -1, trace: this.trace, stats: { ...this.stats, acked: this.acked.size, consumed: this.consumed.size, excused: this.excusedCount }, digest };
  }

  private step(): void {
    if (this.opts.faults) this.injectFaults();
    if (this.opts.faults && this.opts.bitRot) this.rotAndScrub();
    for (const n of this.nodes) if (!n.up && this.tick >= n.downUntil) this.restart(n);
    for (const e of this.net.takeDue(this.tick)) {
      this.digestAcc = (Math.imul(this.digestAcc, 31) + e.from * 7 + e.to + e.msg.k.length) | 0;
      this.deliver(e.from, e.to, e.msg);
    }
    if (this.ctl.tick(this.tick * TICK_MS)) this.publish();
    if (this.tick % 10 === 0) this.publish();
    for (const n of this.nodes) if (n.up) this.nodeTick(n);
    this.clients();
    this.check();
  }

  // ---- faults ----
  private injectFaults(): void {
    const r = this.rng;
    const n = this.nodes[r.nextInt(this.nodes.length)]!;
    // A process crash (kill -9) keeps the page cache; a machine crash loses what was not fsynced.
    if (n.up && r.chance(0.004)) this.crash(n, "process crash", false);
    if (n.up && r.chance(0.004)) this.crash(n, "machine crash", this.opts.pageCacheLoss);
    if (r.chance(0.006)) {
      const everyone = [CONTROLLER, PRODUCER, CONSUMER, ...this.nodes.map((x) => x.id)];
      for (const o of everyone) if (o !== n.id) this.net.cutBoth(n.id, o);
      this.t(`net  isolate b${n.id}`);
    }
    if (r.chance(0.004)) {
      const m = this.nodes[r.nextInt(this.nodes.length)]!;
      if (m !== n) {
        this.net.cutBoth(n.id, m.id);
        this.t(`net  cut b${n.id}<->b${m.id}`);
      }
    }
    if (this.net.cutLinks > 0 && r.chance(0.03)) {
      this.net.healAll();
      this.t("net  heal");
    }
    if (r.chance(0.004)) {
      n.diskSlow = !n.diskSlow;
      this.t(`disk b${n.id} slow=${n.diskSlow}`);
    }
    if (r.chance(0.0015)) {
      n.diskFailing = !n.diskFailing;
      this.t(`disk b${n.id} failing=${n.diskFailing}`);
    }
    if (r.chance(0.003)) {
      const jump = 50 + r.nextInt(400);
      n.skewMs += jump;
      this.t(`clock b${n.id} jumps +${jump}ms`);
    }
  }

  /** Issue 26: a durable record rots on one broker's disk; brokers scrub; found ranges heal. */
  private rotAndScrub(): void {
    const r = this.rotRng;
    if (r.chance(0.01)) {
      const n = this.nodes[r.nextInt(this.nodes.length)]!;
      if (n.log.durable > 0) {
        const o = r.nextInt(n.log.durable);
        const e = n.log.entries[o]!;
        if (!e.rot) {
          n.log.entries[o] = { ...e, rot: true };
          this.stats.rots++;
          this.t(`disk b${n.id} bit rot at offset ${o} (${e.value})`);
        }
      }
    }
    for (const n of this.nodes) {
      if (!n.up) continue;
      if (r.chance(0.05)) {
        const f = n.log.entries.findIndex((e) => e.rot === true);
        if (f >= 0) this.corruptFound(n, f, "scrub");
      }
      if (n.rotAt >= 0) this.heal(n);
    }
  }

  private corruptFound(n: Node, offset: number, by: string): void {
    if (n.rotAt >= 0 && n.rotAt <= offset) return;
    if (n.rotAt < 0) n.rotFoundAt = this.tick;
    n.rotAt = offset;
    this.t(`b${n.id} finds a corrupt record at ${offset} (${by})`);
  }

  /** corruption-healer.ts: out of the ISR (and leadership) first, then truncate and fetch again. */
  private heal(n: Node): void {
    if (n.rotAt >= n.log.logEnd) {
      n.rotAt = -1;
      n.rotResignedPe = -1;
      return;
    }
    // Fetches stopped when the damage was found; what the leader learnt from earlier ones (an
    // expansion in flight, a fetch still on the wire) settles first, so no ISR decision made
    // after the cut can rest on the log end before it.
    if (!n.ls && this.tick - n.rotFoundAt <= FETCH_TIMEOUT_TICKS + ALTER_TIMEOUT_TICKS + 6) return;
    if (n.rotResignedPe < 0 || this.ctl.partition.isr.includes(n.id)) {
      if (this.ctl.resignCorrupt(n.id)) {
        n.rotResignedPe = this.ctl.partition.partitionEpoch;
        this.publish();
      }
      return;
    }
    if (n.seenPartitionEpoch < n.rotResignedPe) return;
    // Cut only once its own image says it is out of the ISR and not leading (as the real healer,
    // which reads the broker's image): a leadership granted before the exit may still arrive.
    if (n.ls || n.seenLeader === n.id || n.seenIsr.includes(n.id)) return;
    this.t(`b${n.id} truncates its corrupt tail ${n.log.logEnd} -> ${n.rotAt} and fetches again`);
    n.log.truncateTo(n.rotAt);
    n.hw = Math.min(n.hw, n.log.logEnd);
    n.rotAt = -1;
    n.rotResignedPe = -1;
    this.stats.heals++;
  }

  /** The records a leader may serve: up to its first rotten one (the read path's verification). */
  private servable(n: Node, records: Rec[], base: number): Rec[] {
    const k = records.findIndex((e) => e.rot === true);
    if (k < 0) return records;
    this.corruptFound(n, base + k, "read");
    return records.slice(0, k);
  }

  private crash(n: Node, why: string, losePageCache: boolean): void {
    const before = n.log.entries.slice();
    const lost = losePageCache ? n.log.crash() : { from: n.log.logEnd, to: n.log.logEnd };
    if (!losePageCache) n.log.durable = n.log.logEnd;
    this.stats.crashes++;
    this.t(`${why} b${n.id}: log ${lost.to} -> ${lost.from} (durable), hw ${n.hw} -> ${Math.min(n.log.durableHw, n.log.logEnd)}`);
    n.up = false;
    n.rotAt = -1;
    n.rotResignedPe = -1;
    n.downUntil = this.tick + 1 + this.rng.nextInt(30);
    n.ls = null;
    n.pending = [];
    n.followLeader = NO_LEADER;
    n.followEpoch = -1;
    n.fetchSentAt = -1;
    n.alterSentAt = -1;
    n.alterSent = null;
    n.hw = Math.min(n.log.durableHw, n.log.logEnd);
    for (let o = lost.from; o < lost.to; o++) {
      let vs = this.crashLost.get(o);
      if (!vs) this.crashLost.set(o, (vs = new Set()));
      vs.add(before[o]!.value);
    }
    this.reexcuse();
  }

  /**
   * Kafka's durability assumption: acks=all is durable by replication, not by fsync. A record that
   * a machine crash removed from some replica's page cache is excused once no member of the ISR
   * (as the controller has it now) holds it: every in-sync copy was lost to crashes, or the
   * controller left only replicas that lost it in the ISR. Run after every crash and ISR change.
   */
  private reexcuse(): void {
    const isr = this.ctl.partition.isr;
    for (const [o, vs] of this.crashLost) {
      for (const v of vs) {
        if (this.isExcused(o, v)) continue;
        if (this.nodes.some((m) => isr.includes(m.id) && m.log.entries[o]?.value === v)) continue;
        this.excuse(o, v);
        this.t(`     offset ${o} (${v}) excused: lost in a crash and no ISR member [${isr.join(",")}] holds it`);
      }
    }
  }

  private restart(n: Node): void {
    n.up = true;
    n.incarnation++;
    n.brokerEpoch = 0n;
    this.t(`start b${n.id} incarnation ${n.incarnation} log=${n.log.logEnd} hw=${n.hw}`);
    this.send(n.id, CONTROLLER, { k: "register", incarnation: n.incarnation });
  }

  // ---- controller ----
  private readonly registeredIncarnation = new Map<number, [number, bigint]>();

  private publish(): void {
    this.reexcuse();
    for (const n of this.nodes) this.send(CONTROLLER, n.id, { k: "image", image: this.ctl.image });
  }

  private controllerReceive(from: number, m: Msg): void {
    const now = this.tick * TICK_MS;
    if (m.k === "register") {
      const prev = this.registeredIncarnation.get(from);
      let epoch: bigint;
      if (prev && prev[0] === m.incarnation) epoch = prev[1];
      else {
        epoch = this.ctl.register(from, now);
        this.registeredIncarnation.set(from, [m.incarnation, epoch]);
        this.publish();
      }
      this.send(CONTROLLER, from, { k: "registered", incarnation: m.incarnation, brokerEpoch: epoch });
    } else if (m.k === "hb") {
      if (this.ctl.heartbeat(from, m.brokerEpoch, now)) this.publish();
    } else if (m.k === "alter") {
      const before = this.ctl.changes;
      const ans = this.ctl.alterPartition(from, m.le, m.pe, m.isr, new Map(m.epochs));
      this.send(CONTROLLER, from, { k: "alterResp", id: m.id, le: m.le, ans });
      if (this.ctl.changes !== before) this.publish();
    }
  }

  // ---- brokers ----
  private deliver(from: number, to: number, m: Msg): void {
    if (to === CONTROLLER) return this.controllerReceive(from, m);
    if (to === PRODUCER) return this.producerReceive(m);
    if (to === CONSUMER) return this.consumerReceive(m);
    const n = this.nodes[to]!;
    if (!n.up) return;
    switch (m.k) {
      case "registered":
        if (m.incarnation === n.incarnation && n.brokerEpoch === 0n) {
          n.brokerEpoch = m.brokerEpoch;
          this.t(`b${n.id} registered epoch=${m.brokerEpoch}`);
        }
        return;
      case "image":
        if (n.brokerEpoch !== 0n) this.applyImage(n, m.image);
        return;
      case "fetch":
        return this.leaderFetch(n, from, m);
      case "fetchResp":
        return this.followerFetchResp(n, from, m);
      case "produce":
        return this.leaderProduce(n, m);
      case "consume":
        return this.leaderConsume(n, m);
      case "alterResp":
        if (n.ls && n.ls.leaderEpoch === m.le && n.alterSentAt >= 0 && n.alterSent?.id === m.id) {
          n.alterSentAt = -1;
          n.alterSent = null;
          const a = m.ans;
          if (this.opts.bug === "alter-drops-pending") {
            n.ls.alterUnanswered();
            if (a.errorCode === 0) n.ls.committed(a.isr, a.partitionEpoch, this.localMs(n));
            else n.ls.proposalFailed();
          } else {
            const outcome = n.ls.alterAnswered(a, this.localMs(n));
            if (a.errorCode !== 0) this.t(`b${n.id} alter refused error=${a.errorCode} pe=${a.partitionEpoch}: ${outcome}`);
          }
          this.updateHw(n);
        }
        return;
    }
  }

  private applyImage(n: Node, image: MetadataImage): void {
    if (image.offset <= n.imageOffset) return;
    // A broker acts on metadata only once it holds its own current registration (Kafka's broker
    // catches up with the metadata log before it starts its replica manager); the offset it has
    // applied survives a restart (the metadata log is fsynced by Raft).
    if (image.brokers.get(n.id)?.epoch !== n.brokerEpoch) return;
    n.imageOffset = image.offset;
    const p = image.topicsById.get(TOPIC_ID)!.partitions[0]!;
    n.seenLeader = p.leader;
    n.seenIsr = p.isr;
    n.seenPartitionEpoch = p.partitionEpoch;
    const now = this.localMs(n);
    if (p.leader === n.id) {
      if (n.ls && n.ls.leaderEpoch === p.leaderEpoch) {
        n.ls.committed(p.isr, p.partitionEpoch, now);
        this.updateHw(n);
        return;
      }
      if (n.ls && n.ls.leaderEpoch > p.leaderEpoch) return;
      this.becomeLeader(n, p.leaderEpoch, p.partitionEpoch, p.replicas, p.isr);
      return;
    }
    if (n.ls) {
      if (n.ls.leaderEpoch > p.leaderEpoch) return;
      this.t(`b${n.id} resigns leadership of epoch ${n.ls.leaderEpoch}`);
      n.ls = null;
      n.pending = [];
    }
    if (n.followEpoch !== p.leaderEpoch || n.followLeader !== p.leader) {
      n.followLeader = p.leader;
      n.followEpoch = p.leaderEpoch;
      n.fetchSentAt = -1;
      this.t(`b${n.id} follows b${p.leader} at epoch ${p.leaderEpoch}`);
    }
  }

  private becomeLeader(n: Node, le: number, pe: number, replicas: readonly number[], isr: readonly number[]): void {
    const prev = this.leaderOfEpoch.get(le);
    if (prev !== undefined && prev !== n.id) this.fail(`one-leader-per-epoch: b${prev} and b${n.id} both lead epoch ${le}`);
    this.leaderOfEpoch.set(le, n.id);
    this.stats.elections++;
    n.log.assignEpoch(le, n.log.logEnd);
    n.ls = new LeaderState({ leaderId: n.id, leaderEpoch: le, partitionEpoch: pe, replicas, isr, leaderLogEndOffset: n.log.logEnd, highWatermark: n.hw, nowMs: this.localMs(n), replicaLagTimeMaxMs: LAG_MS });
    n.hw = this.opts.bug === "hw-ignores-isr" ? n.hw : n.ls.highWatermark;
    n.followLeader = NO_LEADER;
    n.followEpoch = -1;
    n.pending = [];
    n.alterSentAt = -1;
    n.alterSent = null;
    n.followerEpochs.clear();
    this.t(`b${n.id} becomes leader epoch=${le} pe=${pe} isr=[${isr.join(",")}] leo=${n.log.logEnd} hw=${n.hw}`);
  }

  private updateHw(n: Node): void {
    const ls = n.ls!;
    const next = this.opts.bug === "hw-ignores-isr" ? n.log.logEnd : ls.highWatermark;
    if (next < n.hw) this.fail(`hw-monotonic: leader b${n.id} epoch ${ls.leaderEpoch} HW ${n.hw} -> ${next}`);
    if (next > n.hw) this.t(`b${n.id} hw ${n.hw} -> ${next}`);
    n.hw = next;
    const still: typeof n.pending = [];
    for (const p of n.pending) {
      if (p.offset >= n.hw) still.push(p);
      else if (n.log.entries[p.offset]?.value === p.value) this.send(n.id, PRODUCER, { k: "produceResp", acks: -1, value: p.value, offset: p.offset, error: null });
    }
    n.pending = still;
  }

  private leaderFetch(n: Node, from: number, m: Extract<Msg, { k: "fetch" }>): void {
    const reply = (r: Partial<Extract<Msg, { k: "fetchResp" }>>) =>
      this.send(n.id, from, { k: "fetchResp", epoch: m.epoch, error: null, diverging: null, base: m.offset, records: [], hw: n.hw, req: m.req, ...r });
    const ls = n.ls;
    if (!ls) return reply({ error: "NOT_LEADER_OR_FOLLOWER" });
    if (m.epoch < ls.leaderEpoch) return reply({ error: "FENCED_LEADER_EPOCH" });
    if (m.epoch > ls.leaderEpoch) return reply({ error: "UNKNOWN_LEADER_EPOCH" });
    const d = divergingEpoch(n.log.epochs, n.log.logEnd, m.lastEpoch, m.offset);
    if (d) return reply({ diverging: d });
    if (m.offset > n.log.logEnd) return reply({ error: "OFFSET_OUT_OF_RANGE" });
    n.followerEpochs.set(from, m.brokerEpoch);
    ls.followerFetched(from, m.offset, this.localMs(n));
    this.updateHw(n);
    const records = this.servable(n, n.log.entries.slice(m.offset, m.offset + MAX_FETCH_RECORDS), m.offset);
    if (records.length === 0 && m.offset < n.log.logEnd) return reply({ error: "CORRUPT_MESSAGE", hw: n.hw });
    reply({ records, hw: n.hw });
  }

  private followerFetchResp(n: Node, from: number, m: Extract<Msg, { k: "fetchResp" }>): void {
    if (m.req !== n.fetchReq || n.fetchSentAt < 0) return;
    n.fetchSentAt = -1;
    if (n.ls || from !== n.followLeader || m.epoch !== n.followEpoch || n.log.logEnd !== n.fetchOffset) return;
    if (m.error) return;
    if (m.diverging) {
      const t = truncationFor(n.log.epochs, n.log.logEnd, n.hw, m.diverging);
      if (this.opts.bug === "follower-skips-truncation") {
        n.skipEpochCheck = true;
        this.t(`b${n.id} (planted bug) ignores divergence {${m.diverging.epoch},${m.diverging.endOffset}}`);
        return;
      }
      this.stats.truncations++;
      this.t(`b${n.id} diverging {${m.diverging.epoch},${m.diverging.endOffset}}: truncate ${n.log.logEnd} -> ${t.offset}${t.complete ? "" : " (again)"}`);
      n.log.truncateTo(t.offset);
      if (n.hw > n.log.logEnd) n.hw = n.log.logEnd;
      return;
    }
    for (const r of m.records) n.log.append(r);
    // Partition.followerHighWatermark: min(leader's HW, own LEO), downwards too.
    n.hw = Math.min(m.hw, n.log.logEnd);
  }

  private leaderProduce(n: Node, m: Extract<Msg, { k: "produce" }>): void {
    const ls = n.ls;
    const err = (error: string) => this.send(n.id, PRODUCER, { k: "produceResp", acks: m.acks, value: m.value, offset: -1, error });
    if (!ls) return err("NOT_LEADER_OR_FOLLOWER");
    if (m.acks === -1 && ls.isr.length < this.opts.minInsyncReplicas) return err("NOT_ENOUGH_REPLICAS");
    if (n.log.entries.some((r) => r.value === m.value)) return; // a duplicated request: the idempotent producer's dedup
    const offset = n.log.logEnd;
    n.log.append({ epoch: ls.leaderEpoch, value: m.value });
    ls.leaderAppended(n.log.logEnd);
    this.t(`b${n.id} append ${m.value} at ${offset} acks=${m.acks === -1 ? "all" : "1"}`);
    if (m.acks === 1) this.send(n.id, PRODUCER, { k: "produceResp", acks: 1, value: m.value, offset, error: null });
    else n.pending.push({ offset, value: m.value });
    this.updateHw(n);
  }

  private leaderConsume(n: Node, m: Extract<Msg, { k: "consume" }>): void {
    if (!n.ls) return this.send(n.id, CONSUMER, { k: "consumeResp", base: m.offset, records: [], error: "NOT_LEADER_OR_FOLLOWER" });
    const end = Math.min(n.hw, m.offset + MAX_FETCH_RECORDS);
    const records = this.servable(n, n.log.entries.slice(m.offset, Math.max(m.offset, end)), m.offset);
    if (records.length === 0 && m.offset < end) return this.send(n.id, CONSUMER, { k: "consumeResp", base: m.offset, records: [], error: "CORRUPT_MESSAGE" });
    this.send(n.id, CONSUMER, { k: "consumeResp", base: m.offset, records, error: null });
  }

  private nodeTick(n: Node): void {
    if (n.brokerEpoch === 0n) {
      if (this.tick % 5 === 0) this.send(n.id, CONTROLLER, { k: "register", incarnation: n.incarnation });
      return;
    }
    if (this.tick % 3 === n.id % 3) this.send(n.id, CONTROLLER, { k: "hb", brokerEpoch: n.brokerEpoch });
    // Disk.
    if (n.log.completeFlush(this.tick) && n.diskFailing && this.rng.chance(0.5)) return this.crash(n, "fsync failed, halt", this.opts.pageCacheLoss);
    if (this.tick % 4 === n.id % 4) n.log.startFlush(this.tick, n.diskSlow ? 20 + this.rng.nextInt(40) : 1 + this.rng.nextInt(2), n.hw);
    if (n.ls) {
      const ls = n.ls;
      if (n.alterSentAt >= 0 && this.tick - n.alterSentAt > ALTER_TIMEOUT_TICKS) {
        // No answer: replication-manager.ts's controllerCall rejects (timeout) -> alterUnanswered();
        // the pending change stays and isrChangeToPropose() offers it again ("retry").
        n.alterSentAt = -1;
        n.alterSent = null;
        ls.alterUnanswered();
        if (this.opts.bug === "alter-drops-pending") ls.proposalFailed();
        this.updateHw(n);
      }
      const prop = n.alterSentAt < 0 ? ls.isrChangeToPropose(this.localMs(n)) : null;
      if (prop) {
        ls.proposed(prop.isr);
        n.alterSentAt = this.tick;
        this.t(`b${n.id} proposes ${prop.kind} isr=[${prop.isr.join(",")}] (pe=${ls.partitionEpoch})`);
        n.alterSent = { id: ++this.alterIds, le: ls.leaderEpoch, pe: ls.partitionEpoch, isr: prop.isr, epochs: [...n.followerEpochs] };
        this.send(n.id, CONTROLLER, { k: "alter", ...n.alterSent });
      }
      return;
    }
    if (n.followLeader === NO_LEADER) return;
    if (n.rotAt >= 0) return; // healing: no fetch until the damaged tail is cut (heal())
    if (n.fetchSentAt >= 0 && this.tick - n.fetchSentAt <= FETCH_TIMEOUT_TICKS) return;
    n.fetchReq++;
    n.fetchSentAt = this.tick;
    n.fetchOffset = n.log.logEnd;
    const lastEpoch = n.skipEpochCheck ? -1 : n.log.lastEpoch;
    this.send(n.id, n.followLeader, { k: "fetch", epoch: n.followEpoch, offset: n.log.logEnd, lastEpoch, brokerEpoch: n.brokerEpoch, req: n.fetchReq });
  }

  // ---- clients ----
  private clients(): void {
    const leader = this.ctl.partition.leader;
    if (leader !== NO_LEADER && this.rng.chance(0.5)) {
      const acks = this.rng.chance(0.7) ? -1 : 1;
      this.send(PRODUCER, leader, { k: "produce", acks, value: `v${this.seq++}` });
    }
    if (leader !== NO_LEADER && this.tick % 2 === 0) this.send(CONSUMER, leader, { k: "consume", offset: this.consumerPos });
  }

  private producerReceive(m: Msg): void {
    if (m.k !== "produceResp" || m.error) return;
    if (m.acks === 1) {
      this.stats.ackedAcks1++;
      return;
    }
    const prev = this.acked.get(m.offset);
    if (prev !== undefined && prev !== m.value && !this.isExcused(m.offset, prev)) this.fail(`ack-unique: offset ${m.offset} acknowledged for ${prev} and for ${m.value}`);
    if (prev === undefined) this.t(`ack  ${m.value} at ${m.offset}`);
    this.acked.set(m.offset, m.value);
    this.excuseIfLost(m.offset, m.value);
  }

  private consumerReceive(m: Msg): void {
    if (m.k !== "consumeResp" || m.error || m.base !== this.consumerPos) return;
    m.records.forEach((r, i) => {
      const o = m.base + i;
      if (r.rot) this.fail(`consumed-rotten: the consumer received the rotten copy of offset ${o} (${r.value})`);
      const prev = this.consumed.get(o);
      if (prev !== undefined && prev !== r.value && !this.isExcused(o, prev)) this.fail(`consumed-stable: offset ${o} read as ${prev} and later as ${r.value}`);
      this.consumed.set(o, r.value);
      this.excuseIfLost(o, r.value);
    });
    if (m.records.length > 0) this.t(`read ${m.base}..${m.base + m.records.length - 1}`);
    this.consumerPos += m.records.length;
  }

  /** An answer that arrives after every ISR copy of its record was lost in crashes (it was in flight). */
  private excuseIfLost(o: number, v: string): void {
    if (this.isExcused(o, v) || !this.crashLost.get(o)?.has(v)) return;
    const isr = this.ctl.partition.isr;
    if (this.nodes.some((m) => isr.includes(m.id) && m.log.entries[o]?.value === v)) return;
    this.excuse(o, v);
    this.t(`     offset ${o} (${v}) excused: answered after no ISR member held it any more`);
  }

  // ---- invariants ----
  private check(): void {
    const live = this.nodes.filter((n) => n.up);
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const a = live[i]!;
        const b = live[j]!;
        const upTo = Math.min(a.hw, b.hw, a.log.logEnd, b.log.logEnd);
        for (let o = 0; o < upTo; o++) {
          const x = a.log.entries[o]!;
          const y = b.log.entries[o]!;
          if (x !== y && (this.isExcused(o, x.value) || this.isExcused(o, y.value))) continue;
          if (x.value !== y.value || x.epoch !== y.epoch)
            this.fail(`prefix: b${a.id} (hw ${a.hw}) has ${x.value}@e${x.epoch} at ${o}, b${b.id} (hw ${b.hw}) has ${y.value}@e${y.epoch}`);
        }
      }
    }
    const p = this.ctl.partition;
    const leader = p.leader === NO_LEADER ? undefined : this.nodes[p.leader];
    if (!leader || !leader.up || !leader.ls || leader.ls.leaderEpoch !== p.leaderEpoch) return;
    for (const [what, tracked] of [["acked-durable", this.acked], ["consumed-stable", this.consumed]] as const) {
      for (const [o, v] of tracked) {
        if (this.isExcused(o, v)) continue;
        const got = leader.log.entries[o];
        if (got?.value !== v) this.fail(`${what}: leader b${leader.id} (epoch ${p.leaderEpoch}) has ${got ? got.value : "nothing"} at ${o}, ${what === "acked-durable" ? "acknowledged" : "consumed"} as ${v}`);
      }
    }
  }
}

export function runSeed(seed: number, opts: Partial<SimOptions> = {}): SimResult {
  return new ReplicationSim(seed, opts).run();
}

/** A failing seed's report: the seed, the violation and the trace of a traced replay. */
export function describeFailure(r: SimResult, opts: Partial<SimOptions> = {}, lastLines = 80): string {
  const replay = r.trace.length > 0 ? r : runSeed(r.seed, { ...opts, trace: true });
  const lines = replay.trace.slice(-lastLines);
  const flags = [
    opts.pageCacheLoss === false ? " --no-page-cache-loss" : "",
    opts.bug ? ` --bug ${opts.bug}` : "",
  ].join("");
  return `seed ${r.seed} failed at tick ${r.failedAtTick}: ${r.failure}\nreplay: bun scripts/sim-replication.ts --seed ${r.seed} --trace${flags}\n--- last ${lines.length} of ${replay.trace.length} trace lines ---\n${lines.join("\n")}`;
}
