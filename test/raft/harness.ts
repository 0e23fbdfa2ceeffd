/**
 * A harness over the simulator for the scenario tests, shaped after the MIT 6.824 Raft test
 * helpers: connect/disconnect nodes, checkOneLeader, checkNoLeader, one(command) — propose until a
 * command is applied by the expected number of nodes — all in virtual ticks, never wall time.
 */
import { expect } from "bun:test";
import { Simulator, type SimOptions } from "./sim/simulator.ts";
import type { NodeId } from "../../src/raft/types.ts";

export const ELECTION_TICKS = 10;

export class Harness {
  readonly sim: Simulator;
  readonly ids: NodeId[];
  private readonly disconnected = new Set<NodeId>();

  constructor(n: number, opts: Partial<SimOptions> = {}) {
    this.ids = Array.from({ length: n }, (_, i) => i + 1);
    this.sim = new Simulator({ seed: 1, initialVoters: this.ids, electionTimeoutTicks: ELECTION_TICKS, ...opts });
  }

  disconnect(id: NodeId): void {
    this.disconnected.add(id);
    this.sim.net.isolate(id, this.ids);
  }

  connect(id: NodeId): void {
    this.disconnected.delete(id);
    this.sim.net.healLinks();
    for (const d of this.disconnected) this.sim.net.isolate(d, this.ids);
  }

  isConnected(id: NodeId): boolean {
    return !this.disconnected.has(id);
  }

  crash(id: NodeId): void {
    this.sim.crash(id);
  }

  restart(id: NodeId): void {
    this.sim.restart(id);
  }

  run(ticks: number): void {
    this.sim.run(ticks);
  }

  /** Leaders among connected live nodes, by term. */
  private connectedLeaders(): Map<number, NodeId[]> {
    const byTerm = new Map<number, NodeId[]>();
    for (const id of this.ids) {
      const r = this.sim.nodes.get(id)?.raft;
      if (!r || !this.isConnected(id) || r.role !== "leader") continue;
      byTerm.set(r.term, [...(byTerm.get(r.term) ?? []), id]);
    }
    return byTerm;
  }

  checkOneLeader(): NodeId {
    for (let iter = 0; iter < 20; iter++) {
      this.run(ELECTION_TICKS * 3);
      const byTerm = this.connectedLeaders();
      let lastTerm = -1;
      for (const [term, leaders] of byTerm) {
        expect(leaders.length).toBe(1);
        lastTerm = Math.max(lastTerm, term);
      }
      if (lastTerm >= 0) return byTerm.get(lastTerm)![0]!;
    }
    throw new Error("expected one leader, got none");
  }

  checkNoLeader(): void {
    for (const id of this.ids) {
      const r = this.sim.nodes.get(id)?.raft;
      if (r && this.isConnected(id)) expect(r.role === "leader").toBe(false);
    }
  }

  /** All connected live nodes agree on the term; returns it. */
  checkTerms(): number {
    let term = -1;
    for (const id of this.ids) {
      const r = this.sim.nodes.get(id)?.raft;
      if (!r || !this.isConnected(id)) continue;
      if (term === -1) term = r.term;
      else expect(r.term).toBe(term);
    }
    return term;
  }

  /** How many nodes applied something at `index`, and which proposal. */
  nCommitted(index: number): { count: number; proposal: number | undefined } {
    return this.sim.appliedCount(index);
  }

  /**
   * 6.824's one(): offer a new command to live connected nodes until one (the leader) accepts it,
   * then wait for `expectedServers` nodes to apply it. With `retry`, re-propose after a failed
   * attempt (the leader may have failed). Returns the index it committed at.
   */
  one(expectedServers: number, retry = true): number {
    for (let attempt = 0; attempt < 20; attempt++) {
      let index = -1;
      let proposal = -1;
      for (const id of this.ids) {
        if (!this.isConnected(id) || !this.sim.isAlive(id)) continue;
        const p = this.sim.propose(id);
        if (p?.result.ok) {
          index = p.result.index;
          proposal = p.proposal;
          break;
        }
      }
      if (index < 0) {
        this.run(ELECTION_TICKS);
        continue;
      }
      for (let t = 0; t < ELECTION_TICKS * 20; t++) {
        this.run(1);
        const c = this.nCommitted(index);
        if (c.count >= expectedServers && c.proposal === proposal) return index;
      }
      if (!retry) throw new Error(`one(): proposal ${proposal} at ${index} not applied by ${expectedServers} nodes`);
    }
    throw new Error(`one(): no agreement among ${expectedServers} nodes`);
  }

  /** Propose on whichever node is leader now (no retry); returns the index or -1. */
  proposeOnLeader(): { index: number; proposal: number } | null {
    for (const id of this.ids) {
      if (!this.sim.isAlive(id)) continue;
      const p = this.sim.propose(id);
      if (p?.result.ok) return { index: p.result.index, proposal: p.proposal };
    }
    return null;
  }
}
