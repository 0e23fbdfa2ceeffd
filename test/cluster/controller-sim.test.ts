/**
 * The controller state machine under the Raft simulator's faults: seeded runs of a 3- or 5-voter
 * quorum whose leader decides real metadata operations (metadata/decisions.ts: broker
 * registration, fencing and unfencing, topic creation and deletion, partitions, configs, plus
 * batches that do not replay) and whose nodes apply committed entries to the metadata image
 * (metadata/replicated-image.ts), compact into image snapshots and restore from them. Faults: lost,
 * duplicated, delayed and reordered messages, partitions, crash-restart from the durable store.
 *
 * Checked at every apply and every snapshot restore: the image a node holds at log index i is
 * identical (canonical records) to every other node's image at i. A failure names the seed;
 * `TAKHIN_CONTROLLER_SIM_SEEDS=N` runs more seeds.
 */
import { describe, expect, test } from "bun:test";
import { Raft } from "../../src/raft/raft.ts";
import { SeededRandom } from "../../src/raft/rand.ts";
import { MemoryStore } from "../../src/raft/storage.ts";
import type { Entry } from "../../src/raft/types.ts";
import { createPartitionsRecords, createTopicRecords, DecisionError, fenceBrokerRecords, registerBrokerRecords, topicConfigRecords, unfenceBrokerRecords } from "../../src/metadata/decisions.ts";
import type { MetadataImage } from "../../src/metadata/image.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";
import { encodeBatchEntry, encodeImageSnapshot, ReplicatedImage } from "../../src/metadata/replicated-image.ts";
import { SimNetwork } from "../raft/sim/network.ts";

interface Node {
  id: number;
  store: MemoryStore;
  raft: Raft | null;
  state: ReplicatedImage;
}

function imageKey(image: MetadataImage): string {
  return String(Bun.hash(encodeImageSnapshot(image)));
}

class ControllerSim {
  readonly rng: SeededRandom;
  readonly net: SimNetwork;
  readonly nodes: Node[] = [];
  /** Log index -> image key, as first seen by any node. */
  readonly imageAt = new Map<number, string>();
  now = 0;
  proposals = 0;
  applied = 0;
  restores = 0;
  private ids = 0;
  /** Most topics any node's image held at the end of a run (the runs must do real work). */
  maxTopics = 0;

  /** A deterministic 22-character id (the uuid form records require). */
  uuid(): string {
    return `sim${String(this.ids++).padStart(19, "0")}`;
  }

  constructor(
    readonly seed: number,
    readonly voters: number[],
    readonly compactEvery: number,
  ) {
    this.rng = new SeededRandom(seed);
    this.net = new SimNetwork(this.rng.fork(1), { dropRate: 0.05, duplicateRate: 0.03, maxDelayTicks: 3 });
    for (const id of voters) {
      const n: Node = { id, store: new MemoryStore(), raft: null, state: new ReplicatedImage() };
      this.nodes.push(n);
      this.start(n);
    }
  }

  fail(msg: string): never {
    throw new Error(`controller sim seed ${this.seed} t=${this.now}: ${msg}`);
  }

  start(n: Node): void {
    const stored = n.store.load();
    const empty = stored.entries.length === 0 && !stored.snapshot && stored.hardState.term === 0;
    n.raft = new Raft({ id: n.id, electionTimeoutTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true, maxSizePerMsgBytes: 4096, random: this.rng.fork(100 + n.id + this.now) }, { ...stored, bootstrapVoters: empty ? this.voters : undefined });
    n.state = new ReplicatedImage();
    if (stored.snapshot) this.restore(n, stored.snapshot.meta.index, stored.snapshot.data);
    this.drive(n);
  }

  restore(n: Node, index: number, data: Uint8Array): void {
    n.state.restore(index, data);
    this.restores++;
    this.check(n, index);
  }

  check(n: Node, index: number): void {
    const key = imageKey(n.state.image);
    const seen = this.imageAt.get(index);
    if (seen === undefined) this.imageAt.set(index, key);
    else if (seen !== key) this.fail(`node ${n.id} holds a different image at index ${index}`);
  }

  drive(n: Node): void {
    for (let round = 0; round < 32; round++) {
      const raft = n.raft;
      if (!raft || !raft.hasReady()) break;
      const rd = raft.ready();
      n.store.save(rd.hardState, rd.entries, rd.snapshot);
      for (const m of rd.messages) this.net.send(m, this.now);
      if (rd.snapshot && rd.snapshot.meta.index > n.state.appliedIndex) this.restore(n, rd.snapshot.meta.index, rd.snapshot.data);
      for (const e of rd.committedEntries) this.apply(n, e);
      raft.advance();
    }
    const raft = n.raft;
    if (raft && n.state.appliedIndex - raft.log.snapshotIndex >= this.compactEvery && n.state.appliedIndex <= raft.log.applied && !raft.hasReady()) {
      raft.compact(n.state.appliedIndex, encodeImageSnapshot(n.state.image));
      this.drive(n);
    }
  }

  apply(n: Node, e: Entry): void {
    if (e.index <= n.state.appliedIndex) return;
    n.state.apply(e.index, e.kind, e.data);
    this.applied++;
    this.check(n, e.index);
  }

  leader(): Node | undefined {
    return this.nodes.find((n) => n.raft?.role === "leader" && n.raft.log.term(n.raft.log.committed) === n.raft.term && n.state.appliedIndex >= n.raft.log.committed);
  }

  /** One random operation decided on the leader's image, as the runtime does. */
  decide(image: MetadataImage, nextIndex: number): MetadataRecord[] {
    const r = this.rng;
    const brokers = [...image.brokers.keys()];
    const topics = [...image.topicsById.values()];
    const op = r.nextInt(10);
    try {
      if (op <= 1 || brokers.length === 0) {
        const id = r.nextInt(5);
        return registerBrokerRecords(id, this.uuid(), BigInt(nextIndex), [{ name: "PLAINTEXT", host: "h", port: 9000 + id, securityProtocol: 0 }], r.chance(0.5) ? "rack-a" : null, false);
      }
      if (op === 2) return fenceBrokerRecords(image, r.pick(brokers));
      if (op === 3) return unfenceBrokerRecords(image, r.pick(brokers));
      if (op <= 5) {
        return createTopicRecords(image, { name: `t${r.nextInt(20)}`, topicId: this.uuid(), partitions: 1 + r.nextInt(4), replicationFactor: 1 + r.nextInt(3), configs: r.chance(0.3) ? { "cleanup.policy": "compact" } : {} });
      }
      if (op === 6 && topics.length > 0) return [{ type: "RemoveTopic", topicId: r.pick(topics).id }];
      if (op === 7 && topics.length > 0) {
        const t = r.pick(topics);
        return createPartitionsRecords(image, t.id, t.partitions.length + 1 + r.nextInt(2));
      }
      if (op === 8 && topics.length > 0) return topicConfigRecords(image, r.pick(topics).name, r.chance(0.5) ? { "retention.ms": String(r.nextInt(100000)) } : {});
      // A batch that does not replay (an unknown topic): every node must skip it alike.
      return [{ type: "PartitionChange", topicId: "nosuchtopic00000000000", partitionId: 0, leader: 0, isr: null, replicas: null }];
    } catch (e) {
      if (e instanceof DecisionError) return [];
      throw e;
    }
  }

  step(): void {
    this.now++;
    const r = this.rng;
    // Faults.
    if (r.chance(0.01)) {
      const n = r.pick(this.nodes);
      if (n.raft) n.raft = null;
    }
    for (const n of this.nodes) if (!n.raft && r.chance(0.05)) this.start(n);
    if (r.chance(0.01)) this.net.isolate(r.pick(this.voters), this.voters);
    if (r.chance(0.03)) for (const id of this.voters) this.net.reconnect(id, this.voters);
    // Work.
    const l = this.leader();
    if (l && r.chance(0.4)) {
      const records = this.decide(l.state.image, l.raft!.log.lastIndex() + 1);
      if (records.length > 0 && l.raft!.propose(encodeBatchEntry(records)).ok) this.proposals++;
      this.drive(l);
    }
    for (const n of this.nodes) {
      if (!n.raft) continue;
      n.raft.tick();
      this.drive(n);
    }
    for (const m of this.net.takeDue(this.now)) {
      const n = this.nodes.find((x) => x.id === m.to);
      if (!n?.raft) continue;
      n.raft.step(m);
      this.drive(n);
    }
  }

  /** Heal, let every node catch up, and check that all hold the same image at the same index. */
  settle(): void {
    for (const id of this.voters) this.net.reconnect(id, this.voters);
    this.net.opts = { ...this.net.opts, dropRate: 0, duplicateRate: 0 };
    for (const n of this.nodes) if (!n.raft) this.start(n);
    for (let i = 0; i < 400; i++) {
      this.step();
      const idx = this.nodes.map((n) => n.state.appliedIndex);
      if (this.leader() && idx.every((x) => x === idx[0]) && this.nodes.every((n) => n.raft && n.raft.log.committed === n.state.appliedIndex)) {
        const keys = this.nodes.map((n) => imageKey(n.state.image));
        if (keys.some((k) => k !== keys[0])) this.fail("images differ after settling");
        return;
      }
    }
    this.fail("the cluster did not settle within 400 ticks after healing");
  }
}

const SEEDS = Number(process.env.TAKHIN_CONTROLLER_SIM_SEEDS ?? 24);
/** Replays one seed: TAKHIN_CONTROLLER_SIM_SEED=<n>. */
const ONE_SEED = process.env.TAKHIN_CONTROLLER_SIM_SEED ? Number(process.env.TAKHIN_CONTROLLER_SIM_SEED) : null;

describe("controller state machine in the Raft simulator", () => {
  test(`${SEEDS} seeded runs under faults: every node's image at a log index is identical`, () => {
    let proposals = 0;
    let restores = 0;
    let topics = 0;
    let brokers = 0;
    const seeds = ONE_SEED !== null ? [ONE_SEED] : Array.from({ length: SEEDS }, (_, i) => i + 1);
    for (const seed of seeds) {
      const sim = new ControllerSim(seed, seed % 3 === 0 ? [1, 2, 3, 4, 5] : [1, 2, 3], 5 + (seed % 7));
      try {
        for (let t = 0; t < 800; t++) sim.step();
        sim.settle();
      } catch (e) {
        console.error(`controller sim failed: seed ${seed} (replay: TAKHIN_CONTROLLER_SIM_SEED=${seed})`);
        throw e;
      }
      topics += Math.max(...sim.nodes.map((n) => n.state.image.topicsByName.size));
      brokers += Math.max(...sim.nodes.map((n) => n.state.image.brokers.size));
      proposals += sim.proposals;
      restores += sim.restores;
    }
    console.log(`controller sim: ${seeds.length} seeds, ${proposals} batches proposed, ${restores} snapshot restores, ${topics} topics and ${brokers} brokers in the final images`);
    expect(topics).toBeGreaterThan(seeds.length);
    expect(brokers).toBeGreaterThan(seeds.length);
    expect(proposals).toBeGreaterThan(seeds.length * 10);
    expect(restores).toBeGreaterThan(0);
  }, 120_000);
});
