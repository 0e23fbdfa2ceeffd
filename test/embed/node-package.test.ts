/**
 * `takhin` under Node (src/embed/node/index.mjs): Kafka's error codes match src/protocol/errors.ts;
 * without Bun, startBroker() says so clearly; with it, a broker runs as a Bun child process whose
 * admin and fault calls travel over stdio (bigints and bytes intact), and stop() ends the child.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errorCodesModule } from "../../scripts/gen-embed-error-codes.ts";

const NODE_ENTRY = join(import.meta.dir, "..", "..", "src", "embed", "node", "index.mjs");

async function node(script: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["node", "--input-type=module", "-e", script], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: out + err };
}

test("the Node error-code table is generated from src/protocol/errors.ts (bun scripts/gen-embed-error-codes.ts)", () => {
  expect(readFileSync(join(import.meta.dir, "..", "..", "src", "embed", "node", "error-codes.mjs"), "utf8")).toBe(errorCodesModule());
});

test("under Node without Bun, startBroker() fails saying Bun is needed and how to point at it", async () => {
  const r = await node(`import(${JSON.stringify(NODE_ENTRY)}).then((m) => m.startBroker()).then(() => console.log("STARTED"), (e) => console.log(e.name, e.constructor.name, e.message))`, { TAKHIN_BUN: "/nonexistent/bun" });
  expect(r.out).not.toContain("STARTED");
  expect(r.out).toContain("BunNotFoundError");
  expect(r.out).toMatch(/needs Bun/);
  expect(r.out).toMatch(/TAKHIN_BUN/);
}, 30_000);

test("under Node, a broker in a Bun child: admin and fault calls over stdio, bigints and bytes intact, stop() ends the child", async () => {
  const script = `
    import { startBroker, ErrorCode } from ${JSON.stringify(NODE_ENTRY)};
    const b = await startBroker({ config: { num_partitions: 2 } });
    await b.admin.createTopic("n", { partitions: 2 });
    const clear = await b.faults.failProduce("n", { partition: 1, errorCode: "INVALID_RECORD", count: 5 });
    await clear();
    const offsets = await b.admin.listOffsets("n");
    const err = await b.admin.listOffsets("missing").catch((e) => e.message);
    const records = await b.admin.readRecords("n");
    await b.stop();
    console.log(JSON.stringify({ bootstrap: b.bootstrap, offsets: offsets.map((o) => [o.partition, typeof o.earliest, String(o.latest)]), records: records.length, err, code: ErrorCode.NOT_COORDINATOR }));
  `;
  const r = await node(script, { TAKHIN_BUN: process.execPath });
  const line = r.out.split("\n").find((l) => l.startsWith("{"));
  if (!line) console.error(r.out);
  const got = JSON.parse(line!);
  expect(got.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(got.offsets).toEqual([[0, "bigint", "0"], [1, "bigint", "0"]]);
  expect(got.records).toBe(0);
  expect(got.err).toMatch(/UNKNOWN_TOPIC_OR_PARTITION|does not exist|unknown/i);
  expect(got.code).toBe(16);
  expect(r.code).toBe(0); // the child stopped, so Node exits
}, 60_000);

test("under Node, a 3-node cluster in a Bun child: leaders, moveLeadership, stop", async () => {
  const script = `
    import { startCluster } from ${JSON.stringify(NODE_ENTRY)};
    const c = await startCluster(3);
    await c.admin.createTopic("m", { replicationFactor: 3 });
    const [before] = await c.leaders("m");
    const moved = await c.faults.moveLeadership("m", 0);
    const [after] = await c.leaders("m");
    const missing = await c.faults.moveLeadership("m", 9).catch((e) => e.message);
    await c.stop();
    console.log(JSON.stringify({ nodes: c.nodes.length, bootstrap: c.bootstrap, before, moved, after, missing }));
  `;
  const r = await node(script, { TAKHIN_BUN: process.execPath });
  const line = r.out.split("\n").find((l) => l.startsWith("{"));
  if (!line) console.error(r.out);
  const got = JSON.parse(line!);
  expect(got.nodes).toBe(3);
  expect(got.bootstrap.split(",")).toHaveLength(3);
  expect(got.moved).not.toBe(got.before);
  expect(got.after).toBe(got.moved);
  expect(got.missing).toMatch(/no partition m-9/);
  expect(r.code).toBe(0);
}, 90_000);
