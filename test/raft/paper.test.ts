/**
 * The rules of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm") and of Ongaro's dissertation, one named test per rule, against the core alone.
 */
import { describe, expect, test } from "bun:test";
import { Raft } from "../../src/raft/raft.ts";
import { SeededRandom } from "../../src/raft/rand.ts";
import type { AppendMsg, Entry, Message } from "../../src/raft/types.ts";
import { bytes, Cluster, drain, newNode, restartNode, text } from "./core-helpers.ts";

const ent = (index: number, term: number, data = ""): Entry => ({ index, term, kind: "normal", data: bytes(data) });
const append = (from: number, to: number, term: number, prevIndex: number, prevTerm: number, entries: Entry[], commit = 0): AppendMsg => ({
  type: "append",
  from,
  to,
  term,
  prevIndex,
  prevTerm,
  entries,
  commit,
});

describe("§5.1 terms", () => {
  test("§5.1: a server that sees a higher term adopts it and reverts to follower", () => {
    const c = new Cluster([1, 2, 3], { preVote: false });
    c.elect(1);
    expect(c.raft(1).role).toBe("leader");
    const term = c.raft(1).term;
    c.raft(1).step({ type: "appendResp", from: 2, to: 1, term: term + 5, index: 0, reject: true, hintIndex: 0, hintTerm: 0 });
    expect(c.raft(1).role).toBe("follower");
    expect(c.raft(1).term).toBe(term + 5);
  });

  test("§5.1: a request with a stale term is rejected and answered with the current term", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const r2 = c.raft(2);
    const last = r2.log.lastIndex();
    r2.step(append(3, 2, r2.term - 1, last, r2.log.lastTerm(), [ent(last + 1, r2.term - 1)]));
    const out = drain(c.node(2));
    expect(r2.log.lastIndex()).toBe(last);
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe("appendResp");
    expect(out[0]!.term).toBe(r2.term);
  });
});

describe("§5.2 leader election", () => {
  test("§5.2: a follower that hears nothing for an election timeout becomes candidate, increments its term and votes for itself", () => {
    const n = newNode(1, [1, 2, 3], { preVote: false });
    const term = n.raft.term;
    for (let i = 0; i < 20; i++) n.raft.tick();
    expect(n.raft.role).toBe("candidate");
    expect(n.raft.term).toBe(term + 1);
    expect(n.raft.vote).toBe(1);
    const out = drain(n);
    expect(out.filter((m) => m.type === "vote").map((m) => m.to).sort()).toEqual([2, 3]);
    // The vote for itself is durable before the requests leave.
    expect(n.store.load().hardState.vote).toBe(1);
  });

  test("§5.2: election timeouts are randomized within [T, 2T) ticks", () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const n = newNode(1, [1, 2, 3], { preVote: false }, seed);
      let ticks = 0;
      while (n.raft.role === "follower" && ticks < 100) {
        n.raft.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  test("§5.2: a candidate that receives votes from a majority becomes leader", () => {
    const c = new Cluster([1, 2, 3, 4, 5], { preVote: false });
    c.filter = (m) => !(m.type === "vote" && (m.to === 4 || m.to === 5));
    c.elect(1);
    expect(c.raft(1).role).toBe("leader");
  });

  test("§5.2: each server grants at most one vote per term, first come first served", () => {
    const n = newNode(1, [1, 2, 3]);
    const term = n.raft.term + 1;
    const req = (from: number): Message => ({ type: "vote", from, to: 1, term, lastIndex: 10, lastTerm: 1, transfer: false });
    n.raft.step(req(2));
    n.raft.step(req(3));
    const out = drain(n);
    expect(out.map((m) => [m.to, m.type === "voteResp" && m.reject])).toEqual([
      [2, false],
      [3, true],
    ]);
    // The same candidate may ask again (a lost reply) and gets the same answer.
    n.raft.step(req(2));
    const again = drain(n);
    expect(again[0]!.type === "voteResp" && !again[0]!.reject).toBe(true);
  });

  test("§5.2: a candidate that hears from a leader of its own term returns to follower", () => {
    const n = newNode(1, [1, 2, 3], { preVote: false });
    n.raft.campaign();
    drain(n);
    expect(n.raft.role).toBe("candidate");
    n.raft.step({ type: "heartbeat", from: 2, to: 1, term: n.raft.term, commit: 0, readSeq: 0 });
    expect(n.raft.role).toBe("follower");
    expect(n.raft.leader).toBe(2);
  });

  test("§5.2: a candidate rejected by a majority steps down and waits for a new timeout", () => {
    const n = newNode(1, [1, 2, 3], { preVote: false });
    n.raft.campaign();
    drain(n);
    n.raft.step({ type: "voteResp", from: 2, to: 1, term: n.raft.term, reject: true });
    n.raft.step({ type: "voteResp", from: 3, to: 1, term: n.raft.term, reject: true });
    expect(n.raft.role).toBe("follower");
  });
});

describe("§5.3 log replication", () => {
  test("§5.3: an entry is committed once replicated on a majority, and followers learn the commit index", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.to !== 3 && m.from !== 3;
    const index = c.propose(1, "x");
    c.deliver();
    expect(c.raft(1).log.committed).toBe(index);
    expect(c.node(1).applied.map((e) => text(e.data))).toContain("x");
    c.tick(1); // heartbeat carries the commit index
    c.deliver();
    expect(c.raft(2).log.committed).toBe(index);
    expect(c.raft(3).log.committed).toBeLessThan(index);
  });

  test("§5.3: a follower rejects an append whose previous entry does not match", () => {
    const n = newNode(2, [1, 2, 3]);
    n.raft.step(append(1, 2, 2, 5, 2, [ent(6, 2)]));
    const out = drain(n);
    const resp = out[0]!;
    expect(resp.type === "appendResp" && resp.reject).toBe(true);
    expect(n.raft.log.lastIndex()).toBe(1);
  });

  test("§5.3: a follower deletes a conflicting entry and everything after it, then appends", () => {
    const n = newNode(2, [1, 2, 3]);
    n.raft.step(append(1, 2, 2, 1, 1, [ent(2, 2, "a"), ent(3, 2, "b"), ent(4, 2, "c")], 1));
    drain(n);
    n.raft.step(append(3, 2, 3, 2, 2, [ent(3, 3, "B")], 1));
    drain(n);
    expect(n.raft.log.lastIndex()).toBe(3);
    expect(text(n.raft.log.entryAt(3)!.data)).toBe("B");
    // The store agrees.
    expect(n.store.load().entries.map((e) => text(e.data))).toEqual([text(n.store.load().entries[0]!.data), "a", "B"]);
  });

  test("§5.3: appending entries the follower already holds is idempotent (no truncation)", () => {
    const n = newNode(2, [1, 2, 3]);
    const m = append(1, 2, 2, 1, 1, [ent(2, 2, "a"), ent(3, 2, "b")], 1);
    n.raft.step(m);
    drain(n);
    n.raft.step(append(1, 2, 2, 1, 1, [ent(2, 2, "a")], 1)); // a delayed, shorter duplicate
    drain(n);
    expect(n.raft.log.lastIndex()).toBe(3);
  });

  test("§5.3: fast backtracking repairs a long conflicting suffix in a few round trips", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: false });
    c.elect(1);
    // 1 writes 60 entries that only it holds (others isolated), then 2 becomes leader and writes 60.
    c.filter = () => false;
    for (let i = 0; i < 60; i++) c.propose(1, `old${i}`);
    c.deliver();
    c.filter = (m) => m.from !== 1 && m.to !== 1;
    c.elect(2);
    for (let i = 0; i < 60; i++) c.propose(2, `new${i}`);
    c.deliver();
    // Reconnect 1 and count the appends needed until it matches.
    let rejects = 0;
    c.filter = (m) => {
      if (m.type === "appendResp" && m.from === 1 && m.reject) rejects++;
      return true;
    };
    c.tick(2);
    c.deliver();
    expect(c.raft(1).log.lastIndex()).toBe(c.raft(2).log.lastIndex());
    expect(rejects).toBeLessThanOrEqual(3);
  });

  test("§5.3: append batches respect maxSizePerMsgBytes and the inflight window bounds pipelining", () => {
    const c = new Cluster([1, 2, 3], { maxSizePerMsgBytes: 100, maxInflightMsgs: 2 });
    c.elect(1);
    let appends = 0;
    for (let i = 0; i < 20; i++) c.raft(1).propose(new Uint8Array(40));
    const out = drain(c.node(1)).filter((m): m is AppendMsg => m.type === "append" && m.to === 2);
    appends = out.length;
    for (const m of out) expect(m.entries.length).toBeLessThanOrEqual(2); // 2 * (40 + 24) > 100
    expect(appends).toBeLessThanOrEqual(2);
    c.queue.push(...out);
    c.deliver();
    expect(c.raft(2).log.lastIndex()).toBe(c.raft(1).log.lastIndex());
  });
});

describe("§5.4 safety", () => {
  test("§5.4.1: a voter denies its vote to a candidate whose log is less up to date", () => {
    const n = newNode(1, [1, 2, 3], { checkQuorum: false });
    n.raft.step(append(2, 1, 3, 1, 1, [ent(2, 3)], 1));
    drain(n);
    const t = n.raft.term + 1;
    n.raft.step({ type: "vote", from: 3, to: 1, term: t, lastIndex: 5, lastTerm: 2, transfer: false });
    const out = drain(n);
    const resp = out.find((m) => m.type === "voteResp")!;
    expect(resp.type === "voteResp" && resp.reject).toBe(true);
    n.raft.step({ type: "vote", from: 2, to: 1, term: t, lastIndex: 2, lastTerm: 3, transfer: false });
    const ok = drain(n).find((m) => m.type === "voteResp")!;
    expect(ok.type === "voteResp" && !ok.reject).toBe(true);
  });

  test("§5.4.2 (Figure 8): replicating an old-term entry to a majority does not commit it until a current-term entry is", () => {
    // Build it by hand: leader 1 in term 4 holds [1:1 conf, 2:2 "old"]; followers replicated "old".
    const store = newNode(1, [1, 2, 3]).store;
    store.save({ term: 3, vote: 1, commit: 1 }, [ent(2, 2, "old")], null);
    const one = restartNode(1, store);
    one.raft.campaign(); // pre-vote then vote: term 4
    drain(one);
    for (const m of drain(one)) void m;
    one.raft.step({ type: "preVoteResp", from: 2, to: 1, term: 4, reject: false });
    drain(one);
    one.raft.step({ type: "voteResp", from: 2, to: 1, term: 4, reject: false });
    const out = drain(one);
    expect(one.raft.role).toBe("leader");
    // Follower 2 acknowledges index 2 (the old-term entry) but not the no-op at 3.
    one.raft.step({ type: "appendResp", from: 2, to: 1, term: 4, index: 2, reject: false, hintIndex: 0, hintTerm: 0 });
    drain(one);
    expect(one.raft.log.committed).toBe(1);
    // Once the current-term no-op at index 3 is on a majority, both commit.
    one.raft.step({ type: "appendResp", from: 2, to: 1, term: 4, index: 3, reject: false, hintIndex: 0, hintTerm: 0 });
    drain(one);
    expect(one.raft.log.committed).toBe(3);
    expect(out.length).toBeGreaterThan(0);
  });

  test("§5.4.3: a follower never truncates a committed entry (leader completeness is asserted)", () => {
    const n = newNode(2, [1, 2, 3]);
    n.raft.step(append(1, 2, 2, 1, 1, [ent(2, 2, "a")], 2));
    drain(n);
    expect(n.raft.log.committed).toBe(2);
    // A conflicting entry below the commit index is ignored (prevIndex < commit answers with commit).
    n.raft.step(append(3, 2, 3, 1, 1, [ent(2, 3, "evil")], 0));
    const out = drain(n);
    expect(text(n.raft.log.entryAt(2)!.data)).toBe("a");
    expect(out[0]!.type === "appendResp" && out[0]!.index).toBe(2);
  });
});

describe("§5.5 / §5.6 follower crashes and timing", () => {
  test("§5.5: a restarted node recovers term, vote and log from its store", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    c.deliver();
    const before = c.raft(2);
    const n2 = restartNode(2, c.node(2).store);
    expect(n2.raft.term).toBe(before.term);
    expect(n2.raft.vote).toBe(before.vote);
    expect(n2.raft.log.lastIndex()).toBe(before.log.lastIndex());
    expect(n2.raft.log.committed).toBe(before.log.committed);
  });
});

describe("§7 log compaction", () => {
  test("§7: a follower behind the leader's snapshot receives it and discards its log", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.to !== 3 && m.from !== 3;
    for (let i = 0; i < 10; i++) c.propose(1, `v${i}`);
    c.deliver();
    const applied = c.raft(1).log.applied;
    c.raft(1).compact(applied, bytes("state@" + applied));
    c.flush();
    c.filter = () => true;
    c.tickAll(2);
    c.deliver();
    expect(c.raft(3).log.snapshotIndex).toBe(applied);
    expect(c.raft(3).log.lastIndex()).toBe(c.raft(1).log.lastIndex());
    expect(text(c.node(3).store.load().snapshot!.data)).toBe("state@" + applied);
  });

  test("§7: a snapshot covering a prefix the follower holds keeps the entries after it", () => {
    const n = newNode(2, [1, 2, 3]);
    n.raft.step(append(1, 2, 2, 1, 1, [ent(2, 2, "a"), ent(3, 2, "b"), ent(4, 2, "c")], 1));
    drain(n);
    n.raft.step({ type: "snapshot", from: 1, to: 2, term: 2, snapshot: { meta: { index: 3, term: 2, conf: { voters: [1, 2, 3], learners: [] } }, data: bytes("s") } });
    drain(n);
    expect(n.raft.log.committed).toBe(3);
    expect(n.raft.log.lastIndex()).toBe(4);
  });
});

describe("§6 / diss. §4 membership changes", () => {
  test("diss. §4.2.1: a learner receives the log but neither votes nor counts toward commitment", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.nodes.set(4, newNode(4, []));
    const r = c.raft(1).proposeConfChange({ kind: "addLearner", node: 4 });
    expect(r.ok).toBe(true);
    c.deliver();
    c.tickAll(3);
    c.deliver();
    expect(c.raft(4).conf.learners).toEqual([4]);
    expect(c.raft(4).log.lastIndex()).toBe(c.raft(1).log.lastIndex());
    // With 2 and 3 gone, the learner cannot help commit.
    c.filter = (m) => m.to !== 2 && m.to !== 3;
    const idx = c.propose(1, "x");
    c.deliver();
    expect(c.raft(1).log.committed).toBeLessThan(idx);
    // A learner never campaigns.
    c.tick(4, 50);
    expect(c.raft(4).role).toBe("follower");
  });

  test("diss. §4.1: one configuration change at a time; a learner is promoted only after catching up", () => {
    const c = new Cluster([1, 2, 3], { maxLearnerLagEntries: 2 });
    c.elect(1);
    c.nodes.set(4, newNode(4, []));
    expect(c.raft(1).proposeConfChange({ kind: "addLearner", node: 4 }).ok).toBe(true);
    const second = c.raft(1).proposeConfChange({ kind: "addLearner", node: 5 });
    expect(second.ok).toBe(false);
    c.flush();
    // Keep the learner cut off while the log grows: promotion is refused.
    c.filter = (m) => m.to !== 4;
    c.deliver();
    for (let i = 0; i < 10; i++) c.propose(1, `x${i}`);
    c.deliver();
    const refused = c.raft(1).proposeConfChange({ kind: "promote", node: 4 });
    expect(refused.ok).toBe(false);
    c.filter = () => true;
    c.tickAll(3);
    c.deliver();
    expect(c.raft(1).proposeConfChange({ kind: "promote", node: 4 }).ok).toBe(true);
    c.deliver();
    expect(c.raft(4).conf.voters).toEqual([1, 2, 3, 4]);
  });

  test("diss. §4.1: a configuration takes effect when appended and is reverted if the entry is truncated", () => {
    const n = newNode(2, [1, 2, 3]);
    const conf = new Uint8Array([0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]); // voters [1, 2]
    n.raft.step(append(1, 2, 2, 1, 1, [{ index: 2, term: 2, kind: "conf", data: conf }], 1));
    drain(n);
    expect(n.raft.conf.voters).toEqual([1, 2]);
    n.raft.step(append(3, 2, 3, 1, 1, [ent(2, 3, "x")], 1));
    drain(n);
    expect(n.raft.conf.voters).toEqual([1, 2, 3]);
  });

  test("diss. §4.1 (errata): a new leader refuses configuration changes until it has committed an entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.filter = (m) => m.type !== "appendResp";
    c.elect(1);
    expect(c.raft(1).role).toBe("leader");
    c.nodes.set(4, newNode(4, []));
    const early = c.raft(1).proposeConfChange({ kind: "addLearner", node: 4 });
    expect(early.ok).toBe(false);
    c.filter = () => true;
    c.run(2);
    expect(c.raft(1).proposeConfChange({ kind: "addLearner", node: 4 }).ok).toBe(true);
  });

  test("diss. §4.1: the leader cannot remove itself; it must transfer leadership first", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const r = c.raft(1).proposeConfChange({ kind: "remove", node: 1 });
    expect(r.ok).toBe(false);
    expect(c.raft(1).proposeConfChange({ kind: "remove", node: 3 }).ok).toBe(true);
    c.deliver();
    expect(c.raft(2).conf.voters).toEqual([1, 2]);
  });
});

describe("§8 client interaction: read index", () => {
  test("§8: a read index is released only after a heartbeat round confirms leadership", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.propose(1, "a");
    c.deliver();
    c.filter = () => false;
    expect(c.raft(1).readIndex(7).ok).toBe(true);
    c.deliver();
    expect(c.node(1).readStates).toHaveLength(0);
    c.filter = () => true;
    c.tick(1);
    c.deliver();
    expect(c.node(1).readStates).toEqual([{ requestId: 7, index: c.raft(1).log.committed }]);
  });

  test("§8: a new leader defers reads until it has committed an entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.filter = (m) => m.type !== "append" && m.type !== "appendResp";
    c.elect(1);
    expect(c.raft(1).role).toBe("leader");
    expect(c.raft(1).readIndex(1).ok).toBe(true);
    c.tickAll(2);
    c.deliver();
    expect(c.node(1).readStates).toHaveLength(0);
    c.filter = () => true;
    c.tickAll(2);
    c.deliver();
    expect(c.node(1).readStates.map((r) => r.requestId)).toEqual([1]);
  });

  test("§8: a deposed leader never releases a read (it cannot reach a majority)", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.from !== 1 && m.to !== 1;
    expect(c.raft(1).readIndex(9).ok).toBe(true);
    c.run(40);
    expect(c.node(1).readStates).toHaveLength(0);
    expect(c.raft(1).role).not.toBe("leader"); // check-quorum deposed it
  });
});

describe("diss. §9.6 pre-vote and §6.2 check-quorum", () => {
  test("diss. §9.6: a partitioned node running pre-vote does not inflate its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const term = c.raft(3).term;
    c.filter = (m) => m.from !== 3 && m.to !== 3;
    c.run(100);
    expect(c.raft(3).term).toBe(term);
  });

  test("diss. §9.6: a rejoining node cannot disrupt a healthy leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.from !== 3 && m.to !== 3;
    c.run(100);
    expect(c.raft(1).role).toBe("leader");
    const term = c.raft(1).term;
    c.filter = () => true;
    c.raft(3).campaign();
    c.deliver();
    expect(c.raft(1).role).toBe("leader");
    expect(c.raft(1).term).toBe(term);
  });

  test("diss. §6.2: check-quorum makes a leader cut off from a majority step down", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.from !== 1 && m.to !== 1;
    c.tick(1, 25);
    expect(c.raft(1).role).toBe("follower");
  });

  test("without pre-vote, a rejoining node with a higher term forces an election", () => {
    const c = new Cluster([1, 2, 3], { preVote: false, checkQuorum: false });
    c.elect(1);
    c.filter = (m) => m.from !== 3 && m.to !== 3;
    c.tick(3, 100);
    const inflated = c.raft(3).term;
    expect(inflated).toBeGreaterThan(c.raft(1).term);
    c.filter = () => true;
    c.tick(1);
    c.deliver();
    expect(c.raft(1).term).toBeGreaterThanOrEqual(inflated);
  });
});

describe("diss. §3.10 leadership transfer", () => {
  test("diss. §3.10: the leader catches the target up and tells it to campaign at once", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.to !== 3;
    for (let i = 0; i < 5; i++) c.propose(1, `x${i}`);
    c.deliver();
    c.filter = () => true;
    expect(c.raft(1).transferLeadership(3).ok).toBe(true);
    expect(c.raft(1).propose(bytes("refused")).ok).toBe(false);
    c.deliver();
    expect(c.raft(3).role).toBe("leader");
    expect(c.raft(1).role).toBe("follower");
  });

  test("diss. §3.10: a transfer that cannot complete is abandoned after an election timeout", () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.filter = (m) => m.to !== 3;
    expect(c.raft(1).transferLeadership(3).ok).toBe(true);
    c.tick(1, 12);
    c.deliver();
    expect(c.raft(1).role).toBe("leader");
    expect(c.raft(1).propose(bytes("ok again")).ok).toBe(true);
  });
});

describe("the Ready / advance contract", () => {
  test("a vote response leaves in the same Ready as the durable vote", () => {
    const n = newNode(1, [1, 2, 3]);
    n.raft.step({ type: "vote", from: 2, to: 1, term: 5, lastIndex: 1, lastTerm: 1, transfer: false });
    const rd = n.raft.ready();
    expect(rd.hardState).toEqual({ term: 5, vote: 2, commit: 1 });
    expect(rd.messages.map((m) => m.type)).toEqual(["voteResp"]);
    n.raft.advance();
  });

  test("no input is accepted between ready() and advance()", () => {
    const n = newNode(1, [1, 2, 3]);
    n.raft.tick();
    n.raft.campaign();
    n.raft.ready();
    expect(() => n.raft.tick()).toThrow();
    n.raft.advance();
    expect(() => n.raft.advance()).toThrow();
  });

  test("a single-node cluster commits after its own entry is persisted", () => {
    const n = newNode(1, [1]);
    n.raft.campaign();
    drain(n);
    expect(n.raft.role).toBe("leader");
    const r = n.raft.propose(bytes("solo"));
    expect(r.ok).toBe(true);
    const rd = n.raft.ready();
    expect(rd.committedEntries.some((e) => text(e.data) === "solo")).toBe(false); // not yet durable
    n.store.save(rd.hardState, rd.entries, rd.snapshot);
    n.raft.advance();
    drain(n);
    expect(n.applied.some((e) => text(e.data) === "solo")).toBe(true);
  });

  test("randomness is injected: the same seed gives the same election timing", () => {
    const timing = (seed: number): number => {
      const raft = new Raft({ id: 1, preVote: false, random: new SeededRandom(seed) }, { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], bootstrapVoters: [1, 2, 3] });
      let t = 0;
      while (raft.role === "follower") {
        if (raft.hasReady()) {
          raft.ready();
          raft.advance();
        }
        raft.tick();
        t++;
      }
      return t;
    };
    for (let s = 0; s < 10; s++) expect(timing(s)).toBe(timing(s));
  });
});
