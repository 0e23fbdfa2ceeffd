/**
 * What the process-level fault tests share: a local cluster (src/cluster-launcher.ts, every node
 * its own `bun src/main.ts`) on free loopback ports in a temporary directory, optionally with a
 * FaultNet (test/helpers/fault-proxy.ts) on every directed controller link, and small probes over
 * the internal client. Every test calls `stop()` in afterAll: it kills the nodes (SIGKILL after a
 * short grace), the proxies and the directory.
 */
import { createServer } from "node:net";
import { BrokerConnection } from "../../../src/client/connection.ts";
import { KafkaClient } from "../../../src/client/client.ts";
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from "../../../src/cluster-launcher.ts";
import { Metadata } from "../../../src/protocol/messages/metadata.ts";
import { BATCH_HEADER_BYTES, BATCH_LOG_OVERHEAD_BYTES, buildRecordBatch, COMPRESSION_MASK, iterateRecords, readBatchHeader } from "../../../src/protocol/record-batch.ts";
import { batchRecords } from "../../../src/compression/index.ts";
import { FaultNet, FaultProxy } from "../../helpers/fault-proxy.ts";
import { removeDir, tempDir } from "../../helpers/broker.ts";

export interface FaultCluster {
  readonly cluster: LocalCluster;
  readonly net: FaultNet | null;
  /** With `kafkaProxy`: one proxy in front of each node's Kafka listener, which the node advertises. */
  readonly kafkaProxies: FaultProxy[];
  readonly dir: string;
  client(o?: { requestTimeoutMs?: number }): KafkaClient;
  stop(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * A base port whose node ports are all free now: every port family the launcher gives node i
 * (src/cluster-launcher.ts): Kafka base+i, controller base+100+i, Admin API base+200+i, Schema
 * Registry base+300+i, HTTP Proxy base+400+i, console base+500+i (a busy Admin API or console
 * port made a node exit at start).
 */
export async function freeBasePort(nodes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 400) * 100;
    let ok = true;
    for (let i = 0; i < nodes && ok; i++) for (const family of [0, 100, 200, 300, 400, 500]) ok = ok && (await portFree(base + family + i));
    if (ok) return base;
  }
  throw new Error("no free port range for a local cluster");
}

export async function startFaultCluster(o: { nodes?: number; proxy?: boolean; kafkaProxy?: boolean; env?: Record<string, string> } & Partial<LocalClusterOptions> = {}): Promise<FaultCluster> {
  const nodes = o.nodes ?? 3;
  const dir = tempDir("takhin-faults-");
  const basePort = await freeBasePort(nodes);
  const ids = [...Array(nodes).keys()];
  const net = o.proxy ? await FaultNet.start(ids, (to) => basePort + 100 + to) : null;
  const kafkaProxies: FaultProxy[] = [];
  if (o.kafkaProxy) for (const id of ids) kafkaProxies.push(await FaultProxy.start({ name: `kafka-${id}`, targetPort: basePort + id }));
  const clients: KafkaClient[] = [];
  const logDir = process.env.TAKHIN_FAULT_NODE_LOGS;
  const writers = new Map<number, ReturnType<ReturnType<typeof Bun.file>["writer"]>>();
  const nodeLogs = logDir
    ? (id: number) => {
        let w = writers.get(id);
        if (!w) writers.set(id, (w = Bun.file(`${logDir}/node-${id}.log`).writer()));
        return w;
      }
    : null;
  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster({
      nodes,
      basePort,
      dataDir: dir,
      env: o.env,
      peerAddress: net ? (from, to) => net.addressOf(from, to) : undefined,
      advertisedKafkaPort: o.kafkaProxy ? (id) => kafkaProxies[id]!.port : o.advertisedKafkaPort,
      nodeEnv: o.nodeEnv,
      readyTimeoutMs: 60_000,
      // TAKHIN_FAULT_NODE_LOGS=<dir>: every node's log lines go to <dir>/node-<id>.log (to diagnose a failing round).
      onLine: nodeLogs ? (id, line) => nodeLogs(id).write(`${line}\n`) : o.onLine,
    });
  } catch (e) {
    await net?.stop();
    for (const p of kafkaProxies) await p.stop();
    removeDir(dir);
    throw e;
  }
  return {
    cluster,
    net,
    kafkaProxies,
    dir,
    client(co = {}) {
      const c = new KafkaClient({ bootstrap: cluster.bootstrap, requestTimeoutMs: co.requestTimeoutMs ?? 10_000 });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await cluster.stop(3000);
      await net?.stop();
      for (const p of kafkaProxies) await p.stop();
      for (const w of writers.values()) await w.end();
      removeDir(dir);
    },
  };
}

/** A client that talks to node `id` only (its bootstrap is that node's port). */
export function nodeClient(cluster: LocalCluster, id: number, requestTimeoutMs = 10_000): KafkaClient {
  return new KafkaClient({ bootstrap: `127.0.0.1:${cluster.node(id).kafkaPort}`, requestTimeoutMs, maxConnectAttempts: 1 });
}

/** Node `id`'s full Metadata answer (all topics), or null when it does not answer. */
export async function metadataOf(cluster: LocalCluster, id: number, timeoutMs = 3000) {
  const c = new BrokerConnection("127.0.0.1", cluster.node(id).kafkaPort, { requestTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs, maxConnectAttempts: 1 });
  try {
    const { body } = await c.send(Metadata, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { timeoutMs });
    return body;
  } catch {
    return null;
  } finally {
    c.close();
  }
}

/**
 * A node's metadata in a comparable form: brokers, controller, and per topic its id and each
 * partition's leader, leader epoch, replicas and ISR, sorted.
 */
export function digestOf(md: NonNullable<Awaited<ReturnType<typeof metadataOf>>>): string {
  const topics = md.topics
    .filter((t) => t.name !== null)
    .map((t) => ({
      name: t.name,
      id: t.topicId,
      error: t.errorCode,
      partitions: [...t.partitions]
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, [...p.replicaNodes].sort(), [...p.isrNodes].sort()]),
    }))
    .sort((a, b) => (a.name! < b.name! ? -1 : 1));
  return JSON.stringify({ brokers: md.brokers.map((b) => [b.nodeId, b.host, b.port]).sort(), controller: md.controllerId, topics });
}

export async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await f();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await Bun.sleep(everyMs);
  }
}

/** One uncompressed batch of string values, each keyed by itself (so compacted topics take it too). */
export function batchOf(values: string[]): Uint8Array {
  const enc = new TextEncoder();
  return buildRecordBatch({ records: values.map((v) => ({ key: enc.encode(v), value: enc.encode(v) })) });
}

/** Every record of an uncompressed partition from `from` up to its high watermark, as [offset, value]. */
export async function readAll(client: KafkaClient, topic: string, partition: number, from = 0n): Promise<[bigint, string][]> {
  const dec = new TextDecoder();
  const out: [bigint, string][] = [];
  let offset = from;
  for (let round = 0; round < 10_000; round++) {
    const p = await client.fetch(topic, partition, offset, { maxWaitMs: 0 });
    const bytes = p.records ?? new Uint8Array(0);
    let pos = 0;
    let progressed = false;
    while (pos + BATCH_HEADER_BYTES <= bytes.length) {
      const h = readBatchHeader(bytes, pos);
      const size = BATCH_LOG_OVERHEAD_BYTES + h.batchLength;
      if (pos + size > bytes.length) break;
      const batch = bytes.subarray(pos, pos + size);
      const inner = (h.attributes & COMPRESSION_MASK) === 0 ? batch.subarray(BATCH_HEADER_BYTES) : batchRecords(batch);
      for (const r of iterateRecords(inner, h.recordCount)) {
        const o = h.baseOffset + BigInt(r.offsetDelta);
        if (o >= offset) out.push([o, r.value === null ? "" : dec.decode(r.value)]);
      }
      offset = h.baseOffset + BigInt(h.lastOffsetDelta) + 1n;
      progressed = true;
      pos += size;
    }
    if (!progressed || offset >= p.highWatermark) break;
  }
  return out;
}

/** CreateTopics sent to node `id` only; the topic's error code (-1 when the node did not answer). */
export async function createTopicVia(cluster: LocalCluster, id: number, name: string, numPartitions: number, timeoutMs = 3000): Promise<number> {
  const c = nodeClient(cluster, id, timeoutMs);
  try {
    const [r] = await c.createTopics([{ name, numPartitions, replicationFactor: 1 }], { timeoutMs });
    return r?.errorCode ?? -1;
  } catch {
    return -1;
  } finally {
    c.close();
  }
}
