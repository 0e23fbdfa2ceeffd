/**
 * `startCluster(n)` in-process (Bun): n combined broker+controller nodes in this process, each with
 * its own listeners (PLAINTEXT for clients and replication, CONTROLLER for the Raft quorum) on free
 * loopback ports, its own data directory under one temporary root, and the HTTP surfaces off — the
 * same multi-node code test/cluster runs. Ready when every node sees all n brokers registered
 * and unfenced. The fault set spans every node; moveLeadership commits a PartitionChange through
 * the active controller's quorum, as an election would, and waits for every node to apply it.
 * Automatic preferred-leader rebalancing is off, so a moved leader stays where the test put it.
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startBroker as startNode, type Broker } from "../server/broker.ts";
import { aliveBrokers } from "../metadata/elections.ts";
import { EmbeddedAdmin, until } from "./admin.ts";
import { embeddedLogger, tempDataDir } from "./broker.ts";
import { embeddedEnv } from "./config.ts";
import { FaultSet } from "./faults.ts";
import type { ClusterFaults, ClusterNodeHandle, EmbeddedCluster, StartClusterOptions } from "./types/api.d.ts";

/** Nodes one embedded cluster has at most. */
export const MAX_EMBEDDED_CLUSTER_NODES = 9;
const START_ATTEMPTS = 3;
const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 300;

/** `count` ports free right now (bound to port 0 and released). */
async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, host, () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export interface InProcessCluster extends EmbeddedCluster {
  readonly brokers: readonly Broker[];
}

class ClusterFaultSet extends FaultSet implements ClusterFaults {
  constructor(private readonly nodes: () => Broker[]) {
    super(nodes);
  }

  async moveLeadership(topic: string, partition: number, toNodeId?: number): Promise<number> {
    const nodes = this.nodes();
    const controller = nodes.find((b) => b.context.quorum?.isActiveController);
    if (!controller) throw new Error("no active controller in the cluster right now");
    const quorum = controller.context.quorum!;
    const target = await quorum.submit((image) => {
      const t = image.topic(topic);
      const p = t?.partitions[partition];
      if (!t || !p) throw new Error(`no partition ${topic}-${partition}`);
      const alive = aliveBrokers(image);
      const to = toNodeId ?? p.isr.find((r) => r !== p.leader && alive.has(r));
      if (to === undefined) throw new Error(`${topic}-${partition} has no other in-sync replica to lead (ISR [${p.isr.join(",")}], leader ${p.leader})`);
      if (!p.isr.includes(to)) throw new Error(`node ${to} is not in the ISR [${p.isr.join(",")}] of ${topic}-${partition}`);
      if (!alive.has(to)) throw new Error(`node ${to} is not alive`);
      if (p.leader === to) return { records: [], result: to };
      return { records: [{ type: "PartitionChange", topicId: t.id, partitionId: partition, leader: to, isr: null, replicas: null }], result: to };
    });
    await until(`every node to see node ${target} leading ${topic}-${partition}`, 30_000, async () =>
      nodes.every((b) => b.context.topics.partition(topic, partition)?.leader === target) && nodes[target]?.context.partitions.hosted(topic, partition) !== undefined ? true : undefined,
    );
    return target;
  }
}

async function startOnce(n: number, options: StartClusterOptions, root: string): Promise<Broker[]> {
  const host = options.host ?? "127.0.0.1";
  const ports = await freePorts(host, 2 * n);
  const voters = Array.from({ length: n }, (_, i) => `${i}@${host}:${ports[n + i]}`).join(",");
  const env = embeddedEnv(options.config);
  const started = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => {
      const dataDir = join(root, `node-${i}`);
      mkdirSync(dataDir, { recursive: true });
      return startNode({
        env,
        log: embeddedLogger(options.logLevel, i),
        leaderRebalance: { enabled: false },
        // The whole cluster stops at once: no node is left to take leaderships over, so do not wait long.
        controlledShutdownTimeoutMs: CONTROLLED_SHUTDOWN_TIMEOUT_MS,
        overrides: { nodeId: i, host, advertisedHost: host, dataDir, processRoles: "broker,controller", controllerQuorumVoters: voters, listeners: `PLAINTEXT://${host}:${ports[i]},CONTROLLER://${host}:${ports[n + i]}` },
      });
    }),
  );
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(ok.map((b) => b.stop(200)));
    throw failed.reason;
  }
  return ok;
}

export async function startCluster(n: number, options: StartClusterOptions = {}): Promise<InProcessCluster> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_EMBEDDED_CLUSTER_NODES) throw new Error(`startCluster: nodes must be 1..${MAX_EMBEDDED_CLUSTER_NODES}, not ${n}`);
  const temporary = options.dataDir === undefined;
  const root = options.dataDir ?? tempDataDir();
  let brokers: Broker[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        brokers = await startOnce(n, options, root);
        break;
      } catch (e) {
        // A port taken between the probe and the bind: try other ports (a fresh data directory).
        if (attempt >= START_ATTEMPTS || !/EADDRINUSE|in use/i.test(String((e as Error)?.message ?? e))) throw e;
        for (let i = 0; i < n; i++) rmSync(join(root, `node-${i}`), { recursive: true, force: true });
      }
    }
    await until(`all ${n} nodes registered`, options.readyTimeoutMs ?? 60_000, async () =>
      brokers.every((b) => aliveBrokers(b.context.metadata.image).size === n) ? true : undefined,
    );
  } catch (e) {
    await Promise.all(brokers.map((b) => b.stop(200)));
    if (temporary) rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const host = options.host ?? "127.0.0.1";
  const nodes: ClusterNodeHandle[] = brokers.map((b) => ({ nodeId: b.context.nodeId, port: b.kafkaPort, bootstrap: `${host}:${b.kafkaPort}` }));
  const bootstrap = nodes.map((x) => x.bootstrap).join(",");
  const admin = new EmbeddedAdmin(bootstrap);
  const faults = new ClusterFaultSet(() => brokers);
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    nodes,
    admin,
    faults,
    brokers,
    async leaders(topic: string) {
      const t = brokers[0]!.context.metadata.image.topic(topic);
      if (!t) throw new Error(`no topic ${topic}`);
      return t.partitions.map((p) => p.leader);
    },
    stop(graceMs = 1000) {
      stopped ??= (async () => {
        admin.close();
        await faults.clearAll();
        await Promise.all(brokers.map((b) => b.stop(graceMs)));
        if (temporary) rmSync(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
