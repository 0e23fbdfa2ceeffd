/**
 * Producer ids on a 3-node cluster (real node processes, src/cluster-launcher.ts): InitProducerId
 * answered by every node concurrently hands out ids that are unique across the cluster (each node
 * takes blocks the active controller committed, cluster/producer-id-blocks.ts); after kill -9 and
 * restart of the active controller no id is handed out again; a node cut off from the quorum answers
 * COORDINATOR_NOT_AVAILABLE once its blocks are used up (no id twice when the quorum is back); and an idempotent librdkafka producer
 * (confluent_kafka) writes to an RF 3 topic through the cluster with every record once, in order.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { InitProducerId } from "../../src/protocol/messages/init-producer-id.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { decodeResponse, RawClient, requestFrame } from "../helpers/raw-client.ts";
import { readAll, startFaultCluster, until, type FaultCluster } from "./faults/harness.ts";

const PYTHON = "/usr/bin/python3";
const PRODUCER = join(import.meta.dir, "scripts", "idempotent-producer.py");
/** Connections per node and InitProducerIds per connection: 3 x 4 x 400 = 4800 ids, several blocks per node. */
const CONNECTIONS = 4;
const CALLS = 400;

let fc: FaultCluster | null = null;
afterAll(async () => {
  await fc?.stop();
}, 30_000);

let correlation = 1;

/** One InitProducerId (v4); the answer may wait for the controller RPC's timeout (5 s) or the quorum's commit timeout (10 s). */
async function initOnce(c: RawClient): Promise<{ errorCode: number; producerId: bigint; producerEpoch: number }> {
  const before = c.frames.length;
  c.write(requestFrame(InitProducerId, 4, correlation++, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }));
  const frames = await c.waitFrames(before + 1, 20_000);
  if (frames.length <= before) throw new Error(`no InitProducerId answer within 20 s (closed=${c.closed})`);
  return decodeResponse(InitProducerId, 4, frames[before]!).body;
}

/** InitProducerId until it succeeds; COORDINATOR_NOT_AVAILABLE is retried (no controller right now), anything else fails the test. */
async function initProducerId(c: RawClient): Promise<bigint> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const r = await initOnce(c);
    if (r.errorCode === ErrorCode.NONE) {
      expect(r.producerEpoch).toBe(0);
      return r.producerId;
    }
    expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await Bun.sleep(50);
  }
  throw new Error("InitProducerId kept answering COORDINATOR_NOT_AVAILABLE");
}

/** CONNECTIONS x CALLS InitProducerIds on every node at once. */
async function idsFromEveryNode(cluster: FaultCluster["cluster"]): Promise<bigint[]> {
  const clients = await Promise.all(cluster.nodes.flatMap((n) => Array.from({ length: CONNECTIONS }, () => RawClient.connect(n.kafkaPort))));
  try {
    const perClient = await Promise.all(
      clients.map(async (c) => {
        const out: bigint[] = [];
        for (let i = 0; i < CALLS; i++) out.push(await initProducerId(c));
        return out;
      }),
    );
    return perClient.flat();
  } finally {
    for (const c of clients) c.close();
  }
}

describe("producer ids on a 3-node cluster", () => {
  test("unique across nodes under concurrent InitProducerId, never reused after the controller restarts; an idempotent confluent_kafka producer works", async () => {
    fc = await startFaultCluster({ nodes: 3 });
    const cluster = fc.cluster;
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });

    const started = performance.now();
    const first = await idsFromEveryNode(cluster);
    console.log(`${first.length} InitProducerIds over ${3 * CONNECTIONS} connections to 3 nodes in ${Math.round(performance.now() - started)} ms`);
    expect(first.length).toBe(3 * CONNECTIONS * CALLS);
    expect(new Set(first).size).toBe(first.length);
    for (const id of first) expect(id >= 0n).toBe(true);

    // kill -9 of the active controller and a restart: the blocks it granted are in the quorum's log.
    const controller = await cluster.activeController({ timeoutMs: 10_000 });
    await cluster.restart(controller);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    const second = await idsFromEveryNode(cluster);
    const all = new Set([...first, ...second]);
    expect(all.size).toBe(first.length + second.length);

    // No quorum (the two other nodes SIGSTOPped): once its blocks are used up a node answers
    // COORDINATOR_NOT_AVAILABLE, never an id outside a granted block; with the quorum back it goes on.
    const lone = cluster.nodes[0]!;
    await cluster.pause(1);
    await cluster.pause(2);
    const raw = await RawClient.connect(lone.kafkaPort);
    const isolated: bigint[] = [];
    let refused = 0;
    try {
      for (let i = 0; i < 3000 && refused === 0; i++) {
        const r = await initOnce(raw);
        if (r.errorCode === ErrorCode.NONE) isolated.push(r.producerId);
        else {
          expect(r.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
          refused++;
        }
      }
    } finally {
      raw.close();
      await cluster.resume(1);
      await cluster.resume(2);
    }
    expect(refused).toBe(1);
    console.log(`node 0 without a quorum: ${isolated.length} ids from its blocks, then COORDINATOR_NOT_AVAILABLE`);
    await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 30_000 });
    const third = await idsFromEveryNode(cluster);
    const everything = [...first, ...second, ...isolated, ...third];
    expect(new Set(everything).size).toBe(everything.length);

    // An idempotent librdkafka producer: InitProducerId, then acks=all produces to RF 3 partitions led by every node.
    const client = fc.client();
    // Right after the resume the controller may still fence a node whose heartbeats lapsed while it
    // was stopped (the nodes' views were frozen with all three listed), and unfence it at its next
    // heartbeat: RF 3 is refused with INVALID_REPLICATION_FACTOR only in that window, so retry it.
    let created: { errorCode: number } | undefined;
    const createDeadline = Date.now() + 30_000;
    for (;;) {
      [created] = await client.createTopics([{ name: "idem", numPartitions: 3, replicationFactor: 3 }]);
      if (created!.errorCode !== ErrorCode.INVALID_REPLICATION_FACTOR || Date.now() > createDeadline) break;
      await Bun.sleep(200);
    }
    expect(created!.errorCode).toBe(0);
    await until("idem led on every partition", async () => {
      const md = await client.metadata(["idem"]);
      return md.topics[0]?.partitions.length === 3 && md.topics[0].partitions.every((p: { leaderId: number }) => p.leaderId >= 0);
    }, 15_000);
    const COUNT = 3000;
    const proc = Bun.spawn([PYTHON, PRODUCER, cluster.bootstrap, "idem", String(COUNT)], { stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
    const [out, err] = [await new Response(proc.stdout).text(), await new Response(proc.stderr).text()];
    await proc.exited;
    clearTimeout(timer);
    if (proc.exitCode !== 0) throw new Error(`producer failed: ${err}`);
    const res = JSON.parse(out.trim().split("\n").pop()!);
    expect(res).toEqual({ delivered: COUNT, errors: [], left: 0 });
    const seen: string[] = [];
    for (let p = 0; p < 3; p++) {
      const records = await readAll(client, "idem", p);
      // Dense offsets from 0: nothing written twice, nothing skipped.
      expect(records.map(([o]) => o)).toEqual(records.map((_, i) => BigInt(i)));
      seen.push(...records.map(([, v]) => v));
    }
    expect(seen.length).toBe(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
  }, 240_000);
});
