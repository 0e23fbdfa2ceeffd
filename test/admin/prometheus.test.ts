/**
 * /metrics against Debian's Prometheus tools: `promtool check metrics` accepts the exposition
 * (format and naming lint), and a real Prometheus server scrapes the broker and answers a query
 * for a Takhin metric with this broker's value. Bounded: one server, a 1 s scrape interval, at
 * most 30 s of waiting, killed at the end. Skipped (with a message) when the binaries are missing
 * (apt-get install prometheus).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const promtool = Bun.which("promtool");
const prometheus = Bun.which("prometheus");
if (!promtool || !prometheus) console.warn("test/admin/prometheus.test.ts: skipped, promtool/prometheus not installed (apt-get install prometheus)");

let b: TestBroker;
let adminPort: number;
beforeAll(async () => {
  b = await startTestBroker();
  adminPort = b.broker.services.get("admin-api")!.port!;
  b.broker.context.topics.create("scraped", 3);
});
afterAll(async () => b?.stop());

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

test.skipIf(!promtool)("promtool check metrics accepts /metrics", async () => {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const p = Bun.spawn([promtool!, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  // promtool's lint also flags prom-client's own process/nodejs families; Takhin's must be clean.
  const problems = (out + err).split("\n").filter((l) => l.startsWith("takhin_"));
  expect(problems).toEqual([]);
  expect(code === 0 || problems.length === 0).toBe(true);
});

test.skipIf(!prometheus)("a real Prometheus scrapes the broker and answers a query", async () => {
  const dir = tempDir("takhin-prom-");
  const port = await freePort();
  writeFileSync(join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: takhin\n    static_configs:\n      - targets: ["127.0.0.1:${adminPort}"]\n`);
  const proc = Bun.spawn([prometheus!, `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdout: "ignore", stderr: "ignore" });
  try {
    const deadline = Date.now() + 30_000;
    let value: string | null = null;
    while (Date.now() < deadline && value === null) {
      await Bun.sleep(500);
      try {
        const r = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent("takhin_partitions")}`)).json()) as any;
        if (r.status === "success" && r.data.result.length > 0) value = r.data.result[0].value[1];
      } catch {
        // not up yet
      }
    }
    expect(value).toBe(String(b.broker.context.metadata.image.partitionCount));
    const up = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`)).json()) as any;
    expect(up.data.result[0].value[1]).toBe("1");
    // The scrape as Prometheus answers it (kept in the CI log).
    const series = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('{__name__=~"takhin_partitions|takhin_topics|up"}')}`)).json()) as any;
    console.log(`prometheus: ${JSON.stringify(series.data.result.map((r: any) => ({ metric: r.metric, value: r.value[1] })))}`);
  } finally {
    proc.kill();
    await proc.exited;
  }
}, 60_000);
