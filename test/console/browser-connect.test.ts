/**
 * The console's Kafka Connect page and routes against a real Connect worker (peer/connect:
 * Apache Kafka's connect-runtime with the file connectors, distributed mode) running against a
 * Takhin broker; the console runs standalone (src/console/standalone.ts) with --connect at the
 * worker. In Chromium: create a file source connector from the page, see it RUNNING with its task,
 * pause, resume, restart, delete after typing its name; through the API: Connect's own errors come
 * back with their status (404 unknown connector, 400/409 refused configs). Skipped, with the
 * reason printed, when Java or Chromium is absent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { startConnectWorker, type ConnectWorker } from "../../peer/connect/launcher.ts";
import { startStandaloneConsole, type StandaloneConsole } from "../../src/console/standalone.ts";
import { startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { ConsoleSession } from "./helpers.ts";

const hasJava = Bun.which("java") !== null;
const hasChromium = existsSync("/usr/bin/chromium");
if (!hasJava || !hasChromium) console.warn(`browser-connect.test.ts skipped: ${!hasJava ? "no java on PATH" : "no /usr/bin/chromium"}`);
const ARTIFACTS = join(import.meta.dir, "../../test-artifacts/console");
const SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";

describe.skipIf(!hasJava || !hasChromium)("the Connect page against a real worker", () => {
  let broker: TestBroker;
  let worker: ConnectWorker;
  let con: StandaloneConsole;
  let browser: Browser;
  const dir = tempDir("takhin-console-connect-");
  beforeAll(async () => {
    broker = await startTestBroker({}, undefined, { groups: { initialRebalanceDelayMs: 0 } });
    worker = await startConnectWorker({ bootstrap: broker.bootstrap, dataDir: join(dir, "worker") });
    con = startStandaloneConsole({ bootstrap: broker.bootstrap, host: "127.0.0.1", port: 0, connectUrl: worker.url, log: () => {} });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--disable-background-networking"] });
    mkdirSync(ARTIFACTS, { recursive: true });
    console.log(`browser-connect.test.ts: Connect worker up in ${worker.startupMs} ms`);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await con?.stop();
    await worker?.stop();
    await broker?.stop();
  }, 60_000);

  test("create, pause, resume, restart and delete a connector from the page", async () => {
    const input = join(dir, "in.txt");
    await Bun.write(input, "line one\nline two\n");
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(60_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${con.url}/#/connect`);
    await page.getByRole("heading", { level: 1, name: "Kafka Connect" }).waitFor();
    const form = page.getByRole("form", { name: "Create a connector" });
    await form.getByLabel("Name").fill("lines-in");
    await form.getByLabel("Config (JSON object of strings)").fill(JSON.stringify({ "connector.class": SOURCE, "tasks.max": "1", file: input, topic: "lines" }));
    await form.getByRole("button", { name: "Create" }).click();
    await page.getByText("Connector lines-in created.").waitFor();
    const row = () => page.getByRole("table", { name: "Connectors" }).locator("tbody tr", { hasText: "lines-in" });
    const until = async (text: string) => {
      for (;;) {
        await page.goto(`${con.url}/#/connect`);
        await page.getByRole("table", { name: "Connectors" }).waitFor();
        if ((await row().count()) && (await row().textContent())!.includes(text)) return;
        await Bun.sleep(300);
      }
    };
    await until("0:RUNNING");
    expect(await row().textContent()).toContain("source");
    await page.getByRole("link", { name: "lines-in" }).click();
    await page.locator("#connector-detail").getByText(SOURCE).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "connect.png"), fullPage: true });
    await page.getByRole("button", { name: "pause lines-in" }).click();
    await until("PAUSED");
    await page.getByRole("button", { name: "resume lines-in" }).click();
    await until("0:RUNNING");
    await page.getByRole("button", { name: "restart lines-in" }).click();
    await page.getByText("restart: lines-in").waitFor();
    await until("0:RUNNING");
    await page.getByRole("button", { name: "delete lines-in" }).click();
    await page.getByLabel('Type "lines-in" to confirm').fill("lines-in");
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    for (;;) {
      await page.goto(`${con.url}/#/connect`);
      await page.getByRole("table", { name: "Connectors" }).waitFor();
      if ((await row().count()) === 0) break;
      await Bun.sleep(300);
    }
    expect(errors).toEqual([]);
  }, 120_000);

  test("Connect's errors come back with their status and message", async () => {
    const s = await new ConsoleSession(con.url).init();
    const missing = await s.call("GET", "/api/connect/connectors/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain("nope");
    const bad = await s.call("POST", "/api/connect/connectors", { name: "bad", config: { "connector.class": "no.such.Connector" } });
    expect([400, 409]).toContain(bad.status);
    expect(bad.body.error.message).toContain("Kafka Connect");
    expect((await s.call("POST", "/api/connect/connectors", { name: "x", config: { a: 1 } })).status).toBe(400);
    expect((await s.call("POST", "/api/connect/connectors/nope/pause")).status).toBe(404);
  }, 60_000);
});
