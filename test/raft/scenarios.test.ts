/**
 * The scenarios of the classic MIT 6.824 Raft test suite (2A election, 2B agreement, 2C persistence,
 * 2D snapshots), replayed on the deterministic simulator in virtual ticks. The simulator checks the
 * safety invariants on every step, so each scenario is also a safety test.
 */
import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../../src/raft/rand.ts";
import { ELECTION_TICKS, Harness } from "./harness.ts";

describe("6.824 2A: leader election", () => {
  test("initial election: one leader, and the term stays put without failures", () => {
    const h = new Harness(3);
    h.checkOneLeader();
    const term1 = h.checkTerms();
    expect(term1).toBeGreaterThanOrEqual(1);
    h.run(ELECTION_TICKS * 5);
    expect(h.checkTerms()).toBe(term1);
    h.checkOneLeader();
  });

  test("re-election after leader failure; an old leader rejoining does not disturb", () => {
    const h = new Harness(3);
    const leader1 = h.checkOneLeader();
    h.disconnect(leader1);
    h.checkOneLeader();
    h.connect(leader1);
    const leader2 = h.checkOneLeader();
    // No quorum: no leader.
    h.disconnect(leader2);
    h.disconnect((leader2 % 3) + 1);
    h.run(ELECTION_TICKS * 4);
    h.checkNoLeader();
    h.connect((leader2 % 3) + 1);
    h.checkOneLeader();
    h.connect(leader2);
    h.checkOneLeader();
  });

  test("many elections: 7 nodes, 3 random disconnections at a time", () => {
    const h = new Harness(7, { seed: 7 });
    const rng = new SeededRandom(42);
    h.checkOneLeader();
    for (let iter = 0; iter < 10; iter++) {
      const picked = new Set<number>();
      while (picked.size < 3) picked.add(1 + rng.nextInt(7));
      for (const id of picked) h.disconnect(id);
      h.checkOneLeader();
      for (const id of picked) h.connect(id);
    }
    h.checkOneLeader();
  });
});

describe("6.824 2B: log agreement", () => {
  test("basic agreement: consecutive commands get consecutive indexes on all nodes", () => {
    const h = new Harness(3);
    h.checkOneLeader();
    let prev = -1;
    for (let i = 0; i < 3; i++) {
      const index = h.one(3, false);
      if (prev >= 0) expect(index).toBe(prev + 1);
      prev = index;
    }
  });

  test("agreement despite follower disconnection", () => {
    const h = new Harness(3);
    h.one(3);
    const leader = h.checkOneLeader();
    const follower = (leader % 3) + 1;
    h.disconnect(follower);
    for (let i = 0; i < 4; i++) h.one(2);
    h.connect(follower);
    h.one(3);
    h.one(3);
  });

  test("no agreement without a quorum, then recovery", () => {
    const h = new Harness(5);
    h.one(5);
    const leader = h.checkOneLeader();
    const followers = h.ids.filter((id) => id !== leader).slice(0, 3);
    for (const f of followers) h.disconnect(f);
    const p = h.sim.propose(leader)!;
    expect(p.result.ok).toBe(true);
    const index = p.result.ok ? p.result.index : -1;
    h.run(ELECTION_TICKS * 4);
    expect(h.nCommitted(index).count).toBe(0);
    for (const f of followers) h.connect(f);
    h.checkOneLeader();
    h.one(5);
  });

  test("concurrent proposals all commit", () => {
    const h = new Harness(3);
    const leader = h.checkOneLeader();
    const indexes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const p = h.sim.propose(leader)!;
      expect(p.result.ok).toBe(true);
      if (p.result.ok) indexes.push(p.result.index);
    }
    h.run(ELECTION_TICKS * 3);
    for (const index of indexes) expect(h.nCommitted(index).count).toBe(3);
  });

  test("rejoin of a partitioned leader: its uncommitted entries are discarded", () => {
    const h = new Harness(3);
    h.one(3);
    const leader1 = h.checkOneLeader();
    h.disconnect(leader1);
    const stale: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = h.sim.propose(leader1)!;
      expect(p.result.ok).toBe(true);
      stale.push(p.proposal);
    }
    h.one(2);
    const leader2 = h.checkOneLeader();
    h.disconnect(leader2);
    h.connect(leader1);
    h.one(2);
    h.connect(leader2);
    h.one(3);
    // The stale leader's proposals were never acknowledged, and were replaced on every node.
    for (const p of stale) expect(h.sim.isAcked(p)).toBe(false);
    expect(h.sim.acked.size).toBe(4);
  });

  test("backup: a lagging follower with many conflicting entries catches up quickly", () => {
    const h = new Harness(5);
    h.one(5);
    // Put the leader and one follower in a minority partition and give them 50 doomed entries.
    const leader1 = h.checkOneLeader();
    const minority = [leader1, (leader1 % 5) + 1];
    const majority = h.ids.filter((id) => !minority.includes(id));
    for (const id of majority) h.disconnect(id);
    for (let i = 0; i < 50; i++) h.sim.propose(leader1);
    h.run(ELECTION_TICKS);
    for (const id of minority) h.disconnect(id);
    for (const id of majority) h.connect(id);
    // The majority commits 50 entries of its own.
    for (let i = 0; i < 50; i++) h.one(3);
    // Now a leader and one follower of the majority go silent; 50 more doomed entries.
    const leader2 = h.checkOneLeader();
    const other = majority.find((id) => id !== leader2)!;
    h.disconnect(other);
    for (let i = 0; i < 50; i++) h.sim.propose(leader2);
    h.run(ELECTION_TICKS);
    // Bring back the old minority plus `other`: they must elect a leader and commit 50 entries.
    for (const id of h.ids) h.disconnect(id);
    for (const id of [...minority, other]) h.connect(id);
    for (let i = 0; i < 50; i++) h.one(3);
    for (const id of h.ids) h.connect(id);
    h.one(5);
  });
});

describe("6.824 2C: persistence", () => {
  test("persist 1: state survives crashing every node", () => {
    const h = new Harness(3);
    h.one(3);
    for (const id of h.ids) h.crash(id);
    for (const id of h.ids) h.restart(id);
    h.one(3);
    const leader1 = h.checkOneLeader();
    h.crash(leader1);
    h.restart(leader1);
    h.one(3);
    const leader2 = h.checkOneLeader();
    h.crash(leader2);
    h.disconnect(leader2);
    h.one(2);
    h.restart(leader2);
    h.connect(leader2);
    h.one(3);
    const i3 = h.checkOneLeader();
    const other = (i3 % 3) + 1;
    h.crash(other);
    h.one(2);
    h.restart(other);
    h.one(3);
  });

  test("persist 2: repeated partial crashes", () => {
    const h = new Harness(5);
    for (let iter = 0; iter < 5; iter++) {
      h.one(5);
      const leader1 = h.checkOneLeader();
      const a = (leader1 % 5) + 1;
      const b = (leader1 + 1) % 5 + 1;
      h.crash(a);
      h.crash(b);
      h.one(3);
      h.crash(leader1);
      h.crash((leader1 + 2) % 5 + 1);
      h.crash((leader1 + 3) % 5 + 1);
      h.restart(a);
      h.restart(b);
      h.run(ELECTION_TICKS * 2);
      h.restart((leader1 + 2) % 5 + 1);
      h.one(3);
      h.restart(leader1);
      h.restart((leader1 + 3) % 5 + 1);
    }
    h.one(5);
  });

  test("persist 3: a crashed leader's partial log does not confuse the cluster", () => {
    const h = new Harness(3);
    h.one(3);
    const leader = h.checkOneLeader();
    const f = (leader % 3) + 1;
    h.disconnect(f);
    h.one(2);
    h.crash(leader);
    h.restart(f);
    h.connect(f);
    h.restart(leader);
    h.one(3);
  });

  for (const [name, unreliable] of [
    ["Figure 8: leaders crash at random; only safe entries commit", false],
    ["Figure 8 on an unreliable network", true],
  ] as const) {
    test(name, () => {
      const h = new Harness(5, {
        seed: unreliable ? 88 : 8,
        network: unreliable ? { dropRate: 0.1, duplicateRate: 0.05, maxDelayTicks: 4 } : undefined,
      });
      const rng = new SeededRandom(unreliable ? 808 : 8);
      h.one(5);
      let up = 5;
      for (let iter = 0; iter < 300; iter++) {
        h.proposeOnLeader();
        h.run(rng.chance(0.1) ? 1 + rng.nextInt(ELECTION_TICKS * 2) : 1 + rng.nextInt(3));
        const leader = h.sim.leader();
        if (leader !== undefined && rng.chance(0.5)) {
          h.crash(leader);
          up--;
        }
        if (up < 3) {
          const down = h.ids.filter((id) => !h.sim.isAlive(id));
          h.restart(rng.pick(down));
          up++;
        }
      }
      for (const id of h.ids) h.restart(id);
      h.sim.net.opts.dropRate = 0;
      h.sim.net.opts.duplicateRate = 0;
      h.one(5);
    });
  }

  for (const [name, unreliable] of [
    ["churn: crashes, restarts and disconnections with concurrent clients", false],
    ["churn on an unreliable network", true],
  ] as const) {
    test(name, () => {
      const h = new Harness(5, {
        seed: unreliable ? 99 : 9,
        network: unreliable ? { dropRate: 0.1, duplicateRate: 0.05, maxDelayTicks: 4 } : undefined,
      });
      const rng = new SeededRandom(unreliable ? 909 : 9);
      for (let iter = 0; iter < 400; iter++) {
        for (let c = 0; c < 3; c++) h.proposeOnLeader();
        const id = 1 + rng.nextInt(5);
        const r = rng.nextFloat();
        if (r < 0.1) h.disconnect(id);
        else if (r < 0.3) h.connect(id);
        else if (r < 0.35) h.crash(id);
        else if (r < 0.55) h.restart(id);
        h.run(1 + rng.nextInt(3));
      }
      h.sim.net.opts.dropRate = 0;
      h.sim.net.opts.duplicateRate = 0;
      for (const id of h.ids) {
        h.restart(id);
        h.connect(id);
      }
      h.run(ELECTION_TICKS * 5);
      const last = h.one(5);
      expect(h.sim.ackedCount).toBeGreaterThan(50);
      // Every acknowledged command is in place on every node.
      for (const [, index] of h.sim.acked) {
        if (index <= last) expect(h.nCommitted(index).count === 5 || index <= h.sim.nodes.get(1)!.raft!.log.snapshotIndex).toBe(true);
      }
    });
  }
});

describe("6.824 2D: snapshots", () => {
  test("snapshot basic: logs are compacted while agreement continues", () => {
    const h = new Harness(3, { compactEveryEntries: 10 });
    for (let i = 0; i < 60; i++) h.one(3);
    for (const id of h.ids) expect(h.sim.nodes.get(id)!.raft!.log.snapshotIndex).toBeGreaterThan(40);
  });

  for (const [name, mode] of [
    ["install snapshot on a disconnected follower", "disconnect"],
    ["install snapshot on a disconnected follower, unreliable network", "disconnect-unreliable"],
    ["install snapshot on a crashed follower", "crash"],
    ["install snapshot on a crashed follower, unreliable network", "crash-unreliable"],
  ] as const) {
    test(name, () => {
      const unreliable = mode.endsWith("unreliable");
      const h = new Harness(3, {
        seed: mode.length,
        compactEveryEntries: 10,
        network: unreliable ? { dropRate: 0.1, duplicateRate: 0.05, maxDelayTicks: 3 } : undefined,
      });
      const rng = new SeededRandom(mode.length * 31);
      h.one(3);
      let installs = 0;
      for (let iter = 0; iter < 12; iter++) {
        const leader = h.checkOneLeader();
        const victim = rng.chance(0.5) ? leader : (leader % 3) + 1;
        if (mode.startsWith("crash")) h.crash(victim);
        else h.disconnect(victim);
        for (let i = 0; i < 12; i++) h.proposeOnLeader();
        h.one(2);
        const before = h.sim.stats.snapshotsInstalled;
        if (mode.startsWith("crash")) h.restart(victim);
        else h.connect(victim);
        h.one(3);
        installs += h.sim.stats.snapshotsInstalled - before;
      }
      expect(installs).toBeGreaterThan(0);
    });
  }
});
