/**
 * The `takhin` CLI against a 3-node Takhin cluster (node processes from startLocalCluster): every
 * node gives the same cluster info; a topic with 3 replicas is described with its replicas and ISR;
 * records produced through one node are consumed through another; alter-config goes through the
 * controller; groups are found on whichever node coordinates them (ListGroups on every broker),
 * and seek works against a kafkajs member there.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startLocalCluster, type LocalCluster } from "../../src/cluster-launcher.ts";
import { freeBasePort } from "../cluster/quorum-cluster.ts";
import { tempDir } from "../helpers/broker.ts";
import { eventually, startMember } from "./member.ts";
import { jsonLines, ok, okJson, takhin } from "./run-cli.ts";

let cluster: LocalCluster;
let addr: string[];

beforeAll(async () => {
  const base = await freeBasePort(3);
  cluster = await startLocalCluster({
    nodes: 3,
    basePort: base,
    dataDir: tempDir("takhin-cli-cluster-"),
    env: { TAKHIN_LOG_LEVEL: "info", TAKHIN_ADMIN_API_PORT: "0" },
    readyTimeoutMs: 90_000,
  });
  await cluster.waitForBrokers([0, 1, 2], { timeoutMs: 60_000 });
  addr = cluster.bootstrap.split(",");
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
}, 60_000);

const via = (i: number) => ["--bootstrap", addr[i]!];

test("cluster info agrees on every node", async () => {
  const infos = await Promise.all([0, 1, 2].map((i) => eventually(`cluster info via node ${i}`, async () => {
    const j = await okJson(["cluster", "info", ...via(i)]);
    if (j.brokers.length !== 3 || j.controller_id < 0) throw new Error(`not settled: ${JSON.stringify(j)}`);
    return j;
  })));
  for (const j of infos) {
    expect(j.brokers.map((x: any) => x.node_id)).toEqual([0, 1, 2]);
    expect(j.cluster_id).toBe(infos[0].cluster_id);
    expect(j.controller_id).toBe(infos[0].controller_id);
  }
  expect(await ok(["cluster", "info", ...via(1)])).toMatch(new RegExp(`^${infos[0].controller_id}\\*\\s`, "m"));
}, 90_000);

test("a replicated topic: describe, produce via one node, consume via another, alter-config, delete", async () => {
  expect(await okJson(["topic", "create", "rep", "--partitions", "3", "--replicas", "3", ...via(0)])).toEqual([{ name: "rep", error: null, message: null }]);
  const d = await eventually("rep has leaders and a full ISR", async () => {
    const j = await okJson(["topic", "describe", "rep", ...via(2)]);
    if (j.partitions.some((p: any) => p.leader < 0 || p.isr.length !== 3)) throw new Error("not yet");
    return j;
  });
  for (const p of d.partitions) expect([...p.replicas].sort()).toEqual([0, 1, 2]);
  const values = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  const produced = await okJson(["produce", "rep", "--format", "json", "--header", "src=cli", ...via(1)], { stdin: values.map((v) => JSON.stringify(v)).join("\n") });
  expect(produced.records).toBe(30);
  const got = jsonLines(await ok(["consume", "rep", "--format", "json", ...via(2)]));
  expect(got.map((g) => g.value).sort()).toEqual(values.map((v) => v.value).sort());
  for (const g of got) expect(g.headers).toEqual([{ key: "src", value: "cli" }]);
  const d2 = await okJson(["topic", "describe", "rep", ...via(0)]);
  expect(d2.partitions.reduce((n: number, p: any) => n + p.latest_offset, 0)).toBe(30);

  await ok(["topic", "alter-config", "rep", "--set", "retention.ms=86400000", ...via(2)]);
  for (const i of [0, 1, 2]) {
    await eventually(`node ${i} sees retention.ms`, async () => {
      const j = await okJson(["topic", "describe", "rep", ...via(i)]);
      if (j.configs.find((c: any) => c.name === "retention.ms")?.value !== "86400000") throw new Error("not yet");
    });
  }
  const unknown = await takhin(["topic", "describe", "nope", ...via(1)]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
}, 90_000);

test("groups on their coordinators: list, describe, seek refused while active, seek, delete", async () => {
  await ok(["topic", "create", "cg", "--partitions", "2", "--replicas", "3", ...via(0)]);
  await eventually("produce to cg", () => ok(["produce", "cg", "--partition", "0", ...via(0)], { stdin: "a\nb\nc\nd\n" }));
  await eventually("produce to cg", () => ok(["produce", "cg", "--partition", "1", ...via(0)], { stdin: "e\nf\ng\nh\n" }));
  const m = startMember(cluster.bootstrap, "cg", "cgroup", 8);
  try {
    expect((await m.ready).ready).toBe(true);
    for (const i of [0, 1, 2]) {
      const listed = await okJson(["group", "list", ...via(i)]);
      expect(listed.find((g: any) => g.group_id === "cgroup")).toMatchObject({ state: "Stable", protocol_type: "consumer" });
    }
    const d = await okJson(["group", "describe", "cgroup", ...via(2)]);
    expect(d.members).toHaveLength(1);
    expect(d.offsets.map((o: any) => [o.partition, o.log_end_offset])).toEqual([[0, 4], [1, 4]]);
    const refused = await takhin(["group", "seek", "cgroup", "--topic", "cg", "--to-earliest", ...via(1)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("NON_EMPTY_GROUP");
  } finally {
    await m.stop();
  }
  await eventually("cgroup empty", async () => {
    if ((await okJson(["group", "describe", "cgroup", ...via(0)])).state !== "Empty") throw new Error("not yet");
  });
  const s = await okJson(["group", "seek", "cgroup", "--topic", "cg", "--to-offset", "1", ...via(1)]);
  expect(s.offsets.map((o: any) => [o.partition, o.new_offset])).toEqual([[0, 1], [1, 1]]);
  expect((await okJson(["group", "describe", "cgroup", ...via(2)])).offsets.map((o: any) => [o.partition, o.current_offset, o.lag])).toEqual([[0, 1, 3], [1, 1, 3]]);
  expect(await okJson(["group", "delete", "cgroup", ...via(2)])).toEqual([{ group_id: "cgroup", error: null }]);
  expect(await okJson(["topic", "delete", "rep", "cg", ...via(1)])).toEqual([{ name: "rep", error: null, message: null }, { name: "cg", error: null, message: null }]);
}, 90_000);
