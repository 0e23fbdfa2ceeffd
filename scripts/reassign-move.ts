/**
 * Time to move a partition's data to other brokers (a figure, not a test): starts a 3-node local
 * cluster (src/cluster-launcher.ts, one process per node), writes --mb batches of 1000 records of
 * 1 KiB (--mb 100: 102.4 MB of values, acks=1) into a one-partition topic on --from, then AlterPartitionReassignments to --to and
 * measures from its answer until ListPartitionReassignments shows nothing in progress and every node's
 * Metadata shows the new replicas with the full ISR. Repeats --rounds times (moving back and forth).
 *
 *   bun scripts/reassign-move.ts [--mb 100] [--from 0] [--to 1,2] [--rounds 2] [--base-port P (default: a free range)]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaClient } from "../src/client/client.ts";
import { startLocalCluster } from "../src/cluster-launcher.ts";
import { CreateTopics } from "../src/protocol/messages/create-topics.ts";
import { AlterPartitionReassignments } from "../src/protocol/messages/alter-partition-reassignments.ts";
import { ListPartitionReassignments } from "../src/protocol/messages/list-partition-reassignments.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";
import { freeBasePort } from "../test/cluster/quorum-cluster.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1]!;
}
const mb = Number(arg("mb", "100"));
const from = arg("from", "0").split(",").map(Number);
const to = arg("to", "1,2").split(",").map(Number);
const rounds = Number(arg("rounds", "2"));
const basePort = process.argv.includes("--base-port") ? Number(arg("base-port", "0")) : await freeBasePort(3);
const dataDir = mkdtempSync(join(tmpdir(), "takhin-reassign-move-"));

const cluster = await startLocalCluster({ nodes: 3, basePort, dataDir, env: { TAKHIN_ADMIN_API_PORT: "-1", TAKHIN_SCHEMA_REGISTRY_PORT: "-1", TAKHIN_HTTP_PROXY_PORT: "-1" }, readyTimeoutMs: 90_000 });
const client = new KafkaClient({ bootstrap: cluster.bootstrap, requestTimeoutMs: 60_000 });
try {
  await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 60_000 });
  const { body: ct } = await client.send(CreateTopics, { topics: [{ name: "big", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: from }], configs: [] }], timeoutMs: 30_000, validateOnly: false });
  const created = ct.topics[0];
  if (created?.errorCode !== 0) throw new Error(`CreateTopics: ${created?.errorCode} ${created?.errorMessage}`);
  await Bun.sleep(500);
  const value = new Uint8Array(1024).fill(120);
  const perBatch = 1000;
  const t0 = performance.now();
  for (let i = 0; i < mb; i++) {
    const batch = buildRecordBatch({ records: Array.from({ length: perBatch }, () => ({ value })) });
    for (let attempt = 0; ; attempt++) {
      try {
        await client.produce("big", 0, batch, { acks: 1 });
        break;
      } catch (e) {
        if (attempt > 20) throw e;
        await client.leaderOf("big", 0, true);
      }
    }
  }
  console.log(`wrote ${(mb * perBatch * 1024 / 1e6).toFixed(1)} MB (${mb * perBatch} records of 1 KiB) to big-0 on [${from}] in ${Math.round(performance.now() - t0)} ms`);
  let [src, dst] = [from, to];
  for (let round = 1; round <= rounds; round++) {
    const start = performance.now();
    const { body } = await client.send(AlterPartitionReassignments, { timeoutMs: 30_000, allowReplicationFactorChange: true, topics: [{ name: "big", partitions: [{ partitionIndex: 0, replicas: dst }] }] });
    const code = body.responses[0]?.partitions[0]?.errorCode;
    if (body.errorCode !== 0 || code !== 0) throw new Error(`AlterPartitionReassignments: ${body.errorCode}/${code}`);
    for (;;) {
      const l = await client.send(ListPartitionReassignments, { timeoutMs: 30_000, topics: null });
      if (l.body.topics.length === 0) {
        const md = await client.metadata(["big"]);
        const p = md.topics[0]!.partitions[0]!;
        if (p.replicaNodes.join() === dst.join() && p.isrNodes.length === dst.length) break;
      }
      if (performance.now() - start > 600_000) throw new Error("the move did not finish within 10 minutes");
      await Bun.sleep(20);
    }
    console.log(`round ${round}: moved big-0 (${(mb * perBatch * 1024 / 1e6).toFixed(1)} MB) [${src}] -> [${dst}] in ${Math.round(performance.now() - start)} ms`);
    [src, dst] = [dst, src];
  }
} finally {
  client.close();
  await cluster.stop(10_000);
  rmSync(dataDir, { recursive: true, force: true });
}
