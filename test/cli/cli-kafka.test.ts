/**
 * The `takhin` CLI against Apache Kafka 4.4 (peer/kafka), the reference: the same commands and the
 * same JSON as against Takhin — cluster info, the topic commands, produce/consume round-trips in
 * each format, UNKNOWN_TOPIC_OR_PARTITION, and group describe/seek/delete around a kafkajs member.
 * Skipped, with the reason printed, only when Java is absent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { eventually, startMember } from "./member.ts";
import { jsonLines, ok, okJson, takhin } from "./run-cli.ts";

const javaHome = process.env.KAFKA_PEER_JAVA_HOME ?? process.env.JAVA_HOME;
const hasJava = javaHome ? Bun.which("java", { PATH: join(javaHome, "bin") }) !== null : Bun.which("java") !== null;
if (!hasJava) console.warn("test/cli/cli-kafka.test.ts skipped: no java on PATH (nor JAVA_HOME / KAFKA_PEER_JAVA_HOME)");

describe.skipIf(!hasJava)("takhin CLI against Apache Kafka", () => {
  let peer: KafkaPeer;
  let b: string[];
  const dir = mkdtempSync(join(tmpdir(), "takhin-cli-kafka-"));
  beforeAll(async () => {
    peer = await startKafkaPeer({ dataDir: dir, overrides: { "group.initial.rebalance.delay.ms": 0 } });
    b = ["--bootstrap", peer.bootstrap];
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test("cluster info and the topic commands", async () => {
    const info = await okJson(["cluster", "info", ...b]);
    expect(info.cluster_id).toBe(peer.state.clusterId);
    expect(info.brokers.map((x: any) => [x.node_id, x.port, x.fenced])).toEqual([[peer.state.nodes[0]!.nodeId, peer.state.nodes[0]!.port, false]]);
    expect(await okJson(["topic", "create", "kc", "--partitions", "2", "--replicas", "1", "--config", "retention.ms=3600000", ...b])).toEqual([{ name: "kc", error: null, message: null }]);
    const again = await takhin(["topic", "create", "kc", ...b]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("TOPIC_ALREADY_EXISTS");
    const d = await eventually("describe kc", async () => {
      const j = await okJson(["topic", "describe", "kc", ...b]);
      if (j.partitions.some((p: any) => p.leader < 0)) throw new Error("no leader yet");
      return j;
    });
    expect(d.partitions.map((p: any) => [p.partition, p.replicas.length, p.earliest_offset, p.latest_offset])).toEqual([[0, 1, 0, 0], [1, 1, 0, 0]]);
    expect(d.configs.find((c: any) => c.name === "retention.ms")).toMatchObject({ value: "3600000", source: "DYNAMIC_TOPIC_CONFIG" });
    expect((await okJson(["topic", "list", ...b])).find((t: any) => t.name === "kc")).toMatchObject({ partitions: 2, replication_factor: 1, internal: false });
    await ok(["topic", "alter-config", "kc", "--set", "cleanup.policy=compact,delete", "--delete", "retention.ms", ...b]);
    const d2 = await okJson(["topic", "describe", "kc", ...b]);
    expect(d2.configs.find((c: any) => c.name === "cleanup.policy").value).toBe("compact,delete");
    expect(d2.configs.find((c: any) => c.name === "retention.ms").source).not.toBe("DYNAMIC_TOPIC_CONFIG");
    const bad = await takhin(["topic", "alter-config", "kc", "--set", "retention.ms=soon", ...b]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("INVALID_CONFIG");
    for (const args of [["topic", "describe", "nope"], ["topic", "delete", "nope"], ["consume", "nope"]]) {
      const r = await takhin([...args, ...b]);
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
    }
  }, 90_000);

  // kc is compact,delete by now: every record carries a key (Kafka refuses keyless ones there).
  test("produce and consume round-trips in every format", async () => {
    await ok(["produce", "kc", "--partition", "0", "--key", "k", "--header", "h=v", ...b], { stdin: "one\ntwo\n" });
    await ok(["produce", "kc", "--partition", "0", "--format", "json", ...b], { stdin: JSON.stringify({ key: "j", value: "three", headers: { a: "1" } }) + "\n" });
    await ok(["produce", "kc", "--partition", "0", "--format", "base64", "--key", "b", ...b], { stdin: Buffer.from([1, 2, 255]).toString("base64") + "\n" });
    const got = jsonLines(await ok(["consume", "kc", "--partition", "0", "--format", "json", ...b]));
    expect(got.map((g) => [g.offset, g.key, g.value, g.headers])).toEqual([
      [0, "k", "one", [{ key: "h", value: "v" }]],
      [1, "k", "two", [{ key: "h", value: "v" }]],
      [2, "j", "three", [{ key: "a", value: "1" }]],
      [3, "b", Buffer.from([1, 2, 255]).toString("utf8"), []],
    ]);
    expect(await ok(["consume", "kc", "--partition", "0", "--count", "3", ...b])).toBe("one\ntwo\nthree\n");
    expect((await ok(["consume", "kc", "--partition", "0", "--offset", "-1", "--format", "base64", ...b])).trim()).toBe(Buffer.from([1, 2, 255]).toString("base64"));
  }, 60_000);

  test("group describe, seek refused while active, seek, delete", async () => {
    await ok(["topic", "create", "kg", "--partitions", "1", ...b]);
    await eventually("produce to kg", () => ok(["produce", "kg", ...b], { stdin: Array.from({ length: 6 }, (_, i) => `r${i}`).join("\n") }));
    const m = startMember(peer.bootstrap, "kg", "kgroup", 6);
    try {
      expect((await m.ready).ready).toBe(true);
      const d = await okJson(["group", "describe", "kgroup", ...b]);
      expect(d.state).toBe("Stable");
      expect(d.members[0].assignment).toEqual([{ topic: "kg", partition: 0 }]);
      expect((await okJson(["group", "list", ...b])).find((g: any) => g.group_id === "kgroup")).toMatchObject({ state: "Stable", protocol_type: "consumer" });
      const refused = await takhin(["group", "seek", "kgroup", "--to-earliest", ...b, "--topic", "kg"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("NON_EMPTY_GROUP");
    } finally {
      await m.stop();
    }
    await eventually("group kgroup empty", async () => {
      if ((await okJson(["group", "describe", "kgroup", ...b])).state !== "Empty") throw new Error("not empty yet");
    });
    await ok(["group", "seek", "kgroup", "--topic", "kg", "--to-offset", "2", ...b]);
    expect((await okJson(["group", "describe", "kgroup", ...b])).offsets.map((o: any) => [o.partition, o.current_offset, o.log_end_offset, o.lag])).toEqual([[0, 2, 6, 4]]);
    const m2 = startMember(peer.bootstrap, "kg", "kgroup", 4);
    try {
      expect((await m2.ready).offsets["0"]![0]).toBe(2);
    } finally {
      await m2.stop();
    }
    await eventually("group kgroup empty again", async () => {
      if ((await okJson(["group", "describe", "kgroup", ...b])).state !== "Empty") throw new Error("not empty yet");
    });
    expect(await okJson(["group", "delete", "kgroup", ...b])).toEqual([{ group_id: "kgroup", error: null }]);
    const gone = await takhin(["group", "describe", "kgroup", ...b]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("GROUP_ID_NOT_FOUND");
    // Kafka answers DeleteTopics in its own (hash) order, not the request's.
    const deleted = (await okJson(["topic", "delete", "kc", "kg", ...b])) as { name: string; error: string | null; message: string | null }[];
    expect(deleted.sort((x, y) => x.name.localeCompare(y.name))).toEqual([{ name: "kc", error: null, message: null }, { name: "kg", error: null, message: null }]);
  }, 90_000);
});
