/**
 * Scale on one node (issue 23 item 3): a Takhin broker as a child process (bench/e2e/broker-proc.ts)
 * with many partitions and many client connections, its memory read from /proc/<pid>/status.
 *
 *   bun bench/scale.ts [--partitions 10000] [--connections 10000] [--out bench/results/scale]
 *
 * Steps, each with a deadline (the whole run stops by itself):
 *   1. start on an empty data directory: spawn → first accepted connection; RSS empty (after 2 s)
 *   2. topics of 1,000 partitions (N in all; CreateTopics refuses more than 10,000 partitions at
 *      once, as Kafka does), one 100 B record produced to every partition (so
 *      every partition has a segment on disk); RSS after 5 s idle → memory per partition
 *   3. C connections opened from this process, each answered one ApiVersions (so it is a served
 *      connection, not a backlog entry); RSS → memory per connection; then all closed
 *   4. clean shutdown (SIGINT → exit) timed; restart on the same data: spawn → first accepted
 *      connection, and → a Metadata answer listing all N partitions with a leader; shutdown again
 * The broker runs with max_connections above C. Writes <out>.json and <out>.md.
 * A benchmark, not a test: the figures depend on the machine and its load (printed with them).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ApiVersions } from "../src/protocol/messages/api-versions.ts";
import { Metadata } from "../src/protocol/messages/metadata.ts";
import { spawnBroker, type BrokerProcess } from "./e2e/broker-proc.ts";
import { readMem } from "./e2e/procstat.ts";
import { requestFrame } from "./e2e/wire.ts";
import { KafkaConnection } from "./e2e/wire.ts";

const LOADGEN = join(import.meta.dir, "e2e", "loadgen.ts");
const STEP_TIMEOUT_MS = 300_000;
const PARTITIONS_PER_TOPIC = 1000;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const rss = (pid: number) => readMem(pid)?.rssMB ?? NaN;

async function withDeadline<T>(what: string, p: Promise<T>, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function setupTopic(port: number, topic: string, partitions: number): Promise<void> {
  const proc = Bun.spawn(["bun", LOADGEN, JSON.stringify({ mode: "setup", port, topic, partitions, touch: true })], { stdout: "pipe", stderr: "inherit" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), STEP_TIMEOUT_MS);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`setup of ${partitions} partitions exited ${code}`);
}

/** Partitions of `topic` with a leader in one Metadata answer. */
async function ledPartitions(port: number, topic: string): Promise<number> {
  const c = await KafkaConnection.connect(port);
  try {
    const res = await c.request(Metadata, 12, { topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const t = res.topics.find((x: { name: string }) => x.name === topic);
    return t ? t.partitions.filter((p: { errorCode: number; leaderId: number }) => p.errorCode === 0 && p.leaderId >= 0).length : 0;
  } finally {
    c.close();
  }
}

/** Opens `n` connections, each answered one ApiVersions; returns them (open) and the time taken. */
async function openConnections(port: number, n: number): Promise<{ sockets: Bun.Socket<undefined>[]; ms: number }> {
  const frame = requestFrame(ApiVersions, 3, 1, { clientSoftwareName: "takhin-scale", clientSoftwareVersion: "1" });
  const sockets: Bun.Socket<undefined>[] = [];
  const t0 = performance.now();
  const BATCH = 200;
  for (let i = 0; i < n; i += BATCH) {
    const k = Math.min(BATCH, n - i);
    await Promise.all(
      Array.from({ length: k }, () =>
        new Promise<void>((resolve, reject) => {
          let got = 0;
          Bun.connect<undefined>({
            hostname: "127.0.0.1",
            port,
            socket: {
              open(s) {
                sockets.push(s);
                s.write(frame);
              },
              data(_s, chunk) {
                got += chunk.length;
                if (got >= 4) resolve();
              },
              close() {
                if (got < 4) reject(new Error("connection closed before its ApiVersions answer"));
              },
              error(_s, e) {
                reject(e);
              },
            },
          }).catch(reject);
        }),
      ),
    );
  }
  return { sockets, ms: performance.now() - t0 };
}

async function stopTimed(b: BrokerProcess): Promise<{ ms: number; code: number }> {
  const t0 = performance.now();
  const code = await b.stop();
  return { ms: performance.now() - t0, code };
}

if (import.meta.main) {
  const partitions = Number(arg("partitions", "10000"));
  const connections = Number(arg("connections", "10000"));
  const out = arg("out", join(import.meta.dir, "results", "scale"));
  const dataDir = mkdtempSync(join(process.env.TAKHIN_SCALE_DIR ?? tmpdir(), "takhin-scale-"));
  const env = { TAKHIN_MAX_CONNECTIONS: String(connections + 100) };
  const r: Record<string, number | string> = { date: new Date().toISOString(), partitions, connections, loadStart: load() };
  const say = (k: string, v: number | string, unit = "") => {
    r[k] = v;
    console.log(`${k}: ${typeof v === "number" ? v.toFixed(2) : v}${unit} (load ${load()})`);
  };
  let b: BrokerProcess | null = null;
  let topics: [string, number][] = [];
  try {
    b = await spawnBroker({ dataDir, env, timeoutMs: 60_000 });
    say("startupEmptyMs", b.startupMs, " ms");
    await Bun.sleep(2000);
    const rssEmpty = rss(b.pid);
    say("rssEmptyMB", rssEmpty, " MB");

    const t0 = performance.now();
    topics = [];
    for (let left = partitions, i = 0; left > 0; left -= PARTITIONS_PER_TOPIC, i++) topics.push([`scale-${i}`, Math.min(PARTITIONS_PER_TOPIC, left)]);
    for (const [t, n] of topics) await withDeadline("create and touch partitions", setupTopic(b.port, t, n));
    say("createAndTouchMs", performance.now() - t0, " ms");
    await Bun.sleep(5000);
    const rssParts = rss(b.pid);
    say("rssWithPartitionsMB", rssParts, " MB");
    say("kBPerPartition", ((rssParts - rssEmpty) * 1024) / partitions, " kB");

    const { sockets, ms } = await withDeadline("open connections", openConnections(b.port, connections));
    say("openConnectionsMs", ms, " ms");
    await Bun.sleep(2000);
    const rssConns = rss(b.pid);
    say("rssWithConnectionsMB", rssConns, " MB");
    say("kBPerConnection", ((rssConns - rssParts) * 1024) / connections, " kB");
    for (const s of sockets) s.end();
    await Bun.sleep(2000);
    say("rssAfterClosingMB", rss(b.pid), " MB");

    const stop1 = await stopTimed(b);
    b = null;
    say("shutdownMs", stop1.ms, " ms");
    say("shutdownExitCode", stop1.code);

    const t1 = performance.now();
    b = await spawnBroker({ dataDir, env, timeoutMs: STEP_TIMEOUT_MS });
    say("restartToFirstConnectionMs", b.startupMs, " ms");
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    const led = async () => {
      let n = 0;
      for (const [t] of topics) n += await ledPartitions(b!.port, t);
      return n;
    };
    while ((await led()) < partitions) {
      if (Date.now() > deadline) throw new Error("not every partition led after the restart");
      await Bun.sleep(25);
    }
    say("restartToAllPartitionsLedMs", performance.now() - t1, " ms");
    say("rssAfterRestartMB", rss(b.pid), " MB");
    const stop2 = await stopTimed(b);
    b = null;
    say("shutdownAfterRestartMs", stop2.ms, " ms");
  } finally {
    if (b) await b.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
  r.loadEnd = load();
  writeFileSync(`${out}.json`, JSON.stringify(r, null, 1) + "\n");
  const f = (k: string, d = 1) => (typeof r[k] === "number" ? (r[k] as number).toFixed(d) : String(r[k]));
  const md = [
    `# Scale on one node: ${partitions.toLocaleString("en-US")} partitions, ${connections.toLocaleString("en-US")} connections`,
    "",
    `Run ${r.date}; load average ${r.loadStart} at the start, ${r.loadEnd} at the end (2 cores shared with other work: figures vary). Reproduce: \`bun bench/scale.ts --partitions ${partitions} --connections ${connections}\`.`,
    "",
    "| figure | value |",
    "| --- | ---: |",
    `| startup, empty data directory (spawn → first accepted connection) | ${f("startupEmptyMs")} ms |`,
    `| RSS, empty | ${f("rssEmptyMB")} MB |`,
    `| create ${partitions.toLocaleString("en-US")} partitions and write one record to each | ${f("createAndTouchMs", 0)} ms |`,
    `| RSS with the partitions (5 s idle) | ${f("rssWithPartitionsMB")} MB |`,
    `| memory per partition | ${f("kBPerPartition", 2)} kB |`,
    `| open ${connections.toLocaleString("en-US")} connections, each answered one ApiVersions | ${f("openConnectionsMs", 0)} ms |`,
    `| RSS with the connections | ${f("rssWithConnectionsMB")} MB |`,
    `| memory per connection | ${f("kBPerConnection", 2)} kB |`,
    `| RSS after closing them (2 s) | ${f("rssAfterClosingMB")} MB |`,
    `| clean shutdown (SIGINT → exit) with the partitions | ${f("shutdownMs", 0)} ms |`,
    `| restart on the data: spawn → first accepted connection | ${f("restartToFirstConnectionMs", 0)} ms |`,
    `| restart: spawn → every partition led in a Metadata answer | ${f("restartToAllPartitionsLedMs", 0)} ms |`,
    `| RSS after the restart | ${f("rssAfterRestartMB")} MB |`,
    `| clean shutdown after the restart | ${f("shutdownAfterRestartMs", 0)} ms |`,
    "",
    "Memory per partition and per connection are differences of the broker's RSS (/proc/<pid>/status VmRSS) divided by the count; RSS includes page-cache pages of mapped segment files that were touched.",
    "",
  ].join("\n");
  writeFileSync(`${out}.md`, md);
  console.log(md);
  process.exit(0);
}
