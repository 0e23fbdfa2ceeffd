/**
 * Metadata propagation delay on a local cluster (issue 14's "done when" figure): starts N nodes
 * (src/cluster-launcher.ts, each its own process), creates topics totalling --partitions
 * partitions in one CreateTopics request, and measures from its response to the moment each
 * node's Metadata shows every one of those partitions with a leader; then deletes them and
 * repeats for --rounds rounds. Prints one line per round and a summary; a figure, not a test.
 *
 *   bun scripts/cluster-propagation.ts [--nodes 3] [--partitions 1000] [--topics 10] [--rounds 3] [--rf 1]
 *
 * Every node is polled every 10 ms with Metadata for the new topics (one request in flight per node).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrokerConnection } from "../src/client/connection.ts";
import { KafkaClient } from "../src/client/client.ts";
import { startLocalCluster, type LocalCluster } from "../src/cluster-launcher.ts";
import { Metadata } from "../src/protocol/messages/metadata.ts";
import { ZERO_UUID } from "../src/protocol/reader.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const nodes = arg("nodes", 3);
const partitions = arg("partitions", 1000);
const topics = arg("topics", 10);
const rounds = arg("rounds", 3);
const rf = arg("rf", 1);
const basePort = arg("base-port", 29092);
const POLL_MS = 10;
const ROUND_TIMEOUT_MS = 120_000;

/** Resolves with the ms (from `t0`) at which node `id` shows a leader for every partition of `names`. */
async function allLedAt(cluster: LocalCluster, id: number, names: string[], want: number, t0: number): Promise<number> {
  const c = new BrokerConnection("127.0.0.1", cluster.node(id).kafkaPort, { requestTimeoutMs: 10_000 });
  try {
    const deadline = t0 + ROUND_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const { body } = await c.send(Metadata, { topics: names.map((name) => ({ topicId: ZERO_UUID, name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      let led = 0;
      for (const t of body.topics) if (t.errorCode === 0) for (const p of t.partitions) if (p.leaderId >= 0) led++;
      if (led === want) return performance.now() - t0;
      await Bun.sleep(POLL_MS);
    }
    throw new Error(`node ${id}: not every partition led within ${ROUND_TIMEOUT_MS} ms`);
  } finally {
    c.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "takhin-propagation-"));
const cluster = await startLocalCluster({ nodes, basePort, dataDir: dir });
const client = new KafkaClient({ bootstrap: cluster.bootstrap, requestTimeoutMs: 60_000 });
const results: { create: number; perNode: number[] }[] = [];
try {
  await cluster.waitForBrokers([...Array(nodes).keys()]);
  const per = Math.floor(partitions / topics);
  for (let round = 0; round < rounds; round++) {
    const names = [...Array(topics).keys()].map((i) => `prop-${round}-${i}`);
    const counts = names.map((_, i) => per + (i < partitions - per * topics ? 1 : 0));
    const sent = performance.now();
    const res = await client.createTopics(names.map((name, i) => ({ name, numPartitions: counts[i]!, replicationFactor: rf })), { timeoutMs: 60_000 });
    const answered = performance.now();
    const bad = res.filter((r) => r.errorCode !== 0);
    if (bad.length > 0) throw new Error(`CreateTopics failed: ${JSON.stringify(bad.map((r) => [r.name, r.errorCode, r.errorMessage]))}`);
    const perNode = await Promise.all(cluster.nodes.map((n) => allLedAt(cluster, n.id, names, partitions, answered)));
    results.push({ create: answered - sent, perNode });
    console.log(
      `round ${round + 1}: ${partitions} partitions in ${topics} topics (rf ${rf}), CreateTopics answered in ${(answered - sent).toFixed(0)} ms; ` +
        `every partition led on each node after ${perNode.map((ms, id) => `node ${id} ${ms.toFixed(0)} ms`).join(", ")} (max ${Math.max(...perNode).toFixed(0)} ms)`,
    );
    const del = await client.deleteTopics(names, { timeoutMs: 60_000 });
    if (del.some((d) => d.errorCode !== 0)) throw new Error(`DeleteTopics failed: ${JSON.stringify(del)}`);
  }
  const maxes = results.map((r) => Math.max(...r.perNode)).sort((a, b) => a - b);
  const creates = results.map((r) => r.create).sort((a, b) => a - b);
  console.log(
    `takhin propagation: nodes=${nodes} partitions=${partitions} rounds=${rounds} createTopics median ${creates[Math.floor(creates.length / 2)]!.toFixed(0)} ms; ` +
      `response -> every node shows every leader: median ${maxes[Math.floor(maxes.length / 2)]!.toFixed(0)} ms, max ${maxes[maxes.length - 1]!.toFixed(0)} ms`,
  );
} finally {
  client.close();
  await cluster.stop(3000);
  rmSync(dir, { recursive: true, force: true });
}
