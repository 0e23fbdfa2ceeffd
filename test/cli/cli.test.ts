/**
 * The `takhin` CLI as a shell user runs it: the real process (`bun bin/takhin.ts`) against an
 * in-process Takhin over a real socket. Every command with and without --json, --help everywhere,
 * usage errors (exit 2), Kafka errors (exit 1 with the error name), produce then consume
 * round-trips with keys and headers in each format, consume start positions, and group
 * describe/seek/delete against a live kafkajs consumer group.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { startGroupBroker } from "../clients/scripts/groups-harness.ts";
import { removeDir, tempDir, type TestBroker } from "../helpers/broker.ts";
import { startMember } from "./member.ts";
import { jsonLines, ok, okJson, takhin } from "./run-cli.ts";
import { COMMANDS } from "../../src/cli/main.ts";
import { isGroup } from "../../src/cli/command.ts";

let tb: TestBroker;
let b: string[];
beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 100 });
  b = ["--bootstrap", tb.bootstrap];
});
afterAll(async () => {
  await tb?.stop();
  if (tb) removeDir(tb.dataDir);
});

describe("usage", () => {
  test("--help on the tool, every group and every command exits 0 with its usage", async () => {
    const top = await takhin(["--help"]);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toContain(c.name);
    const paths: string[][] = [];
    for (const c of COMMANDS) {
      if (isGroup(c)) {
        paths.push([c.name]);
        for (const l of c.commands) paths.push([c.name, l.name]);
      } else paths.push([c.name]);
    }
    const results = await Promise.all(paths.map((p) => takhin([...p, "--help"])));
    results.forEach((r, i) => {
      expect({ path: paths[i], code: r.code }).toEqual({ path: paths[i], code: 0 });
      expect(r.stdout).toContain(`Usage: takhin ${paths[i]!.join(" ")}`);
      if (paths[i]!.length === 2 || !isGroup(COMMANDS.find((c) => c.name === paths[i]![0])!)) expect(r.stdout).toContain("--bootstrap");
    });
  }, 60_000);

  test("bad arguments exit 2 with a message and the usage on stderr", async () => {
    const cases: [string[], string][] = [
      [[], "no command given"],
      [["frobnicate"], 'unknown command "frobnicate"'],
      [["topic"], '"topic" needs a command'],
      [["topic", "explode"], 'unknown command "topic explode"'],
      [["topic", "create"], "missing topic"],
      [["topic", "create", "t", "--partitions", "x"], '--partitions: "x" is not an integer'],
      [["topic", "create", "t", "--partitions", "0"], "--partitions must be at least 1"],
      [["topic", "create", "t", "--config", "novalue"], '--config "novalue" is not key=value'],
      [["topic", "describe", "a", "b"], 'unexpected argument "b"'],
      [["topic", "list", "--nope"], "unknown option --nope"],
      [["topic", "list", "--bootstrap"], "--bootstrap needs a value"],
      [["topic", "list", "--bootstrap", "nohostport"], 'bad broker address "nohostport"'],
      [["topic", "alter-config", "t"], "give at least one --set"],
      [["consume", "t", "--offset", "middle"], "--offset must be earliest, latest or a number"],
      [["consume", "t", "--offset", "1", "--from-end"], "give only one of"],
      [["consume", "t", "--format", "xml"], "--format must be one of text, json, base64"],
      [["produce", "t", "--acks", "2"], "--acks must be all, 1 or 0"],
      [["group", "seek", "g"], "give exactly one of --to-earliest"],
      [["group", "seek", "g", "--to-earliest", "--to-latest"], "give exactly one of"],
    ];
    const results = await Promise.all(cases.map(([args]) => takhin([...args, ...(args.length > 1 && !args.includes("--bootstrap") ? b : [])])));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("Usage: takhin");
      expect(r.stdout).toBe("");
    });
  }, 60_000);

  test("acl against a broker without an authorizer exits 1 with SECURITY_DISABLED", async () => {
    for (const args of [["acl", "list"], ["acl", "create", "--topic", "t", "--allow-principal", "User:a"], ["acl", "delete", "--topic", "t"]]) {
      const r = await takhin([...args, ...b]);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain("SECURITY_DISABLED");
    }
  });

  test("an unreachable cluster is a runtime error (exit 1), and TAKHIN_BOOTSTRAP is the default", async () => {
    const r = await takhin(["cluster", "info", "--bootstrap", "127.0.0.1:1", "--timeout-ms", "2000"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ConnectionError");
    const viaEnv = await takhin(["cluster", "info", "--json"], { env: { TAKHIN_BOOTSTRAP: tb.bootstrap } });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout).brokers.map((x: any) => x.port)).toEqual([tb.port]);
  });
});

describe("cluster and topics", () => {
  test("cluster info: table and JSON", async () => {
    const j = await okJson(["cluster", "info", ...b]);
    expect(j.cluster_id).toBe(tb.broker.context.clusterId ?? j.cluster_id);
    expect(typeof j.cluster_id).toBe("string");
    expect(j.brokers).toEqual([{ node_id: j.controller_id, host: "127.0.0.1", port: tb.port, rack: null, fenced: false }]);
    const t = await ok(["cluster", "info", ...b]);
    expect(t).toContain(`Cluster id: ${j.cluster_id}`);
    expect(t).toMatch(new RegExp(`^ID\\s+HOST\\s+PORT\\s+RACK\\s+STATUS$`, "m"));
    expect(t).toMatch(new RegExp(`^${j.controller_id}\\*\\s+127\\.0\\.0\\.1\\s+${tb.port}\\s+-\\s+active$`, "m"));
  });

  test("topic create, list, describe, alter-config, delete", async () => {
    const created = await okJson(["topic", "create", "cli-a", "cli-b", "--partitions", "3", "--config", "retention.ms=60000", ...b]);
    expect(created).toEqual([
      { name: "cli-a", error: null, message: null },
      { name: "cli-b", error: null, message: null },
    ]);
    const again = await takhin(["topic", "create", "cli-a", ...b]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("TOPIC_ALREADY_EXISTS");
    expect(again.stdout).toMatch(/^cli-a\s+TOPIC_ALREADY_EXISTS/m);

    const listed = await okJson(["topic", "list", ...b]);
    expect(listed.filter((t: any) => t.name.startsWith("cli-")).map((t: any) => [t.name, t.partitions, t.replication_factor, t.internal])).toEqual([
      ["cli-a", 3, 1, false],
      ["cli-b", 3, 1, false],
    ]);
    expect(await ok(["topic", "list", ...b])).toMatch(/^cli-a\s+3\s+1\s+false$/m);

    const d = await okJson(["topic", "describe", "cli-a", ...b]);
    expect(d.name).toBe("cli-a");
    expect(d.partitions.map((p: any) => [p.partition, p.replicas, p.isr, p.earliest_offset, p.latest_offset])).toEqual([0, 1, 2].map((p) => [p, [d.partitions[0].leader], [d.partitions[0].leader], 0, 0]));
    expect(d.configs.find((c: any) => c.name === "retention.ms")).toMatchObject({ value: "60000", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(await ok(["topic", "describe", "cli-a", ...b])).toMatch(/^retention\.ms\s+60000\s+DYNAMIC_TOPIC_CONFIG$/m);

    const altered = await okJson(["topic", "alter-config", "cli-a", "--set", "cleanup.policy=compact", "--delete", "retention.ms", ...b]);
    expect(altered).toEqual({ topic: "cli-a", set: { "cleanup.policy": "compact" }, deleted: ["retention.ms"], validate_only: false });
    const d2 = await okJson(["topic", "describe", "cli-a", ...b]);
    expect(d2.configs.find((c: any) => c.name === "cleanup.policy")).toMatchObject({ value: "compact", source: "DYNAMIC_TOPIC_CONFIG" });
    expect(d2.configs.find((c: any) => c.name === "retention.ms").source).not.toBe("DYNAMIC_TOPIC_CONFIG");
    const badValue = await takhin(["topic", "alter-config", "cli-a", "--set", "retention.ms=soon", ...b]);
    expect(badValue.code).toBe(1);
    expect(badValue.stderr).toContain("INVALID_CONFIG");

    expect(await okJson(["topic", "delete", "cli-b", ...b])).toEqual([{ name: "cli-b", error: null, message: null }]);
    expect((await okJson(["topic", "list", ...b])).map((t: any) => t.name)).not.toContain("cli-b");
  }, 60_000);

  test("an unknown topic: exit 1 and UNKNOWN_TOPIC_OR_PARTITION for every topic command", async () => {
    const runs = await Promise.all([
      takhin(["topic", "describe", "nope", ...b]),
      takhin(["topic", "delete", "nope", ...b]),
      takhin(["topic", "alter-config", "nope", "--set", "retention.ms=1", ...b]),
      takhin(["produce", "nope", ...b], { stdin: "x\n" }),
      takhin(["consume", "nope", ...b]),
    ]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
    }
  }, 60_000);
});

describe("produce and consume", () => {
  beforeAll(async () => {
    await ok(["topic", "create", "pc", "--partitions", "2", ...b]);
  });

  test("text lines with --key and --header, read back in every format", async () => {
    const p = await okJson(["produce", "pc", "--partition", "0", "--key", "k1", "--header", "h=1", "--header", "trace=a=b", ...b], { stdin: "hello\nwörld\n\nlast" });
    expect(p).toEqual({ topic: "pc", records: 4, partitions: [{ partition: 0, records: 4, first_offset: 0, last_offset: 3 }] });
    const asJson = jsonLines(await ok(["consume", "pc", "--partition", "0", "--format", "json", ...b]));
    expect(asJson.map((r) => [r.partition, r.offset, r.key, r.value, r.headers])).toEqual(
      ["hello", "wörld", "", "last"].map((v, i) => [0, i, "k1", v, [{ key: "h", value: "1" }, { key: "trace", value: "a=b" }]]),
    );
    for (const r of asJson) expect(Math.abs(r.timestamp - Date.now())).toBeLessThan(10 * 60_000);
    expect(await ok(["consume", "pc", "--partition", "0", ...b])).toBe("hello\nwörld\n\nlast\n");
    expect(await ok(["consume", "pc", "--partition", "0", "--format", "base64", ...b])).toBe(["hello", "wörld", "", "last"].map((v) => Buffer.from(v).toString("base64") + "\n").join(""));
    // --json on consume means JSON lines.
    expect(jsonLines(await ok(["consume", "pc", "--partition", "0", "--json", "--count", "1", ...b])).map((r) => r.value)).toEqual(["hello"]);
  }, 60_000);

  test("json lines (own keys, headers, partitions) and base64 lines from a file", async () => {
    const lines = [
      { key: "a", value: "one", headers: { x: "1" }, partition: 1 },
      { key: null, value: null, headers: [{ key: "dup", value: "1" }, { key: "dup", value: null }], partition: 1 },
      { value: "{\"nested\": true}", partition: 1 },
    ];
    const r = await okJson(["produce", "pc", "--format", "json", ...b], { stdin: lines.map((l) => JSON.stringify(l)).join("\n") + "\n" });
    expect(r.partitions).toEqual([{ partition: 1, records: 3, first_offset: 0, last_offset: 2 }]);
    const bin = new Uint8Array([0, 255, 10, 13, 128]);
    const file = join(tempDir("takhin-cli-"), "lines.b64");
    writeFileSync(file, `${Buffer.from(bin).toString("base64")}\n${Buffer.from("plain").toString("base64")}\n`);
    await ok(["produce", "pc", "--format", "base64", "--file", file, "--partition", "1", "--key", "bk", ...b]);
    const got = jsonLines(await ok(["consume", "pc", "--partition", "1", "--format", "json", ...b]));
    expect(got.map((g) => [g.offset, g.key, g.value, g.headers])).toEqual([
      [0, "a", "one", [{ key: "x", value: "1" }]],
      [1, null, null, [{ key: "dup", value: "1" }, { key: "dup", value: null }]],
      [2, null, '{"nested": true}', []],
      [3, "bk", Buffer.from(bin).toString("utf8"), []],
      [4, "bk", "plain", []],
    ]);
    const b64 = (await ok(["consume", "pc", "--partition", "1", "--offset", "3", "--format", "base64", ...b])).trim().split("\n");
    expect(b64.map((l) => [...Buffer.from(l, "base64")])).toEqual([[...bin], [...Buffer.from("plain")]]);
  }, 60_000);

  test("bad input lines fail with the line number (exit 1), nothing after them is sent", async () => {
    const r = await takhin(["produce", "pc", "--format", "json", ...b], { stdin: '{"value":"ok"}\nnot json\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("InvalidInput: line 2: not JSON");
    const r2 = await takhin(["produce", "pc", "--format", "base64", ...b], { stdin: "!!!\n" });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("line 1: not base64");
    const r3 = await takhin(["produce", "pc", "--partition", "7", ...b], { stdin: "x\n" });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
  }, 60_000);

  test("keyed records land where Kafka's default partitioner puts them, and consume reads every partition", async () => {
    await ok(["topic", "create", "keyed", "--partitions", "4", ...b]);
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await ok(["produce", "keyed", "--format", "json", ...b], { stdin: keys.map((k) => JSON.stringify({ key: k, value: k })).join("\n") });
    const got = jsonLines(await ok(["consume", "keyed", "--format", "json", ...b]));
    expect(got.map((g) => g.key).sort()).toEqual([...keys].sort());
    const { partitionForKey } = await import("../../src/cli/records.ts");
    for (const g of got) expect(g.partition).toBe(partitionForKey(new TextEncoder().encode(g.key), 4));
  }, 60_000);

  test("start positions: offset N, negative N, latest, --from-end, --timestamp, --count; --follow sees new records", async () => {
    await ok(["topic", "create", "pos", "--partitions", "1", ...b]);
    await ok(["produce", "pos", ...b], { stdin: "a\nb\nc\n" });
    const mid = Date.now();
    await Bun.sleep(20);
    await ok(["produce", "pos", ...b], { stdin: "d\ne\n" });
    expect(await ok(["consume", "pos", "--offset", "2", ...b])).toBe("c\nd\ne\n");
    expect(await ok(["consume", "pos", "--offset", "-2", ...b])).toBe("d\ne\n");
    expect(await ok(["consume", "pos", "--offset", "latest", ...b])).toBe("");
    expect(await ok(["consume", "pos", "--from-end", ...b])).toBe("");
    expect(await ok(["consume", "pos", "--timestamp", String(mid), ...b])).toBe("d\ne\n");
    expect(await ok(["consume", "pos", "--count", "2", ...b])).toBe("a\nb\n");
    // --follow --from-end: waits at the end and prints what arrives, until --count.
    const follower = takhin(["consume", "pos", "--follow", "--from-end", "--count", "2", ...b]);
    await Bun.sleep(1500);
    await ok(["produce", "pos", ...b], { stdin: "f\ng\nh\n" });
    const f = await follower;
    expect(f.code).toBe(0);
    expect(f.stdout).toBe("f\ng\n");
  }, 60_000);
});

describe("groups", () => {
  const member = (topic: string, group: string, count: number) => startMember(tb.bootstrap, topic, group, count);

  test("list, describe with lag, seek refused while active, seek after, delete", async () => {
    await ok(["topic", "create", "gt", "--partitions", "2", ...b]);
    await ok(["produce", "gt", "--partition", "0", ...b], { stdin: Array.from({ length: 10 }, (_, i) => `a${i}`).join("\n") });
    await ok(["produce", "gt", "--partition", "1", ...b], { stdin: Array.from({ length: 10 }, (_, i) => `b${i}`).join("\n") });

    const m = member("gt", "cli-group", 20);
    try {
      expect((await m.ready).ready).toBe(true);
      const listed = await okJson(["group", "list", ...b]);
      expect(listed.find((g: any) => g.group_id === "cli-group")).toMatchObject({ state: "Stable", protocol_type: "consumer" });
      expect(await ok(["group", "list", ...b])).toMatch(/^cli-group\s+Stable\s+consumer\s+\d+$/m);
      const d = await okJson(["group", "describe", "cli-group", ...b]);
      expect(d.state).toBe("Stable");
      expect(d.members).toHaveLength(1);
      expect(d.members[0].client_id).toBe("takhin-cli-test");
      expect(d.members[0].assignment.sort((x: any, y: any) => x.partition - y.partition)).toEqual([{ topic: "gt", partition: 0 }, { topic: "gt", partition: 1 }]);
      expect(d.offsets.map((o: any) => [o.topic, o.partition, o.log_end_offset, o.member_id])).toEqual([["gt", 0, 10, d.members[0].member_id], ["gt", 1, 10, d.members[0].member_id]]);
      for (const o of d.offsets) if (o.current_offset !== null) expect(o.lag).toBe(10 - o.current_offset);
      expect(await ok(["group", "describe", "cli-group", ...b])).toMatch(/^gt\s+0\s+\S+\s+10\s+\S+\s+\S+$/m);

      const refused = await takhin(["group", "seek", "cli-group", "--to-earliest", "--topic", "gt", ...b]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("NON_EMPTY_GROUP");
      expect(refused.stderr).toContain("the current state is Stable");
      const refusedDelete = await takhin(["group", "delete", "cli-group", ...b]);
      expect(refusedDelete.code).toBe(1);
      expect(refusedDelete.stderr).toContain("NON_EMPTY_GROUP");
    } finally {
      await m.stop();
    }

    // Once the member has left: seek partition 0 to offset 4 and partition 1 to the earliest.
    const dry = await okJson(["group", "seek", "cli-group", "--topic", "gt", "--partition", "0", "--to-offset", "4", "--dry-run", ...b]);
    expect(dry.offsets.map((o: any) => [o.partition, o.new_offset])).toEqual([[0, 4]]);
    expect(dry.dry_run).toBe(true);
    await ok(["group", "seek", "cli-group", "--topic", "gt", "--partition", "0", "--to-offset", "4", ...b]);
    const s = await okJson(["group", "seek", "cli-group", "--topic", "gt", "--partition", "1", "--to-earliest", ...b]);
    expect(s.offsets).toEqual([{ topic: "gt", partition: 1, previous_offset: s.offsets[0].previous_offset, new_offset: 0 }]);
    const after = await okJson(["group", "describe", "cli-group", ...b]);
    expect(after.state).toBe("Empty");
    expect(after.offsets.map((o: any) => [o.partition, o.current_offset, o.lag])).toEqual([[0, 4, 6], [1, 0, 10]]);

    // A kafkajs member of the group now starts where the seek put it.
    const m2 = member("gt", "cli-group", 16);
    try {
      const seen = (await m2.ready).offsets;
      expect(seen["0"][0]).toBe(4);
      expect(seen["1"][0]).toBe(0);
    } finally {
      await m2.stop();
    }

    // consume --group: from the committed offsets, committing the next ones.
    await ok(["group", "seek", "cli-group", "--topic", "gt", "--to-offset", "8", ...b]);
    expect((await ok(["consume", "gt", "--group", "cli-group", "--partition", "0", ...b])).split("\n").filter(Boolean)).toEqual(["a8", "a9"]);
    expect((await okJson(["group", "describe", "cli-group", ...b])).offsets.find((o: any) => o.partition === 0).current_offset).toBe(10);

    expect(await okJson(["group", "delete", "cli-group", ...b])).toEqual([{ group_id: "cli-group", error: null }]);
    const gone = await takhin(["group", "describe", "cli-group", ...b]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("GROUP_ID_NOT_FOUND");
    const goneDelete = await takhin(["group", "delete", "cli-group", ...b]);
    expect(goneDelete.code).toBe(1);
    expect(goneDelete.stderr).toContain("GROUP_ID_NOT_FOUND");
  }, 90_000);
});
