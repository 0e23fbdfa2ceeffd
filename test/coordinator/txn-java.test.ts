/**
 * Transactions with Apache Kafka's Java client (kafka-clients 4.4, test/java/TxnSuite.java) and
 * its kafka-transactions tool (org.apache.kafka.tools.TransactionsCommand) against one Takhin
 * broker: a transactional KafkaProducer commits and aborts over two topics, a zombie with the same
 * transactional.id is fenced (ProducerFencedException), sendOffsetsToTransaction's offsets appear in
 * the group only after the commit, and read_committed / read_uncommitted KafkaConsumers see exactly
 * the committed records, resp. everything written. Then the Admin client's listTransactions and
 * describeTransactions, and the tool's list, describe and abort of a hanging transaction (a
 * transactional batch the coordinator never heard of, which holds the partition's LSO back until
 * the tool writes its ABORT marker through WriteTxnMarkers).
 *
 * TAKHIN_JAVA_TARGET=kafka runs the client and tool tests against Apache Kafka 4.4 (startKafkaPeer)
 * instead, which answers them the same way (the hanging-transaction case needs Takhin's in-process
 * append and runs only against Takhin).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { buildRecordBatch, TRANSACTIONAL_BIT } from "../../src/protocol/record-batch.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, runJava, suiteClasspath } from "../java/java.ts";
import { recordApiVersions, versionsUsed } from "../clients/scripts/pc-common.ts";

const RUN_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 180_000;
const PREFIX = "jtx";

const TARGET = process.env.TAKHIN_JAVA_TARGET === "kafka" ? "kafka" : "takhin";
let tb: TestBroker | undefined;
let peer: KafkaPeer | undefined;
let peerDir = "";
let bootstrap = "";
let nodeId = -1;
let classpath = "";
let seen: ReturnType<typeof recordApiVersions>;

beforeAll(async () => {
  classpath = suiteClasspath();
  if (TARGET === "kafka") {
    peerDir = tempDir("takhin-kafka-peer-");
    peer = await startKafkaPeer({ dataDir: peerDir });
    bootstrap = peer.bootstrap;
    nodeId = peer.state.nodes[0]!.nodeId;
  } else {
    tb = await startTestBroker({ transactionStateLogNumPartitions: 5 }, undefined, { groups: { initialRebalanceDelayMs: 100 } });
    seen = recordApiVersions(tb);
    bootstrap = tb.bootstrap;
    nodeId = tb.broker.context.nodeId;
  }
}, 120_000);
afterAll(async () => {
  if (tb) {
    for (const client of ["java-txn", "java-txn-admin"]) console.log(`${client} API versions: ${JSON.stringify(versionsUsed(seen, client))}`);
    await tb.stop();
    removeDir(tb.dataDir);
  }
  if (peer) {
    await peer.stop();
    removeDir(peerDir);
  }
});

const tb_ = (): TestBroker => tb!;

async function createTopic(name: string, partitions: number): Promise<void> {
  if (tb) {
    tb.broker.context.topics.create(name, partitions);
    return;
  }
  const r = await runJava("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--create", "--topic", name, "--partitions", String(partitions), "--replication-factor", "1"], { timeoutMs: RUN_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new Error(explain(r));
}

async function suite(scenario: string): Promise<Map<string, any>> {
  const run = await runJava("TxnSuite", [scenario, bootstrap, PREFIX], { classpath, timeoutMs: RUN_TIMEOUT_MS });
  const steps = new Map<string, any>();
  for (const line of run.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const o = JSON.parse(line);
    if (o.step) steps.set(o.step, o);
    if (o.done) steps.set("__done", o);
  }
  if (!steps.has("__done")) throw new Error(`TxnSuite ${scenario} did not finish: ${explain(run)}`);
  for (const s of steps.values()) if (s.error) throw new Error(`TxnSuite ${scenario} step ${s.step}: ${JSON.stringify(s.error)}\n${explain(run)}`);
  return steps;
}

/** kafka-transactions.sh: the tool's main class on Kafka's classpath; its stdout and exit code. */
async function transactionsTool(...args: string[]) {
  const run = await runJava("org.apache.kafka.tools.TransactionsCommand", ["--bootstrap-server", bootstrap, ...args], { timeoutMs: RUN_TIMEOUT_MS });
  return run;
}

const range = (tag: string, p: number, n: number) => Array.from({ length: n }, (_, i) => `${tag}-p${p}-${i}`);

test(
  "KafkaProducer with transactional.id: commit, abort, a fenced zombie, sendOffsetsToTransaction; read_committed and read_uncommitted KafkaConsumers",
  async () => {
    await createTopic(`${PREFIX}-a`, 3);
    await createTopic(`${PREFIX}-b`, 1);
    const s = await suite("clients");
    expect(s.get("zombie").zombieCommit.class).toBe("org.apache.kafka.common.errors.ProducerFencedException");
    // The offsets are pending until the commit (Admin's listConsumerGroupOffsets does not wait for them).
    expect([s.get("offsets").before, s.get("offsets").after]).toEqual([null, 2]);
    const committed = {
      [`${PREFIX}-a-0`]: range("commit", 0, 2),
      [`${PREFIX}-a-1`]: range("commit", 1, 2),
      [`${PREFIX}-a-2`]: range("commit", 2, 2),
      [`${PREFIX}-b-0`]: [...range("commit", 0, 2), "fencer-p0-0", "offsets-p0-0"],
    };
    const everything = {
      [`${PREFIX}-a-0`]: [...range("commit", 0, 2), ...range("abort", 0, 1)],
      [`${PREFIX}-a-1`]: [...range("commit", 1, 2), ...range("abort", 1, 1), "zombie-p1-0"],
      [`${PREFIX}-a-2`]: range("commit", 2, 2),
      [`${PREFIX}-b-0`]: [...range("commit", 0, 2), ...range("abort", 0, 1), "fencer-p0-0", "offsets-p0-0"],
    };
    expect(s.get("read-committed")).toMatchObject({ unfinished: 0, values: committed });
    expect(s.get("read-uncommitted")).toMatchObject({ unfinished: 0, values: everything });
  },
  TEST_TIMEOUT_MS,
);

test(
  "Admin listTransactions / describeTransactions, and kafka-transactions list and describe",
  async () => {
    const s = await suite("admin");
    expect(s.get("list").transactions).toMatchObject({ [`${PREFIX}-tx1`]: "CompleteAbort", [`${PREFIX}-txz`]: "CompleteCommit", [`${PREFIX}-txo`]: "CompleteCommit" });
    const d = s.get("describe").transactions;
    expect(d[`${PREFIX}-tx1`]).toMatchObject({ state: "CompleteAbort", timeoutMs: 30_000, coordinator: nodeId, topics: 0 });
    expect(d[`${PREFIX}-txz`].producerEpoch).toBeGreaterThanOrEqual(1); // bumped when the second producer fenced the first

    const list = await transactionsTool("list");
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${PREFIX}-tx1\\s+${nodeId}\\s+\\d+\\s+CompleteAbort`));
    const describe = await transactionsTool("describe", "--transactional-id", `${PREFIX}-txz`);
    expect(describe.exitCode).toBe(0);
    expect(describe.stdout).toContain("CompleteCommit");
    const unknown = await transactionsTool("describe", "--transactional-id", "no-such-id");
    expect(unknown.exitCode).not.toBe(0);
    expect(unknown.stderr + unknown.stdout).toContain("could not be found");
  },
  TEST_TIMEOUT_MS,
);

(TARGET === "takhin" ? test : test.skip)(
  "kafka-transactions abort: a hanging transaction (unknown to the coordinator) holds the LSO until the tool's ABORT marker",
  async () => {
    const topic = `${PREFIX}-hang`;
    const tb = tb_();
    tb.broker.context.topics.create(topic, 1);
    const producerId = 777_000n;
    const batch = buildRecordBatch({ attributes: TRANSACTIONAL_BIT, producerId, producerEpoch: 3, baseSequence: 0, records: [{ key: null, value: new TextEncoder().encode("hanging") }] });
    // Appended as a partition leader would after a lost marker: the coordinator has no record of it.
    const r = await tb.broker.context.replicas.appendRecords([{ topic, partition: 0, records: batch }], { acks: -1, timeoutMs: 5000, origin: "coordinator" });
    expect(r[0]!.errorCode).toBe(ErrorCode.NONE);
    const p = tb.broker.context.partitions.get(topic, 0)!;
    expect(p.lastStableOffset).toBe(0);
    const abort = await transactionsTool("abort", "--topic", topic, "--partition", "0", "--producer-id", String(producerId), "--producer-epoch", "3", "--coordinator-epoch", "0");
    expect(abort.exitCode).toBe(0);
    expect(p.lastStableOffset).toBe(p.logEndOffset);
    expect(p.logEndOffset).toBe(2); // the record and the ABORT marker
    expect(p.abortedTxns).toBeDefined();
  },
  TEST_TIMEOUT_MS,
);
