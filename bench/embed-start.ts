#!/usr/bin/env bun
/**
 * How fast a test suite gets a broker: Takhin embedded vs Apache Kafka 4.4 started by the peer
 * launcher (peer/kafka), same machine, same run. `bun bench/embed-start.ts [--rounds 20] [--kafka-rounds 3] [--no-kafka]`
 *
 * Takhin, in this process (src/embed, what `import { startBroker } from "takhin"` does under Bun):
 *   start     `await startBroker()` (port 0, a new temporary data directory) until it returns: the
 *             listener is bound and a client's first request is answered
 *   first produce  start plus creating a topic and one acks=all produce through the internal client
 *   stop      `await broker.stop()`, data directory removed
 *   cluster   `await startCluster(3)` until every node sees all three registered; then its stop
 *   node      under Node: `takhin/testing` startBroker(), a Bun child process, until its ready line (one
 *             measured Node process per round, so the Bun start is included)
 * Idle memory: a fresh Bun process reads its RSS (/proc/self/status VmRSS, after a forced GC) bare,
 * after importing src/embed, and with one broker started and idle for 3 s; three such processes.
 *
 * Apache Kafka: startKafkaPeer (one combined broker+controller JVM, the launcher's settings: -Xms1g
 * -Xmx1g) in a new directory each round. start = the launcher's startupMs (JVM spawn until Metadata
 * answers; readiness probed every 20 ms); with format = the whole call including kafka-storage format;
 * stop = SIGTERM until the process is gone; idle memory = the JVM's VmRSS after 3 s idle.
 * Rounds are interleaved (Takhin, Kafka, Takhin, ...) after one Takhin warm-up round; medians and
 * ranges are printed as Markdown.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker, startCluster } from "../src/embed/index.ts";
import { KafkaClient } from "../src/client/index.ts";
import { buildRecordBatch } from "../src/protocol/record-batch.ts";

const ROOT = join(import.meta.dir, "..");
const args = process.argv.slice(2);
const num = (flag: string, d: number) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const ROUNDS = num("--rounds", 20);
const KAFKA_ROUNDS = num("--kafka-rounds", 3);
const WITH_KAFKA = !args.includes("--no-kafka");
const IDLE_MS = 3000;

function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) : NaN;
}

/** A fresh Bun process: RSS bare, after importing src/embed, and with one idle broker (after GC). */
const MEMORY_SCRIPT = `
const rss = () => Number(require("node:fs").readFileSync("/proc/self/status", "utf8").match(/VmRSS:\\s+(\\d+) kB/)[1]);
Bun.gc(true); const bareKiB = rss();
const m = await import(${JSON.stringify(join(ROOT, "src/embed/index.ts"))});
Bun.gc(true); const loadedKiB = rss();
const b = await m.startBroker();
await Bun.sleep(${IDLE_MS});
Bun.gc(true); const idleKiB = rss();
await b.stop();
console.log(JSON.stringify({ bareKiB, loadedKiB, idleKiB }));
`;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
};
const fmt = (xs: number[], unit = "ms") => {
  if (xs.length === 0) return "–";
  const { median, min, max } = stats(xs);
  const r = (x: number) => (x < 10 ? x.toFixed(1) : Math.round(x).toString());
  return `${r(median)} ${unit} (${r(min)}–${r(max)})`;
};

const t = { start: [] as number[], firstProduce: [] as number[], stop: [] as number[], clusterStart: [] as number[], clusterStop: [] as number[], node: [] as number[] };
const k = { start: [] as number[], withFormat: [] as number[], stop: [] as number[], rssMiB: [] as number[] };

async function takhinRound(record: boolean): Promise<void> {
  let t0 = performance.now();
  const b = await startBroker();
  const start = performance.now() - t0;
  await b.admin.createTopic("bench");
  const client = await KafkaClient.connect({ bootstrap: b.bootstrap });
  await client.produce("bench", 0, buildRecordBatch({ records: [{ key: null, value: new Uint8Array(100), timestampMs: BigInt(Date.now()) }] } as never), { acks: -1 });
  const firstProduce = performance.now() - t0;
  client.close();
  t0 = performance.now();
  await b.stop();
  const stop = performance.now() - t0;
  if (!record) return;
  t.start.push(start);
  t.firstProduce.push(firstProduce);
  t.stop.push(stop);
}

async function clusterRound(): Promise<void> {
  let t0 = performance.now();
  const c = await startCluster(3);
  t.clusterStart.push(performance.now() - t0);
  t0 = performance.now();
  await c.stop();
  t.clusterStop.push(performance.now() - t0);
}

async function nodeRound(): Promise<void> {
  const script = `const t0 = performance.now(); const m = await import(${JSON.stringify(join(ROOT, "src/embed/node/index.mjs"))}); const b = await m.startBroker(); const ms = performance.now() - t0; await b.stop(); console.log(JSON.stringify({ ms }));`;
  const p = Bun.spawn(["node", "--input-type=module", "-e", script], { stdout: "pipe", stderr: "inherit", env: { ...process.env, TAKHIN_BUN: process.execPath } });
  const out = await new Response(p.stdout).text();
  await p.exited;
  t.node.push(JSON.parse(out.trim().split("\n").pop()!).ms);
}

async function kafkaRound(): Promise<void> {
  const { startKafkaPeer } = await import("../peer/kafka/launcher.ts");
  const dir = mkdtempSync(join(tmpdir(), "embed-bench-kafka-"));
  try {
    const t0 = performance.now();
    const peer = await startKafkaPeer({ dataDir: dir, probeIntervalMs: 20, overrides: { "group.initial.rebalance.delay.ms": 0 } });
    k.withFormat.push(performance.now() - t0);
    k.start.push(peer.startupMs);
    await Bun.sleep(IDLE_MS);
    k.rssMiB.push(rssKiB(peer.state.nodes[0]!.pid) / 1024);
    const t1 = performance.now();
    await peer.stop();
    k.stop.push(performance.now() - t1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await takhinRound(false); // warm-up: module loading and JIT
for (let i = 0; i < ROUNDS; i++) {
  await takhinRound(true);
  if (i < 5) await clusterRound();
  if (i < 5) await nodeRound();
  if (WITH_KAFKA && i < KAFKA_ROUNDS) await kafkaRound();
}
const mem = await (async () => {
  const out: { bareKiB: number; loadedKiB: number; idleKiB: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const p = Bun.spawn([process.execPath, "-e", MEMORY_SCRIPT], { stdout: "pipe", stderr: "inherit" });
    out.push(JSON.parse((await new Response(p.stdout).text()).trim().split("\n").pop()!));
    await p.exited;
  }
  return out;
})();

console.log(`## Embedded start/stop: Takhin vs Apache Kafka (${new Date().toISOString().slice(0, 10)}, ${ROUNDS} Takhin rounds, ${WITH_KAFKA ? KAFKA_ROUNDS : 0} Kafka rounds; median (min–max))\n`);
console.log("| | Takhin | Apache Kafka 4.4 (peer launcher) |");
console.log("|---|---|---|");
console.log(`| start (ready for clients) | ${fmt(t.start)} in-process | ${fmt(k.start)} (JVM spawn to Metadata) |`);
console.log(`| start, all included | ${fmt(t.firstProduce)} incl. a topic and one acks=all produce | ${fmt(k.withFormat)} incl. storage format |`);
console.log(`| stop | ${fmt(t.stop)} (data removed) | ${fmt(k.stop)} (SIGTERM to exit) |`);
console.log(`| idle memory (RSS) | process ${fmt(mem.map((m) => m.idleKiB / 1024), "MiB")}: bare Bun ${fmt(mem.map((m) => m.bareKiB / 1024), "MiB")}, + Takhin's modules ${fmt(mem.map((m) => (m.loadedKiB - m.bareKiB) / 1024), "MiB")}, + an idle broker ${fmt(mem.map((m) => (m.idleKiB - m.loadedKiB) / 1024), "MiB")} | ${fmt(k.rssMiB, "MiB")} (the JVM, -Xms1g -Xmx1g) |`);
console.log(`| 3-node cluster start / stop | ${fmt(t.clusterStart)} / ${fmt(t.clusterStop)} in-process | – |`);
console.log(`| under Node (takhin/testing, Bun child) | ${fmt(t.node)} to ready, Node import and Bun start included | – |`);
