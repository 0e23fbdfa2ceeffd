/**
 * Small helpers for unit tests of the Raft core: build nodes over MemoryStores, run their Ready
 * loop, and route messages between them by hand (with a filter to drop or hold some).
 */
import { Raft, type RaftOptions } from "../../src/raft/raft.ts";
import { SeededRandom } from "../../src/raft/rand.ts";
import { MemoryStore } from "../../src/raft/storage.ts";
import type { Entry, Message, NodeId, ReadState } from "../../src/raft/types.ts";

export interface TestNode {
  raft: Raft;
  store: MemoryStore;
  applied: Entry[];
  readStates: ReadState[];
}

export function newNode(id: NodeId, voters: readonly NodeId[], opts: Partial<RaftOptions> = {}, seed = id): TestNode {
  const store = new MemoryStore();
  const raft = new Raft(
    { id, electionTimeoutTicks: 10, heartbeatTicks: 1, random: new SeededRandom(seed), ...opts },
    { ...store.load(), bootstrapVoters: voters.length > 0 ? voters : undefined },
  );
  const node = { raft, store, applied: [], readStates: [] };
  drain(node);
  return node;
}

/** Restart node `id` from its store (a crash that lost nothing durable). */
export function restartNode(id: NodeId, store: MemoryStore, opts: Partial<RaftOptions> = {}): TestNode {
  const node = { store };
  const raft = new Raft({ id, electionTimeoutTicks: 10, heartbeatTicks: 1, random: new SeededRandom(id + 100), ...opts }, node.store.load());
  const fresh = { raft, store: node.store, applied: [], readStates: [] };
  return fresh;
}

/** Process every pending Ready: persist, collect messages, apply, advance. Returns the messages. */
export function drain(node: TestNode): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < 100 && node.raft.hasReady(); i++) {
    const rd = node.raft.ready();
    node.store.save(rd.hardState, rd.entries, rd.snapshot);
    out.push(...rd.messages);
    node.applied.push(...rd.committedEntries);
    node.readStates.push(...rd.readStates);
    node.raft.advance();
  }
  return out;
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  queue: Message[] = [];
  /** Return false to drop a message. */
  filter: (m: Message) => boolean = () => true;

  constructor(ids: readonly NodeId[], opts: Partial<RaftOptions> = {}) {
    for (const id of ids) this.nodes.set(id, newNode(id, ids, opts));
  }

  node(id: NodeId): TestNode {
    return this.nodes.get(id)!;
  }

  raft(id: NodeId): Raft {
    return this.node(id).raft;
  }

  /** Collect whatever the nodes want to send. */
  flush(): void {
    for (const n of this.nodes.values()) this.queue.push(...drain(n));
  }

  /** Deliver messages until the network is quiet (bounded). */
  deliver(maxRounds = 200): void {
    this.flush();
    for (let round = 0; round < maxRounds && this.queue.length > 0; round++) {
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        const n = this.nodes.get(m.to);
        if (!n || !this.filter(m)) continue;
        n.raft.step(m);
        this.queue.push(...drain(n));
      }
    }
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.raft(id).tick();
      this.queue.push(...drain(this.node(id)));
    }
  }

  /** Tick every node and deliver everything, `ticks` times. */
  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) {
      this.tickAll(1);
      this.deliver();
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.nodes.keys()) this.tick(id);
  }

  /** Make `id` leader by campaigning and delivering. */
  elect(id: NodeId): void {
    this.raft(id).campaign();
    this.deliver();
  }

  propose(id: NodeId, text: string): number {
    const r = this.raft(id).propose(new TextEncoder().encode(text));
    if (!r.ok) throw new Error(`propose refused: ${r.reason}`);
    this.flush();
    return r.index;
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
