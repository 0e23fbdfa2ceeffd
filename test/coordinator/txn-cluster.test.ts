/**
 * Transactions on a 3-node cluster (real node processes, src/cluster-launcher.ts):
 * - the first FindCoordinator for a transactional id creates __transaction_state through the
 *   controller (RF 3 with 3 live brokers); every node names the same coordinator, the leader of the
 *   id's partition;
 * - a kafkajs transactional producer commits and aborts transactions over partitions led by every
 *   node: the coordinator's markers reach the other leaders (WriteTxnMarkers) and the leaders verify
 *   the batches with the coordinator (AddPartitionsToTxn v4 verify_only); a read_committed
 *   librdkafka consumer sees exactly the committed records;
 * - a librdkafka producer leaves a transaction open over every partition and the coordinator's node
 *   is killed (kill -9): the new leader of the id's __transaction_state partition loads the ongoing
 *   transaction from its replica and aborts it at its timeout, markers to every partition; a
 *   read_committed consumer then reads past it to the records written after it.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { TRANSACTION_STATE_TOPIC } from "../../src/coordinator/txn/txn-log.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { DescribeTransactions } from "../../src/protocol/messages/describe-transactions.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { tempDir, removeDir } from "../helpers/broker.ts";
import { lastJson, NODE, PYTHON, runProc } from "../clients/scripts/pc-common.ts";
import { metadataOf, startFaultCluster, until, type FaultCluster } from "../cluster/faults/harness.ts";

const SCRIPTS = join(import.meta.dir, "scripts");
const TOPIC = "txn-cl";
const CLIENT_TIMEOUT_MS = 120_000;
let fc: FaultCluster | null = null;
let hang: ReturnType<typeof Bun.spawn> | null = null;
const dir = tempDir("takhin-txn-cluster-");

afterAll(async () => {
  hang?.kill("SIGKILL");
  await fc?.stop();
  removeDir(dir);
}, 30_000);

async function run(interpreter: string, script: string, spec: Record<string, unknown>): Promise<any> {
  const specPath = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  await Bun.write(specPath, JSON.stringify(spec));
  const res = await runProc([interpreter, join(SCRIPTS, script), specPath], { timeoutMs: CLIENT_TIMEOUT_MS });
  const out = lastJson(script, res);
  if (!out.ok) throw new Error(`${script} failed: ${out.error}\nstderr: ${res.stderr.slice(-2000)}`);
  return out;
}

async function findTxnCoordinator(port: number, id: string): Promise<any> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(FindCoordinator, 3, { key: id, keyType: 1, coordinatorKeys: [] });
  } finally {
    c.close();
  }
}

const msgs = (tag: string, n: number) => [0, 1, 2].flatMap((p) => Array.from({ length: n }, (_, i) => ({ p, k: `${tag}-${i}`, v: `${tag}-p${p}-${i}` })));
const byPartition = (rows: { p: number; v: string }[]) => [0, 1, 2].map((p) => rows.filter((r) => r.p === p).map((r) => r.v));

test(
  "3 nodes: __transaction_state created through the controller, markers and verification across nodes, and a coordinator killed under an open transaction: the new one aborts it at its timeout",
  async () => {
    fc = await startFaultCluster({
      nodes: 3,
      env: { TAKHIN_TRANSACTION_STATE_LOG_NUM_PARTITIONS: "3", TAKHIN_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS: "300", TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "100" },
    });
    const cluster = fc.cluster;
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    const client = fc.client();
    const [created] = await client.createTopics([{ name: TOPIC, numPartitions: 3, replicationFactor: 3 }]);
    expect(created!.errorCode).toBe(0);

    // The first lookup creates __transaction_state (COORDINATOR_NOT_AVAILABLE meanwhile, which clients retry).
    const coord = await until("a transaction coordinator", async () => {
      const r = await findTxnCoordinator(cluster.node(0).kafkaPort, "cl-hang");
      if (r.errorCode !== ErrorCode.NONE) {
        expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        return null;
      }
      return r;
    }, 30_000, 100);
    const md = await metadataOf(cluster, 0);
    const stateTopic = md!.topics.find((t) => t.name === TRANSACTION_STATE_TOPIC)!;
    expect(stateTopic.isInternal).toBe(true);
    expect(stateTopic.partitions.length).toBe(3);
    for (const p of stateTopic.partitions) expect(p.replicaNodes.length).toBe(3);
    for (const n of cluster.nodes) {
      const r = await findTxnCoordinator(n.kafkaPort, "cl-hang");
      expect([r.errorCode, r.nodeId, r.port]).toEqual([ErrorCode.NONE, coord.nodeId, coord.port]);
    }
    const leaders = new Set(md!.topics.find((t) => t.name === TOPIC)!.partitions.map((p) => p.leaderId));
    expect(leaders.size).toBeGreaterThan(1); // the transaction spans partitions led by several nodes

    const committed = msgs("cl-commit", 2);
    const aborted = msgs("cl-abort", 1);
    await run(NODE, "txn-kafkajs.mjs", {
      mode: "produce",
      bootstrap: cluster.bootstrap,
      clientId: "txn-kafkajs",
      endPartitions: [],
      steps: [
        { kind: "txn", id: "cl-js", end: "commit", sends: [{ topic: TOPIC, messages: committed }] },
        { kind: "txn", id: "cl-js", end: "abort", sends: [{ topic: TOPIC, messages: aborted }] },
      ],
    });

    // An open transaction over every partition, then the coordinator's node dies.
    const hung = msgs("cl-hung", 1);
    const specPath = join(dir, "spec-hang.json");
    await Bun.write(specPath, JSON.stringify({ bootstrap: cluster.bootstrap, mode: "hang", clientId: "txn-confluent", id: "cl-hang", transactionTimeoutMs: 4000, topic: TOPIC, messages: hung }));
    hang = Bun.spawn([PYTHON, join(SCRIPTS, "txn-confluent.py"), specPath], { stdout: "pipe", stderr: "pipe" });
    const reader = (hang.stdout as ReadableStream<Uint8Array>).getReader();
    let text = "";
    const deadline = Date.now() + CLIENT_TIMEOUT_MS;
    while (!text.includes('"sent"') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"sent": 3');
    const killedAt = performance.now();
    await cluster.kill(coord.nodeId);
    const live = cluster.nodes.filter((n) => n.id !== coord.nodeId);
    const liveBootstrap = live.map((n) => `127.0.0.1:${n.kafkaPort}`).join(",");

    const newCoord = await until("a new transaction coordinator", async () => {
      const r = await findTxnCoordinator(live[0]!.kafkaPort, "cl-hang").catch(() => null);
      return r && r.errorCode === ErrorCode.NONE && r.nodeId !== coord.nodeId ? r : null;
    }, 30_000, 100);
    console.log(`transaction coordinator failover: kill -9 of node ${coord.nodeId} -> node ${newCoord.nodeId} answers FindCoordinator after ${Math.round(performance.now() - killedAt)} ms`);
    // Records after the open transaction, then the end markers the consumer waits for.
    const after = msgs("cl-after", 1);
    const ends = [0, 1, 2].map((p) => ({ p, k: "end", v: "end" }));
    await run(PYTHON, "txn-confluent.py", { mode: "plain", bootstrap: liveBootstrap, clientId: "txn-confluent", topic: TOPIC, messages: [...after, ...ends] });
    // Reaches "end" only once the new coordinator has aborted the open transaction on every partition.
    const rc = await run(PYTHON, "txn-confluent.py", { mode: "consume", bootstrap: liveBootstrap, clientId: "txn-confluent", isolation: "read_committed", endPartitions: [0, 1, 2].map((p) => ({ topic: TOPIC, p })) });
    expect(byPartition(rc.records)).toEqual(byPartition([...committed, ...after]));
    const state = await until("the open transaction aborted", async () => {
      const c = await RawClient.connect(newCoord.port);
      try {
        const d = (await c.call(DescribeTransactions, 0, { transactionalIds: ["cl-hang"] })).transactionStates[0];
        return d.transactionState === "CompleteAbort" ? d : null;
      } finally {
        c.close();
      }
    }, 30_000, 100);
    expect(state.errorCode).toBe(0);
    console.log(`open transaction (timeout 4000 ms) aborted by the new coordinator ${Math.round(performance.now() - killedAt)} ms after the kill (at most: this is when the test saw it)`);
    const ru = await run(PYTHON, "txn-confluent.py", { mode: "consume", bootstrap: liveBootstrap, clientId: "txn-confluent", isolation: "read_uncommitted", endPartitions: [0, 1, 2].map((p) => ({ topic: TOPIC, p })) });
    expect(byPartition(ru.records)).toEqual(byPartition([...committed, ...aborted, ...hung, ...after]));
  },
  240_000,
);
