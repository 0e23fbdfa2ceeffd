/**
 * The Apache Kafka peer launcher: the CLI starts a node that answers Metadata, says so in one line,
 * reports its status, and stops it; the in-process handle starts a 3-node KRaft cluster whose
 * every node lists all three brokers; Kafka's own log (log4j2 through SLF4J) lands in the node's
 * kafka.log. Needs Java and Maven (CI installs and resolves them).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer } from "../../peer/kafka/launcher.ts";
import { metadataBrokers } from "../../peer/kafka/probe.ts";

const REPO = join(import.meta.dir, "..", "..");
const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "takhin-kafka-peer-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[]): { code: number; out: string } {
  const res = Bun.spawnSync(["bun", "run", "peer:kafka", "--", ...args], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  return { code: res.exitCode, out: res.stdout.toString() + res.stderr.toString() };
}

describe("Apache Kafka peer", () => {
  test("CLI: start prints the bootstrap address, status sees it, stop ends it", async () => {
    const d = dir();
    const started = cli(["start", "--data-dir", d]);
    expect(started.code).toBe(0);
    const m = /kafka (\d+\.\d+\.\d+) ready bootstrap=127\.0\.0\.1:(\d+) nodes=1/.exec(started.out);
    expect(m).not.toBeNull();
    const port = Number(m![2]);
    try {
      expect(await metadataBrokers("127.0.0.1", port)).toEqual([1]);
      const status = cli(["status", "--data-dir", d]);
      expect(status.code).toBe(0);
      expect(status.out).toContain("node 1 running answers=brokers 1");
    } finally {
      expect(cli(["stop", "--data-dir", d]).code).toBe(0);
    }
    expect(await metadataBrokers("127.0.0.1", port, 500)).toBeNull();
    const after = cli(["status", "--data-dir", d]);
    expect(after.code).toBe(3);
    expect(after.out).toContain("node 1 stopped");
  }, 180_000);

  test("CLI refuses bad arguments with usage and exit code 2", () => {
    const r = cli(["start", "--nodes"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("usage: bun run peer:kafka");
    expect(cli(["frobnicate"]).code).toBe(2);
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("usage:");
  });

  test("Kafka's server log lands in node-1/kafka.log (SLF4J bound to log4j2)", async () => {
    const d = dir();
    const peer = await startKafkaPeer({ dataDir: d });
    try {
      // Ready means the broker answered Metadata; its startup lines are written before that.
      const log = readFileSync(join(d, "node-1", "kafka.log"), "utf8");
      expect(log).toMatch(/INFO \[KafkaRaftServer nodeId=1\] Kafka Server started \(kafka\.server\.KafkaRaftServer\)/);
      expect(log).toContain("Kafka version: 4.4.0");
      expect(log).not.toContain("SLF4J: No SLF4J providers were found");
      expect(log).not.toContain("SLF4J: Failed to load class");
    } finally {
      peer.kill(1); // the data is thrown away: no clean shutdown needed
      await peer.stop();
    }
  }, 120_000);

  test("three nodes form one KRaft cluster", async () => {
    const peer = await startKafkaPeer({ nodes: 3, dataDir: dir() });
    try {
      expect(peer.state.nodes.map((n) => n.nodeId)).toEqual([1, 2, 3]);
      for (const n of peer.state.nodes) {
        const brokers = await metadataBrokers("127.0.0.1", n.port);
        expect(brokers?.slice().sort()).toEqual([1, 2, 3]);
      }
    } finally {
      await peer.stop();
    }
  }, 180_000);
});
