/**
 * ElectLeaders (43): the election rules (metadata/elections.ts) as examples and as a property, and the
 * API through Kafka 4.4's `kafka-leader-election` (org.apache.kafka.tools.LeaderElectionCommand, the
 * Java Admin client) and RawClient against one broker whose image holds partitions in the states an
 * election has to handle: a fenced leader with the preferred replica in the ISR (PREFERRED succeeds),
 * a leaderless partition whose only ISR member is fenced (PREFERRED_LEADER_NOT_AVAILABLE, then an
 * UNCLEAN election picks the alive replica outside the ISR). Those states are committed as metadata
 * records because one node cannot reach them otherwise (a second broker that is registered but fenced);
 * the cluster forms of ElectLeaders (forwarded to the controller) are in quorum.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ELECTION_PREFERRED, ELECTION_UNCLEAN, electLeader } from "../../src/metadata/elections.ts";
import type { PartitionRegistration } from "../../src/metadata/image.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { ElectLeaders } from "../../src/protocol/messages/elect-leaders.ts";
import { startBroker } from "../../src/server/broker.ts";
import { createLogger } from "../../src/util/log.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava } from "../java/java.ts";

const ELECTION_TOOL = "org.apache.kafka.tools.LeaderElectionCommand";
const T = 120_000;

const part = (replicas: number[], isr: number[], leader: number): PartitionRegistration => ({ replicas, isr, leader, leaderEpoch: 3, partitionEpoch: 3 });

describe("election rules", () => {
  const alive = new Set([0, 1, 2]);
  test("PREFERRED", () => {
    expect(electLeader(part([0, 1, 2], [0, 1, 2], 0), ELECTION_PREFERRED, alive)).toMatchObject({ error: "ELECTION_NOT_NEEDED" });
    expect(electLeader(part([0, 1, 2], [0, 1, 2], 1), ELECTION_PREFERRED, alive)).toEqual({ leader: 0, isr: null });
    expect(electLeader(part([0, 1, 2], [1, 2], 1), ELECTION_PREFERRED, alive)).toMatchObject({ error: "PREFERRED_LEADER_NOT_AVAILABLE" });
    expect(electLeader(part([0, 1, 2], [0, 1, 2], 1), ELECTION_PREFERRED, new Set([1, 2]))).toMatchObject({ error: "PREFERRED_LEADER_NOT_AVAILABLE" });
  });
  test("UNCLEAN", () => {
    expect(electLeader(part([0, 1, 2], [0, 1, 2], 1), ELECTION_UNCLEAN, alive)).toMatchObject({ error: "ELECTION_NOT_NEEDED" });
    // A dead leader with an alive ISR member: a clean election, the ISR unchanged.
    expect(electLeader(part([0, 1, 2], [1, 2], 1), ELECTION_UNCLEAN, new Set([0, 2]))).toEqual({ leader: 2, isr: null });
    // No alive ISR member: the first alive replica, alone in the ISR.
    expect(electLeader(part([0, 1, 2], [1], -1), ELECTION_UNCLEAN, new Set([2, 0]))).toEqual({ leader: 0, isr: [0] });
    expect(electLeader(part([0, 1], [1], -1), ELECTION_UNCLEAN, new Set([5]))).toMatchObject({ error: "ELIGIBLE_LEADERS_NOT_AVAILABLE" });
  });
  test("property: an elected leader is an alive replica; PREFERRED elects the first replica from the ISR; UNCLEAN's leader is in the resulting ISR", () => {
    const arb = fc.record({
      replicas: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
      isrMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      leaderPick: fc.integer({ min: -1, max: 3 }),
      alive: fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }),
      type: fc.constantFrom(ELECTION_PREFERRED, ELECTION_UNCLEAN),
    });
    fc.assert(
      fc.property(arb, ({ replicas, isrMask, leaderPick, alive, type }) => {
        const isr = replicas.filter((_, i) => isrMask[i]);
        const leader = leaderPick >= 0 && leaderPick < replicas.length ? replicas[leaderPick]! : -1;
        const o = electLeader(part(replicas, isr, leader), type, new Set(alive));
        if ("error" in o) return;
        expect(replicas).toContain(o.leader);
        expect(alive).toContain(o.leader);
        expect(o.leader).not.toBe(leader);
        const newIsr = o.isr ?? isr;
        expect(newIsr).toContain(o.leader);
        if (type === ELECTION_PREFERRED) expect(o.leader).toBe(replicas[0]!);
      }),
      { numRuns: 500 },
    );
  });
});

describe("ElectLeaders on one broker", () => {
  let tb: TestBroker;
  const topicId = "AAAAAAAAAAAAAAAAAAAABQ";
  beforeAll(async () => {
    requireJava();
    tb = await startTestBroker();
    const md = tb.broker.context.metadata;
    const self = tb.broker.context.nodeId;
    const other = self + 1;
    md.commit([{ type: "RegisterBroker", brokerId: other, incarnationId: "AAAAAAAAAAAAAAAAAAAAAQ", brokerEpoch: 5n, endPoints: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 1, securityProtocol: 0 }], rack: null, fenced: true }]);
    md.commit([
      { type: "Topic", name: "el", topicId },
      // el-0: led by the fenced broker, the preferred (this node) in the ISR.
      { type: "Partition", partitionId: 0, topicId, replicas: [self, other], isr: [self, other], leader: other, leaderEpoch: 0, partitionEpoch: 0 },
      // el-1: leaderless, its only ISR member (the preferred) fenced; this node is a replica outside the ISR.
      { type: "Partition", partitionId: 1, topicId, replicas: [other, self], isr: [other], leader: -1, leaderEpoch: 0, partitionEpoch: 0 },
    ]);
  }, T);
  afterAll(async () => {
    await tb?.stop();
  });

  const elect = (...args: string[]) => runJava(ELECTION_TOOL, ["--bootstrap-server", tb.bootstrap, ...args]);
  const partition = (i: number) => tb.broker.context.metadata.image.topic("el")!.partitions[i]!;

  test(
    "kafka-leader-election: PREFERRED elects the preferred replica and reports PREFERRED_LEADER_NOT_AVAILABLE where it cannot; UNCLEAN then elects outside the ISR",
    async () => {
      const self = tb.broker.context.nodeId;
      const all = await elect("--election-type", "PREFERRED", "--all-topic-partitions");
      expect(all.exitCode).toBe(1); // one partition could not be elected
      expect(all.stdout).toContain("Successfully completed leader election (PREFERRED) for partitions el-0");
      expect(all.stdout).toMatch(/Error completing leader election \(PREFERRED\) for partition: el-1: org\.apache\.kafka\.common\.errors\.PreferredLeaderNotAvailableException/);
      expect(partition(0)).toMatchObject({ leader: self, leaderEpoch: 1, isr: [self, self + 1] });

      const again = await elect("--election-type", "PREFERRED", "--topic", "el", "--partition", "0");
      expect(again.exitCode, explain(again)).toBe(0);
      expect(again.stdout).toContain("Valid replica already elected for partitions el-0");

      const unclean = await elect("--election-type", "UNCLEAN", "--topic", "el", "--partition", "1");
      expect(unclean.exitCode, explain(unclean)).toBe(0);
      expect(unclean.stdout).toContain("Successfully completed leader election (UNCLEAN) for partitions el-1");
      expect(partition(1)).toMatchObject({ leader: self, isr: [self], leaderEpoch: 1 });
      const uncleanAgain = await elect("--election-type", "UNCLEAN", "--topic", "el", "--partition", "1");
      expect(uncleanAgain.stdout).toContain("Valid replica already elected for partitions el-1");

      const unknown = await elect("--election-type", "PREFERRED", "--topic", "nope", "--partition", "0");
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stdout).toContain("nope-0: org.apache.kafka.common.errors.UnknownTopicOrPartitionException");
    },
    T,
  );

  test("RawClient: v0 is PREFERRED; a null partition list leaves out what needed no election; an unknown type is INVALID_REQUEST", async () => {
    const c = await RawClient.connect(tb.port);
    try {
      const v0 = await c.call(ElectLeaders, 0, { topicPartitions: [{ topic: "el", partitions: [0, 7] }], timeoutMs: 1000 });
      expect(v0.replicaElectionResults).toEqual([
        {
          topic: "el",
          partitionResult: [
            { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: expect.any(String) },
            { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "topic el has no partition 7" },
          ],
        },
      ]);
      const every = await c.call(ElectLeaders, 2, { electionType: ELECTION_PREFERRED, topicPartitions: null, timeoutMs: 1000 });
      expect(every.errorCode).toBe(0);
      // el-0 is led by its preferred replica (left out); el-1's preferred replica is fenced. Topics with nothing to report stay, with empty lists (as Kafka 4.4 answers).
      expect(every.replicaElectionResults).toEqual([{ topic: "el", partitionResult: [{ partitionId: 1, errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: expect.any(String) }] }]);
      const bad = await c.call(ElectLeaders, 2, { electionType: 5, topicPartitions: [{ topic: "el", partitions: [0] }], timeoutMs: 1000 }, 3);
      expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    } finally {
      c.close();
    }
  });
});

describe("automatic preferred-leader rebalance (auto_leader_rebalance_enable)", () => {
  const topicId = "AAAAAAAAAAAAAAAAAAAACQ";
  async function brokerWithImbalance(enabled: boolean) {
    const broker = await startBroker({
      env: {},
      overrides: { host: "127.0.0.1", kafkaPort: 0, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, dataDir: tempDir() },
      log: createLogger({ level: "warn", format: "text", sink: () => {} }),
      leaderRebalance: { enabled, intervalMs: 100 },
    });
    const md = broker.context.metadata;
    const self = broker.context.nodeId;
    md.commit([{ type: "RegisterBroker", brokerId: self + 1, incarnationId: "AAAAAAAAAAAAAAAAAAAAAg", brokerEpoch: 5n, endPoints: [], rack: null, fenced: true }]);
    md.commit([
      { type: "Topic", name: "imbalanced", topicId },
      { type: "Partition", partitionId: 0, topicId, replicas: [self, self + 1], isr: [self, self + 1], leader: self + 1, leaderEpoch: 0, partitionEpoch: 0 },
      // Its preferred replica is outside the ISR: left alone.
      { type: "Partition", partitionId: 1, topicId, replicas: [self, self + 1], isr: [self + 1], leader: self + 1, leaderEpoch: 0, partitionEpoch: 0 },
    ]);
    return broker;
  }

  test("the preferred replica, alive and in the ISR, gets its leadership back; one outside the ISR does not", async () => {
    const broker = await brokerWithImbalance(true);
    try {
      const self = broker.context.nodeId;
      const deadline = Date.now() + 10_000;
      while (broker.context.metadata.image.topic("imbalanced")!.partitions[0]!.leader !== self && Date.now() < deadline) await Bun.sleep(50);
      const [p0, p1] = broker.context.metadata.image.topic("imbalanced")!.partitions;
      expect(p0).toMatchObject({ leader: self, leaderEpoch: 1 });
      expect(p1).toMatchObject({ leader: self + 1, leaderEpoch: 0 });
    } finally {
      await broker.stop(1000);
    }
  });

  test("switched off, nothing moves", async () => {
    const broker = await brokerWithImbalance(false);
    try {
      await Bun.sleep(500); // five check intervals
      expect(broker.context.metadata.image.topic("imbalanced")!.partitions[0]!.leader).toBe(broker.context.nodeId + 1);
    } finally {
      await broker.stop(1000);
    }
  });
});
