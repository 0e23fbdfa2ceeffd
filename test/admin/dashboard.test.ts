/**
 * ops/grafana/takhin.json: every metric an expression names is a family /metrics exports (read
 * from a live broker's scrape, not from a list), and the dashboard has its four rows.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { parseExposition } from "./exposition.ts";

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker({}, undefined, {});
});
afterAll(async () => b?.stop());

const PROMQL_WORDS = new Set(["sum", "max", "min", "avg", "by", "without", "rate", "irate", "increase", "histogram_quantile", "label_values", "le", "on", "ignoring", "group_left", "and", "or", "unless", "count", "topk", "bottomk"]);

function metricNames(expr: string): string[] {
  // Drop label matchers, ranges and strings; what is left that looks like a name and is not a PromQL word or a label is a metric.
  const bare = expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").replace(/"[^"]*"/g, "").replace(/\bby \([^)]*\)/g, "");
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w) && !/^e\d+$/.test(w));
}

test("every metric in the dashboard is exported by /metrics", async () => {
  const port = b.broker.services.get("admin-api")!.port;
  const fams = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  const exported = new Set<string>();
  for (const f of fams.values()) for (const s of f.samples) exported.add(s.name);
  // Families with no samples yet (no traffic) are exported too: their HELP/TYPE are present.
  for (const f of fams.values()) {
    exported.add(f.name);
    if (f.type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(f.name + suffix);
  }
  const dash = JSON.parse(readFileSync(join(import.meta.dir, "../../ops/grafana/takhin.json"), "utf8"));
  const exprs: string[] = [];
  const walk = (p: any) => {
    for (const t of p.targets ?? []) exprs.push(t.expr);
    for (const c of p.panels ?? []) walk(c);
  };
  dash.panels.forEach(walk);
  for (const v of dash.templating.list) if (typeof v.query === "string" && v.query.includes("(")) exprs.push(v.query.replace(/,\s*\w+\)$/, ")"));
  expect(exprs.length).toBeGreaterThan(15);
  const missing = exprs.flatMap((e) => metricNames(e).filter((m) => !exported.has(m)).map((m) => `${m} in ${e}`));
  expect(missing).toEqual([]);
  expect(dash.panels.filter((p: any) => p.type === "row").map((p: any) => p.title)).toEqual(["Overview", "Topics", "Consumer groups", "Cluster", "Storage"]);
});
