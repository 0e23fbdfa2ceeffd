/**
 * Apache Kafka 4.4's command-line tools against an in-process Takhin, each run as
 * `java -cp <peer classpath> <main class> ...` (what bin/kafka-*.sh do): kafka-topics,
 * kafka-configs, kafka-console-producer/consumer with keys and headers, kafka-consumer-groups
 * (list, describe with lag and with a live member, reset-offsets, delete-offsets, delete),
 * kafka-get-offsets, kafka-delete-records, kafka-log-dirs and kafka-verifiable-producer with
 * kafka-verifiable-consumer. Their printed output is parsed and asserted, not only exit codes.
 * The tests share one broker and run in order (each builds on the state the previous one left).
 * TAKHIN_JAVA_TARGET=kafka runs the same file against Apache Kafka (`startKafkaPeer()`), which is
 * how the expected outputs were checked.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startKafkaPeer, type KafkaPeer } from "../../peer/kafka/launcher.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";
import { explain, requireJava, runJava, spawnJava, type JavaRun } from "../java/java.ts";

const TARGET = process.env.TAKHIN_JAVA_TARGET === "kafka" ? "kafka" : "takhin";
const TOOL_TIMEOUT_MS = 60_000;
const T = 300_000; // per test: up to 15 JVM starts, each several seconds when the machine is loaded

const TOPICS = "org.apache.kafka.tools.TopicCommand";
const CONFIGS = "org.apache.kafka.tools.ConfigCommand";
const GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
const PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
const CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
const GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
const DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
const LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
const VPRODUCER = "org.apache.kafka.tools.VerifiableProducer";
const VCONSUMER = "org.apache.kafka.tools.VerifiableConsumer";

let tb: TestBroker | undefined;
let peer: KafkaPeer | undefined;
let peerDir = "";
let bootstrap = "";
let nodeId = -1;
let work = "";
const jvmRuns: { tool: string; ms: number }[] = [];
let deletedGroupDescribe = "";
/** A check Takhin does not pass yet: a failing test on Takhin (the reason says why), a plain test against Kafka. */
const knownGap = (_reason: string) => (TARGET === "takhin" ? test.failing : test);

beforeAll(async () => {
  requireJava();
  work = tempDir("takhin-cli-");
  if (TARGET === "kafka") {
    peerDir = tempDir("takhin-kafka-peer-");
    peer = await startKafkaPeer({ dataDir: peerDir });
    bootstrap = peer.bootstrap;
    nodeId = peer.state.nodes[0]!.nodeId;
  } else {
    tb = await startTestBroker();
    bootstrap = tb.bootstrap;
    nodeId = tb.broker.context.nodeId;
  }
}, 120_000);

afterAll(async () => {
  const total = jvmRuns.reduce((a, r) => a + r.ms, 0);
  console.log(`kafka-cli: ${jvmRuns.length} tool runs, ${total} ms in JVMs (${jvmRuns.map((r) => `${r.tool} ${r.ms}`).join(", ")})`);
  if (tb) {
    await tb.stop();
    removeDir(tb.dataDir);
  }
  if (peer) {
    await peer.stop();
    rmSync(peerDir, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
});

/** Lines the tools print that say nothing about the broker (logging fallback, deprecation and KIP-848 notices). */
const NOISE = /^(SLF4J: |The consumer rebalance protocol \(KIP-848\))/;

/** Runs a tool and returns its output lines (stdout and stderr kept apart, noise dropped). */
async function tool(main: string, args: string[], opts: { stdin?: string; expectExit?: number } = {}): Promise<{ out: string[]; err: string[]; run: JavaRun }> {
  const run = await runJava(main, ["--bootstrap-server", bootstrap, ...args], { stdin: opts.stdin, timeoutMs: TOOL_TIMEOUT_MS });
  jvmRuns.push({ tool: main.split(".").pop()!, ms: run.ms });
  if (run.timedOut || run.exitCode !== (opts.expectExit ?? 0)) throw new Error(`expected exit ${opts.expectExit ?? 0}: ${explain(run)}`);
  const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "" && !NOISE.test(l));
  return { out: lines(run.stdout), err: lines(run.stderr), run };
}

/** Parses a whitespace-aligned table (header line first) into rows keyed by the header's column names. */
function table(lines: string[], firstColumn: string): Record<string, string>[] {
  const start = lines.findIndex((l) => l.trim().startsWith(firstColumn));
  if (start < 0) throw new Error(`no table with column ${firstColumn} in:\n${lines.join("\n")}`);
  const cols = lines[start]!.trim().split(/\s+/);
  const rows: Record<string, string>[] = [];
  for (const l of lines.slice(start + 1)) {
    const cells = l.trim().split(/\s+/);
    if (cells.length !== cols.length) break;
    rows.push(Object.fromEntries(cols.map((c, i) => [c, cells[i]!])));
  }
  return rows;
}

const byPartition = (rows: Record<string, string>[]) => [...rows].sort((a, b) => Number(a.PARTITION) - Number(b.PARTITION));

/** "topic:partition:offset" lines of GetOffsetShell as {partition: offset}. */
async function offsets(topic: string, time: string): Promise<Record<string, number>> {
  const { out } = await tool(GET_OFFSETS, ["--topic", topic, "--time", time]);
  const m: Record<string, number> = {};
  for (const l of out) {
    const [t, p, o] = l.split(":");
    expect(t).toBe(topic);
    m[p!] = Number(o);
  }
  return m;
}

describe(`Kafka 4.4 command-line tools against ${TARGET}`, () => {
  const topic = "cli-orders";
  const group = "cli-group";

  test("kafka-topics: create, list, describe, alter partitions, create-existing refused, delete", async () => {
    expect((await tool(TOPICS, ["--create", "--topic", topic, "--partitions", "2", "--config", "retention.ms=3600000"])).out).toEqual([`Created topic ${topic}.`]);
    expect((await tool(TOPICS, ["--create", "--topic", "cli-doomed", "--partitions", "1"])).out).toEqual(["Created topic cli-doomed."]);

    const describe1 = (await tool(TOPICS, ["--describe", "--topic", topic])).out;
    expect(describe1[0]).toMatch(new RegExp(`^Topic: ${topic}\\tTopicId: [A-Za-z0-9_-]{22}\\tPartitionCount: 2\\tReplicationFactor: 1\\tConfigs: `));
    // "Configs:" lists every non-default value: the peer's static broker settings too, on Kafka.
    const shown = describe1[0]!.split("Configs: ")[1]!.split(",");
    expect(shown).toContain("retention.ms=3600000");
    if (TARGET === "takhin") expect(shown).toEqual(["retention.ms=3600000"]);
    expect(describe1.slice(1).map((l) => l.trim().split("\t").slice(0, 5))).toEqual(
      [0, 1].map((p) => [`Topic: ${topic}`, `Partition: ${p}`, `Leader: ${nodeId}`, `Replicas: ${nodeId}`, `Isr: ${nodeId}`]),
    );

    expect((await tool(TOPICS, ["--alter", "--topic", topic, "--partitions", "3"])).out).toEqual([]);
    const describe2 = (await tool(TOPICS, ["--describe", "--topic", topic])).out;
    expect(describe2[0]).toContain("\tPartitionCount: 3\t");
    expect(describe2).toHaveLength(4);

    const again = await tool(TOPICS, ["--create", "--topic", topic, "--partitions", "1"], { expectExit: 1 });
    expect([...again.out, ...again.err].join("\n")).toContain(`Error while executing topic command : Topic '${topic}' already exists.`);

    expect((await tool(TOPICS, ["--delete", "--topic", "cli-doomed"])).out).toEqual([]);
    const listed = (await tool(TOPICS, ["--list"])).out;
    expect(listed).toContain(topic);
    expect(listed).not.toContain("cli-doomed");
  }, T);

  test("kafka-configs: describe and alter topic configs, describe a broker", async () => {
    const first = (await tool(CONFIGS, ["--describe", "--entity-type", "topics", "--entity-name", topic])).out;
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(`Dynamic configs for topic ${topic} are:`);
    // As Kafka 4.4: no DEFAULT_CONFIG synonym for retention.ms (log.retention.ms has no default).
    expect(first[1]).toBe("  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000}");
    const alter = ["--alter", "--entity-type", "topics", "--entity-name", topic, "--add-config", "retention.ms=7200000,max.message.bytes=2000000,cleanup.policy=[compact,delete]"];
    expect((await tool(CONFIGS, alter)).out).toEqual([`Completed updating config for topic ${topic}.`]);
    expect((await tool(CONFIGS, ["--alter", "--entity-type", "topics", "--entity-name", topic, "--delete-config", "max.message.bytes"])).out).toEqual([
      `Completed updating config for topic ${topic}.`,
    ]);
    const dynamic = (await tool(CONFIGS, ["--describe", "--entity-type", "topics", "--entity-name", topic])).out;
    expect(dynamic[0]).toBe(`Dynamic configs for topic ${topic} are:`);
    expect(dynamic.slice(1).map((l) => l.trim().split(" ")[0]).sort()).toEqual(["cleanup.policy=compact,delete", "retention.ms=7200000"]);

    const all = (await tool(CONFIGS, ["--describe", "--entity-type", "topics", "--entity-name", topic, "--all"])).out;
    expect(all[0]).toBe(`All configs for topic ${topic} are:`);
    const entry = (name: string) => all.find((l) => l.trim().startsWith(`${name}=`))?.trim();
    expect(entry("max.message.bytes")).toMatch(/^max\.message\.bytes=\d+ sensitive=false synonyms=\{.*DEFAULT_CONFIG:message\.max\.bytes=\d+\}$/);
    expect(entry("retention.ms")).toStartWith("retention.ms=7200000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=7200000");
    expect(entry("compression.type")).toBe("compression.type=producer sensitive=false synonyms={DEFAULT_CONFIG:compression.type=producer}");

    const broker = (await tool(CONFIGS, ["--describe", "--entity-type", "brokers", "--entity-name", String(nodeId), "--all"])).out;
    expect(broker[0]).toBe(`All configs for broker ${nodeId} are:`);
    expect(broker.find((l) => l.trim().startsWith("num.partitions="))?.trim()).toMatch(/^num\.partitions=1 sensitive=false synonyms=\{/);
    expect(broker.find((l) => l.trim().startsWith("log.retention.hours="))?.trim()).toMatch(/^log\.retention\.hours=168 /);
    expect((await tool(CONFIGS, ["--describe", "--entity-type", "brokers", "--entity-name", String(nodeId)])).out).toEqual([`Dynamic configs for broker ${nodeId} are:`]);
  }, T);

  test("kafka-console-producer and kafka-console-consumer: keys and headers round-trip; the consumer's group commits", async () => {
    // Line grammar with parse.headers and parse.key: headers TAB key TAB value; headers "k:v,k:v".
    const lines = ["h1:v1,h2:v2\talpha\tfirst", "trace:abc\tbeta\tsecond", "h1:x\tgamma\tthird", "h9:9\tdelta\tfourth", "h1:y\tepsilon\tfifth", "h1:z\tzeta\tsixth"];
    const produced = await tool(PRODUCER, ["--topic", topic, "--reader-property", "parse.key=true", "--reader-property", "parse.headers=true"], { stdin: lines.join("\n") + "\n" });
    expect(produced.out).toEqual([]);

    const consumed = await tool(CONSUMER, [
      "--topic", topic, "--from-beginning", "--max-messages", "6", "--timeout-ms", "20000", "--group", group,
      "--formatter-property", "print.key=true", "--formatter-property", "print.headers=true",
      "--formatter-property", "print.partition=true", "--formatter-property", "print.offset=true",
    ]);
    expect(consumed.err).toContain("Processed a total of 6 messages");
    const rows = consumed.out.map((l) => {
      const [p, o, headers, key, value] = l.split("\t");
      return { p: Number(p!.replace("Partition:", "")), o: Number(o!.replace("Offset:", "")), headers, key, value };
    });
    expect(rows.map((r) => `${r.headers}\t${r.key}\t${r.value}`).sort()).toEqual([...lines].sort());
    // Offsets within each partition are 0, 1, 2, ... in the order the consumer printed them.
    for (const p of [0, 1, 2]) {
      const os = rows.filter((r) => r.p === p).map((r) => r.o);
      expect(os).toEqual(os.map((_, i) => i));
    }
  }, T);

  test("kafka-consumer-groups: list, describe with lag, reset-offsets (earliest, latest, shift-by, datetime), delete-offsets, delete", async () => {
    const end = await offsets(topic, "-1");
    expect(Object.values(end).reduce((a, b) => a + b, 0)).toBe(6);
    // Three more records after the group's commit: lag 3 in total.
    await tool(PRODUCER, ["--topic", topic, "--reader-property", "parse.key=true"], { stdin: "k7\tv7\nk8\tv8\nk9\tv9\n" });
    const end2 = await offsets(topic, "-1");

    expect((await tool(GROUPS, ["--list"])).out).toContain(group);
    const listedState = table((await tool(GROUPS, ["--list", "--state"])).out, "GROUP").find((r) => r.GROUP === group);
    expect(listedState).toEqual({ GROUP: group, STATE: "Empty" });

    const described = await tool(GROUPS, ["--describe", "--group", group]);
    expect([...described.out, ...described.err]).toContain(`Consumer group '${group}' has no active members.`);
    const rows = byPartition(table(described.out, "GROUP"));
    expect(rows.map((r) => [r.TOPIC, r.PARTITION, r["CURRENT-OFFSET"], r["LOG-END-OFFSET"], r.LAG, r["CONSUMER-ID"]])).toEqual(
      [0, 1, 2].map((p) => [topic, String(p), String(end[p]), String(end2[p]), String(end2[p]! - end[p]!), "-"]),
    );

    const reset = async (...how: string[]) => {
      const { out } = await tool(GROUPS, ["--reset-offsets", "--group", group, "--topic", topic, ...how, "--execute"]);
      return Object.fromEntries(table(out, "GROUP").map((r) => [r.PARTITION, Number(r["NEW-OFFSET"])]));
    };
    const committed = async () => Object.fromEntries(table((await tool(GROUPS, ["--describe", "--group", group])).out, "GROUP").map((r) => [r.PARTITION, Number(r["CURRENT-OFFSET"])]));
    expect(await reset("--to-earliest")).toEqual({ "0": 0, "1": 0, "2": 0 });
    expect(await committed()).toEqual({ "0": 0, "1": 0, "2": 0 });
    const latest = Object.fromEntries(Object.entries(end2).map(([p, o]) => [p, o]));
    expect(await reset("--to-latest")).toEqual(latest);
    // Shift the fullest partition (nine records by key hash: at least three there) back by one.
    const full = Object.entries(end2).sort((a, b) => b[1] - a[1])[0]![0];
    const { out: shifted } = await tool(GROUPS, ["--reset-offsets", "--group", group, "--topic", `${topic}:${full}`, "--shift-by", "-1", "--execute"]);
    expect(table(shifted, "GROUP").map((r) => [r.PARTITION, Number(r["NEW-OFFSET"])])).toEqual([[full, end2[full]! - 1]]);
    expect(await committed()).toEqual({ ...latest, [full]: end2[full]! - 1 });
    // Every record is younger than 2020: the first offset at or after that time is each partition's start.
    expect(await reset("--to-datetime", "2020-01-01T00:00:00.000")).toEqual({ "0": 0, "1": 0, "2": 0 });

    const delOffsets = await tool(GROUPS, ["--delete-offsets", "--group", group, "--topic", topic]);
    expect(delOffsets.out[0]).toBe(`Request succeeded for deleting offsets from group ${group}.`);
    expect(table(delOffsets.out, "TOPIC").map((r) => [r.TOPIC, r.PARTITION, r.STATUS])).toEqual([0, 1, 2].map((p) => [topic, String(p), "Successful"]).sort());
    const afterDelete = await tool(GROUPS, ["--describe", "--group", group]);
    // No committed offsets and no members left: nothing to list for the topic.
    expect(afterDelete.out.filter((l) => l.includes(topic))).toEqual([]);
    expect(afterDelete.err).toContain(`Consumer group '${group}' has no active members.`);

    expect((await tool(GROUPS, ["--delete", "--group", group])).out).toEqual([`Deletion of requested consumer groups ('${group}') was successful.`]);
    expect((await tool(GROUPS, ["--list"])).out).not.toContain(group);
    const missing = await tool(GROUPS, ["--describe", "--group", group], { expectExit: 0 });
    deletedGroupDescribe = [...missing.out, ...missing.err].join("\n");
    expect(deletedGroupDescribe).toStartWith("Error: ");
  }, T);

  // Kafka 4.4 answers the describe of a deleted group with GROUP_ID_NOT_FOUND (ConsumerGroupDescribe
  // API 69 / DescribeGroups v6), so the tool fails with GroupIdNotFoundException; Takhin serves
  // DescribeGroups up to v5 and answers state Dead, which the tool prints as "does not exist".
  knownGap("DescribeGroups v6 / ConsumerGroupDescribe (69) not served: a deleted group is Dead, not GROUP_ID_NOT_FOUND")(
    "kafka-consumer-groups: describing a deleted group fails with GroupIdNotFoundException as on Kafka",
    () => {
      expect(deletedGroupDescribe).toStartWith(
        `Error: Executing consumer group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: Group ${group} not found.`,
      );
    },
  );

  test("kafka-get-offsets and kafka-delete-records: the low watermark moves and get-offsets sees it", async () => {
    const latest = await offsets(topic, "latest");
    expect(await offsets(topic, "-2")).toEqual({ "0": 0, "1": 0, "2": 0 });
    const target = Object.entries(latest).find(([, o]) => o >= 2)!;
    const file = join(work, "delete.json");
    writeFileSync(file, JSON.stringify({ partitions: [{ topic, partition: Number(target[0]), offset: 1 }], version: 1 }));
    const { out } = await tool(DELETE_RECORDS, ["--offset-json-file", file]);
    expect(out).toEqual(["Executing records delete operation", "Records delete operation completed:", `partition: ${topic}-${target[0]}\tlow_watermark: 1`]);
    expect(await offsets(topic, "earliest")).toEqual({ "0": 0, "1": 0, "2": 0, [target[0]]: 1 });
    expect(await offsets(topic, "latest")).toEqual(latest);
  }, T);

  test("kafka-log-dirs: one log dir with every partition of the topic and its size", async () => {
    const { out } = await tool(LOG_DIRS, ["--describe", "--topic-list", topic]);
    expect(out.slice(0, 2)).toEqual(["Querying brokers for log directories information", `Received log directory information from brokers ${nodeId}`]);
    const json = JSON.parse(out[2]!);
    expect(json.version).toBe(1);
    expect(json.brokers).toHaveLength(1);
    expect(json.brokers[0].broker).toBe(nodeId);
    const dir = json.brokers[0].logDirs[0];
    expect(dir.error).toBeNull();
    if (tb) expect(dir.logDir).toBe(tb.dataDir);
    const parts = [...dir.partitions].sort((a: any, b: any) => a.partition.localeCompare(b.partition));
    expect(parts.map((p: any) => [p.partition, p.offsetLag, p.isFuture])).toEqual([0, 1, 2].map((p) => [`${topic}-${p}`, 0, false]));
    // Six records were spread over three partitions by key hash, one of them then partly deleted.
    for (const p of parts) expect(p.size).toBeGreaterThanOrEqual(0);
    expect(parts.reduce((a: number, p: any) => a + p.size, 0)).toBeGreaterThan(0);
  }, T);

  test("kafka-verifiable-producer and kafka-verifiable-consumer: every acknowledged record is consumed; a live member shows in describe", async () => {
    const vtopic = "cli-verifiable";
    const vgroup = "cli-verifiable-group";
    await tool(TOPICS, ["--create", "--topic", vtopic, "--partitions", "3"]);
    const count = 600;
    const { out } = await tool(VPRODUCER, ["--topic", vtopic, "--max-messages", String(count), "--acks", "-1", "--value-prefix", "7", "--repeating-keys", "30"]);
    const events = out.map((l) => JSON.parse(l));
    const acked = events.filter((e) => e.name === "producer_send_success").map((e) => `${e.partition}:${e.offset}:${e.value}`);
    expect(events.filter((e) => e.name === "producer_send_error")).toEqual([]);
    expect(acked).toHaveLength(count);
    expect(events.at(-1)).toMatchObject({ name: "tool_data", sent: count, acked: count });

    // The consumer runs until stopped, so its group has a live member while we describe it.
    const vc = spawnJava(VCONSUMER, ["--bootstrap-server", bootstrap, "--topic", vtopic, "--group-id", vgroup, "--verbose", "--session-timeout", "10000"]);
    try {
      const consumedOf = () => vc.lines.filter((l) => l.includes('"record_data"')).length;
      await vc.waitLine((l) => l.includes('"partitions_assigned"'), 60_000);
      const deadline = Date.now() + 60_000;
      while (consumedOf() < count && Date.now() < deadline) await Bun.sleep(200);
      await vc.waitLine((l) => l.includes('"offsets_committed"'), 30_000);
      // The verifiable consumer commits after each batch: wait for the commit that covers everything.
      const latest = await offsets(vtopic, "-1");
      expect(Object.values(latest).every((o) => o > 0)).toBe(true); // 30 repeating keys reach every partition
      const live = async () => byPartition(table((await tool(GROUPS, ["--describe", "--group", vgroup])).out, "GROUP"));
      let rows = await live();
      for (let i = 0; i < 10 && rows.some((r) => r.LAG !== "0"); i++) {
        await Bun.sleep(500);
        rows = await live();
      }
      expect(rows.map((r) => [r.PARTITION, r["CURRENT-OFFSET"], r["LOG-END-OFFSET"], r.LAG])).toEqual([0, 1, 2].map((p) => [String(p), String(latest[p]), String(latest[p]), "0"]));
      for (const r of rows) {
        expect(r["CONSUMER-ID"]).toStartWith("consumer-");
        expect(r.HOST).toStartWith("/127.0.0.1");
      }
      const members = table((await tool(GROUPS, ["--describe", "--group", vgroup, "--members"])).out, "GROUP");
      expect(members).toHaveLength(1);
      expect(members[0]!["#PARTITIONS"]).toBe("3");
      const state = (await tool(GROUPS, ["--describe", "--group", vgroup, "--state"])).out;
      const st = table(state, "GROUP")[0]!;
      expect([st.GROUP, st["ASSIGNMENT-STRATEGY"], st.STATE, st["#MEMBERS"]]).toEqual([vgroup, "range", "Stable", "1"]);
    } finally {
      await vc.stop();
    }
    const consumed = new Set(
      vc.lines.filter((l) => l.includes('"record_data"')).map((l) => {
        const e = JSON.parse(l);
        return `${e.partition}:${e.offset}:${e.value}`;
      }),
    );
    expect(acked.filter((a) => !consumed.has(a))).toEqual([]);
    expect(consumed.size).toBe(count);
    expect(vc.lines.some((l) => l.includes('"partitions_revoked"'))).toBe(true);
  }, T);
});
