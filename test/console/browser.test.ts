/**
 * The console in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium,
 * headless, background networking off) against Takhin brokers seeded with topics, messages, a
 * group with committed offsets and schemas. Every page loads without console errors (a screenshot
 * of each goes to test-artifacts/console/), and the main flows work end to end: create a topic;
 * produce a message and find it with a JS filter; reset a group's offsets and see the lag change;
 * register a schema version and see an incompatible one refused; create an ACL; log in and out;
 * a viewer cannot delete. Skipped (with a note) when Chromium is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { AlterUserScramCredentials } from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import { saltedPassword } from "../../src/security/sasl/scram.ts";
import { commitGroup, createTopic, produceValues, startConsoleBroker, ConsoleSession, type ConsoleBroker } from "./helpers.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dir, "../../test-artifacts/console");
const have = existsSync(CHROMIUM);
if (!have) console.warn(`browser.test.ts: ${CHROMIUM} is missing (apt-get install chromium); the browser suite is skipped`);

let browser: Browser;
let dev: ConsoleBroker;
let login: ConsoleBroker;

async function seed(cb: ConsoleBroker): Promise<void> {
  await createTopic(cb.client, "orders", 3);
  await createTopic(cb.client, "payments", 1, { "cleanup.policy": "compact" });
  await produceValues(cb.client, "orders", 0, Array.from({ length: 20 }, (_, i) => JSON.stringify({ order: i, item: i % 2 ? "tea" : "coffee" })), "customer-1");
  await produceValues(cb.client, "payments", 0, ["paid-1", "paid-2"], "p");
  await commitGroup(cb.client, "shipping", [{ topic: "orders", partition: 0, offset: 5n }]);
  const s = await new ConsoleSession(cb.url).init();
  const v1 = { type: "record", name: "Order", fields: [{ name: "order", type: "long" }] };
  await s.call("POST", "/api/schemas/orders-value", { schema: JSON.stringify(v1) });
}

beforeAll(async () => {
  if (!have) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  [dev, login] = await Promise.all([
    startConsoleBroker({ authorizerEnabled: true, superUsers: "User:ANONYMOUS" }),
    startConsoleBroker({
      listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
      saslEnabledMechanisms: "SCRAM-SHA-256",
      consoleRoles: "alice:admin,victor:viewer",
      connectionFailedAuthenticationDelayMs: 0,
    }),
  ]);
  await seed(dev);
  await createTopic(login.client, "guarded", 1);
  for (const [name, pw] of [["alice", "alice-secret"], ["victor", "victor-secret"]]) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await login.client.send(AlterUserScramCredentials, { deletions: [], upsertions: [{ name: name!, mechanism: 1, iterations: 4096, salt, saltedPassword: saltedPassword(1, pw!, salt, 4096) }] });
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([dev?.stop(), login?.stop()]);
  if (have) console.log(`browser.test.ts: screenshots in ${ARTIFACTS}`);
});

async function newPage(width = 1280, height = 800): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: "light" });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.setDefaultTimeout(20_000);
  return { page, errors };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.skipIf(!have)("the console in Chromium", () => {
  test("every page loads without console errors (screenshots)", async () => {
    const { page, errors } = await newPage();
    const pages: [string, string, string][] = [
      ["overview", "#/overview", "Overview"],
      ["topics", "#/topics", "Topics"],
      ["topic-partitions", "#/topics/orders", "orders"],
      ["topic-configs", "#/topics/payments/configs", "payments"],
      ["topic-messages", "#/topics/orders/messages", "orders"],
      ["groups", "#/groups", "Consumer groups"],
      ["group", "#/groups/shipping", "shipping"],
      ["schemas", "#/schemas", "Schemas"],
      ["schema-subject", "#/schemas/orders-value", "orders-value"],
      ["security", "#/security", "ACLs & users"],
      ["connect", "#/connect", "Kafka Connect"],
    ];
    for (const [name, hash, heading] of pages) {
      await page.goto(`${dev.url}/${hash}`);
      await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
      await page.waitForLoadState("networkidle");
      expect(await page.locator("main .status.error").count()).toBe(0);
      await shot(page, name);
    }
    expect(await page.getByRole("note").textContent()).toContain("Development mode");
    // The topic list shows the seeded topics with their record counts.
    await page.goto(`${dev.url}/#/topics`);
    await page.getByRole("link", { name: "orders", exact: true }).waitFor();
    // Dark theme and a narrow screen.
    await page.getByRole("button", { name: "Switch between dark and light theme" }).click();
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.dataset.theme)).toBe("dark");
    await shot(page, "topics-dark");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${dev.url}/#/topics/orders/messages`);
    await page.getByRole("table", { name: "Messages" }).waitFor();
    await shot(page, "messages-narrow");
    const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  }, 60_000);

  test("keyboard: Alt+2 opens topics, / focuses the search", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/overview`);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.keyboard.press("Alt+2");
    await page.getByRole("heading", { name: "Topics", exact: true }).waitFor();
    await page.keyboard.press("/");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute("aria-label"))).toBe("Search topics");
    await page.keyboard.type("pay");
    await page.getByRole("link", { name: "payments" }).waitFor();
    await page.getByRole("link", { name: "orders", exact: true }).waitFor({ state: "detached" });
    expect(await page.title()).toBe("Topics – Takhin Console");
    // The topic's tabs: arrow keys move between them, Enter opens one.
    await page.goto(`${dev.url}/#/topics/orders`);
    await page.getByRole("tab", { name: "Partitions" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe("Configs");
    await page.keyboard.press("Enter");
    await page.getByRole("table", { name: "Configs" }).waitFor();
    expect(await page.getByRole("tab", { name: "Configs" }).getAttribute("aria-selected")).toBe("true");
    expect(errors).toEqual([]);
  }, 60_000);

  test("create a topic", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/topics`);
    await page.getByRole("button", { name: "Create topic" }).click();
    const form = page.getByRole("form", { name: "Create a topic" });
    await form.getByLabel("Name", { exact: true }).fill("made-in-browser");
    await form.getByLabel("Partitions").fill("4");
    await form.getByLabel("Configs (one name=value a line)").fill("retention.ms=123456");
    await form.getByRole("button", { name: "Create" }).click();
    await page.getByText("Topic made-in-browser created.").waitFor();
    await page.getByRole("link", { name: "made-in-browser" }).click();
    await page.getByRole("table", { name: "Partitions" }).waitFor();
    expect(await page.getByRole("table", { name: "Partitions" }).locator("tbody tr").count()).toBe(4);
    await shot(page, "topic-created");
    expect(errors).toEqual([]);
  }, 60_000);

  test("produce a message and find it with a JS filter", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/topics/orders/messages`);
    await page.getByRole("table", { name: "Messages" }).waitFor();
    await page.getByText("Produce a message").click();
    const form = page.getByRole("form", { name: "Produce a message" });
    await form.getByLabel("Key", { exact: true }).fill("needle-key");
    await form.getByLabel("Value", { exact: true }).fill('{"order": 999, "item": "needle"}');
    await form.getByLabel("Headers").fill("trace=abc");
    await form.getByRole("button", { name: "Produce" }).click();
    await page.getByText(/Produced to partition \d+ at offset \d+/).waitFor();
    await page.getByText("JavaScript filter").click();
    await page.getByLabel("Filter code").fill('return value !== null && JSON.parse(value).item === "needle" && headers.trace === "abc"');
    await page.getByRole("button", { name: "Run filter" }).click();
    await page.getByText(/Filter done: 1 of \d+ messages match/).waitFor();
    const rows = page.getByRole("table", { name: "Messages" }).locator("tbody tr");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("needle-key");
    await shot(page, "filter-found");
    expect(errors).toEqual([]);
  }, 60_000);

  test("live tail shows a message produced meanwhile; the shown messages export as JSON and CSV", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/topics/payments/messages`);
    await page.getByRole("table", { name: "Messages" }).waitFor();
    const json = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export JSON" }).click();
    const exported = JSON.parse(await Bun.file((await (await json).path())!).text());
    expect(exported.map((m: any) => m.value.text)).toEqual(["paid-1", "paid-2"]);
    const csv = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    expect((await Bun.file((await (await csv).path())!).text()).split("\r\n")[0]).toBe("partition,offset,timestamp,key,value,headers");
    await page.getByRole("button", { name: "Live tail" }).click();
    await page.getByText("Live tail: waiting for new messages…").waitFor();
    // The tail starts at the log end once its stream is open; produce until a message shows.
    for (let i = 0; (await page.getByText("paid-live").count()) === 0; i++) {
      if (i % 10 === 0) await produceValues(dev.client, "payments", 0, ["paid-live"], "p");
      await Bun.sleep(100);
    }
    expect(await page.getByRole("button", { name: "Stop tail" }).getAttribute("aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Stop tail" }).click();
    await shot(page, "live-tail");
    expect(errors).toEqual([]);
  }, 60_000);

  test("reset a group's offsets (dry run first) and see the lag change", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/groups/shipping`);
    const lag = page.locator("#total-lag");
    await lag.waitFor();
    const before = await lag.textContent();
    const api = (path: string): Promise<any> => page.evaluate(async (p) => (await fetch(p)).json() as Promise<any>, path);
    expect(before).toBe((await api("/api/groups/shipping")).totalLag);
    expect(Number(before)).toBeGreaterThanOrEqual(15);
    const records = (await api("/api/topics?search=orders")).topics.find((t: any) => t.name === "orders").records;
    await page.getByLabel("Reset to").selectOption("earliest");
    await page.getByRole("button", { name: "Preview (dry run)" }).click();
    await page.getByRole("table", { name: "Reset preview" }).waitFor();
    expect(await page.getByRole("table", { name: "Reset preview" }).textContent()).toContain("20");
    expect(await lag.textContent()).toBe(before);
    await page.getByRole("button", { name: "Apply reset" }).click();
    await page.getByText("Offsets of shipping on orders reset.").waitFor();
    // Every partition from its start: the lag is now every record of the topic.
    await page.waitForFunction((want) => (globalThis as any).document.querySelector("#total-lag")?.textContent === want, records);
    expect(records).not.toBe(before);
    await shot(page, "group-reset");
    expect(errors).toEqual([]);
  }, 60_000);

  test("register a schema version; an incompatible one is refused", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/schemas/orders-value`);
    await page.getByRole("heading", { name: "orders-value" }).waitFor();
    const text = page.getByLabel("Schema", { exact: true });
    await text.fill(JSON.stringify({ type: "record", name: "Order", fields: [{ name: "order", type: "long" }, { name: "note", type: "string", default: "" }] }));
    await page.getByRole("button", { name: "Check compatibility" }).click();
    await page.getByText("Compatible with the latest version.").waitFor();
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByText(/Registered orders-value \(schema id \d+\)/).waitFor();
    await page.getByText(/versions 1, 2$/).waitFor();
    await page.getByLabel("Diff of versions 1 and 2").waitFor();
    await text.fill(JSON.stringify({ type: "record", name: "Order", fields: [{ name: "order", type: "string" }] }));
    await page.getByRole("button", { name: "Check compatibility" }).click();
    await page.getByText(/^Not compatible:/).waitFor();
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByText(/is not compatible with the latest version of orders-value/).waitFor();
    await shot(page, "schema-refused");
    // The refused registration's 409 is the one console error expected here.
    expect(errors.filter((e) => !e.includes("409"))).toEqual([]);
  }, 60_000);

  test("create an ACL", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${dev.url}/#/security`);
    const form = page.getByRole("form", { name: "Create an ACL" });
    await form.getByLabel("Resource", { exact: true }).selectOption("TOPIC");
    await form.getByLabel("Name", { exact: true }).fill("orders");
    await form.getByLabel("Principal").fill("User:carol");
    await form.getByLabel("Operation").selectOption("READ");
    await form.getByRole("button", { name: "Create ACL" }).click();
    await page.getByRole("table", { name: "ACLs" }).getByText("User:carol").waitFor();
    await shot(page, "acl-created");
    expect(errors).toEqual([]);
  }, 60_000);

  test("log in and out; a viewer cannot delete", async () => {
    const { page, errors } = await newPage();
    await page.goto(`${login.url}/#/topics`);
    await page.getByRole("form", { name: "Log in" }).waitFor();
    expect(await page.getByRole("note").count()).toBe(0);
    await shot(page, "login");
    await page.getByLabel("User").fill("victor");
    await page.getByLabel("Password").fill("wrong");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("wrong user name or password").waitFor();
    await page.getByLabel("Password").fill("victor-secret");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("victor (viewer)").waitFor();
    await page.goto(`${login.url}/#/topics/guarded`);
    await page.getByRole("table", { name: "Partitions" }).waitFor();
    expect(await page.getByRole("button", { name: "Delete topic" }).count()).toBe(0);
    // Not even by hand: the server refuses a viewer's delete (with the session's CSRF token).
    const status = await page.evaluate(async () => {
      const s = (await (await fetch("/api/session")).json()) as any;
      const r = await fetch("/api/topics/guarded?confirm=guarded", { method: "DELETE", headers: { "x-csrf-token": s.csrf } });
      return r.status;
    });
    expect(status).toBe(403);
    await shot(page, "viewer");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("form", { name: "Log in" }).waitFor();
    expect((await page.evaluate(async () => (await fetch("/api/topics")).status))).toBe(401);
    await page.getByLabel("User").fill("alice");
    await page.getByLabel("Password").fill("alice-secret");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText("alice (admin)").waitFor();
    await page.goto(`${login.url}/#/topics/guarded`);
    await page.getByRole("button", { name: "Delete topic" }).waitFor();
    // The failed login's 401, the viewer's 403 and the logged-out 401 are the console errors expected.
    expect(errors.filter((e) => !/40[13]/.test(e))).toEqual([]);
  }, 60_000);
});
