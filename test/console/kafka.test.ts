/**
 * `takhin console` on its own against Apache Kafka 4.4 (peer/kafka): the CLI starts the console
 * with --bootstrap at the Kafka broker, and its API manages Kafka as it manages Takhin — overview,
 * topics (create, configs, partitions, delete), produce and read messages, a JS filter, a group's
 * lag and offsets reset, ACLs answered as Kafka answers them (no authorizer: SECURITY_DISABLED) —
 * and the page loads in Chromium without console errors (when Chromium is installed).
 * Skipped, with the reason printed, only when Java is absent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { KafkaClient } from "../../src/client/index.ts";
import { ConsoleSession, commitGroup } from "./helpers.ts";

const javaHome = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
const hasJava = javaHome ? Bun.which("java", { PATH: join(javaHome, "bin") }) !== null : Bun.which("java") !== null;
if (!hasJava) console.warn("test/console/kafka.test.ts skipped: no java on PATH (nor JAVA_HOME / KAFKA_PEER_JAVA_HOME)");
const REPO = join(import.meta.dir, "..", "..");

describe.skipIf(!hasJava)("takhin console against Apache Kafka", () => {
  let peer: KafkaPeer;
  let proc: ReturnType<typeof Bun.spawn> | null = null;
  let url = "";
  let client: KafkaClient;
  const dir = mkdtempSync(join(tmpdir(), "takhin-console-kafka-"));
  beforeAll(async () => {
    peer = await startKafkaPeer({ dataDir: dir, overrides: { "group.initial.rebalance.delay.ms": 0 } });
    client = await KafkaClient.connect({ bootstrap: peer.bootstrap });
    proc = Bun.spawn(["bun", join(REPO, "bin/takhin.ts"), "console", "--bootstrap", peer.bootstrap, "--port", "0"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`takhin console ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
    expect(text).toContain("development mode");
  }, 180_000);
  afterAll(async () => {
    proc?.kill("SIGTERM");
    await proc?.exited;
    client?.close();
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test("overview, topics, messages, filter, groups and ACLs through the console's API", async () => {
    const s = await new ConsoleSession(url).init();
    const o = await s.call("GET", "/api/overview");
    expect(o.status).toBe(200);
    expect(o.body.clusterId).toBe(peer.state.clusterId);
    expect(o.body.brokers.map((b: any) => b.port)).toEqual([peer.state.nodes[0]!.port]);
    const c = await s.call("POST", "/api/topics", { name: "kc-orders", partitions: 2, replicationFactor: 1, configs: { "retention.ms": "3600000" } });
    expect(c.status).toBe(201);
    expect((await s.call("POST", "/api/topics", { name: "kc-orders", partitions: 1 })).body.error.code).toBe("TOPIC_ALREADY_EXISTS");
    let d: any;
    for (let i = 0; i < 100; i++) {
      d = (await s.call("GET", "/api/topics/kc-orders")).body;
      if (d.partitions?.length === 2 && d.partitions.every((p: any) => p.leader >= 0)) break;
      await Bun.sleep(100);
    }
    expect(d.configs.find((x: any) => x.name === "retention.ms").value).toBe("3600000");
    for (let i = 0; i < 6; i++) expect((await s.call("POST", "/api/topics/kc-orders/messages", { partition: 0, key: `k${i}`, value: JSON.stringify({ n: i }), valueFormat: "json", headers: [{ key: "h", value: String(i) }] })).status).toBe(201);
    const page = await s.call("GET", "/api/topics/kc-orders/messages?partitions=0");
    expect(page.body.messages.map((m: any) => [m.offset, m.key.text, JSON.parse(m.value.text).n, m.headers[0].value])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [String(i), `k${i}`, i, String(i)]));
    const f = await s.call("POST", "/api/topics/kc-orders/search", { code: "return JSON.parse(value).n % 2 === 1" });
    expect(f.body.messages.map((m: any) => m.offset)).toEqual(["1", "3", "5"]);
    const list = await s.call("GET", "/api/topics?search=kc-");
    expect(list.body.topics).toEqual([expect.objectContaining({ name: "kc-orders", partitions: 2, records: "6" })]);
    expect((await s.call("PATCH", "/api/topics/kc-orders/configs", { set: { "cleanup.policy": "compact" } })).status).toBe(200);
    expect((await s.call("POST", "/api/topics/kc-orders/partitions", { count: 3 })).status).toBe(200);

    await commitGroup(client, "kc-group", [{ topic: "kc-orders", partition: 0, offset: 2n }]);
    const g = await s.call("GET", "/api/groups/kc-group");
    expect(g.status).toBe(200);
    expect(g.body.lag.find((r: any) => r.partition === 0)).toMatchObject({ committed: "2", logEnd: "6", lag: "4" });
    const reset = await s.call("POST", "/api/groups/kc-group/reset", { topic: "kc-orders", partitions: [0], to: "shift", by: "1" });
    expect(reset.body.partitions[0]).toMatchObject({ current: "2", target: "3" });
    expect((await s.call("GET", "/api/groups/kc-group")).body.lag.find((r: any) => r.partition === 0).lag).toBe("3");
    expect((await s.call("GET", "/api/groups")).body.groups.map((x: any) => x.groupId)).toContain("kc-group");
    expect((await s.call("DELETE", "/api/groups/kc-group")).status).toBe(200);

    const acls = await s.call("GET", "/api/acls");
    expect(acls.body.error.code).toBe("SECURITY_DISABLED");
    expect((await s.call("GET", "/api/schemas")).status).toBe(503);
    expect((await s.call("DELETE", "/api/topics/kc-orders?confirm=kc-orders")).status).toBe(200);
  }, 60_000);

  test.skipIf(!existsSync("/usr/bin/chromium"))("the pages load in Chromium against Kafka", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--disable-background-networking"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      const out = join(REPO, "test-artifacts/console");
      mkdirSync(out, { recursive: true });
      for (const [hash, heading] of [["#/overview", "Overview"], ["#/topics", "Topics"], ["#/groups", "Consumer groups"]]) {
        await page.goto(`${url}/${hash}`);
        await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
        await page.waitForLoadState("networkidle");
      }
      await page.goto(`${url}/#/overview`);
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
      await page.screenshot({ path: join(out, "kafka-overview.png") });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
