/**
 * The admin clients' group APIs through real clients, against an in-process broker: kafkajs admin
 * (listGroups, describeGroups, fetchOffsets, resetOffsets, setOffsets, deleteGroups),
 * confluent-kafka-python AdminClient.list_groups and kafka-python KafkaAdminClient
 * (list_consumer_groups, describe_consumer_groups, list_consumer_group_offsets). Each script first
 * runs a consumer of its group so there is a Stable group with committed offsets to look at.
 * The group API versions each client used are printed at the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { removeDir, type TestBroker } from "../helpers/broker.ts";
import { NODE, PYTHON, runClient, SCRIPTS_DIR, type RunResult } from "./clients.ts";
import { formatApiVersions, recordGroupApiVersions, startGroupBroker } from "./scripts/groups-harness.ts";

const CLIENT_TIMEOUT_MS = 60_000;
const PARTITIONS = 6;
const PER_PARTITION = 10;
const TOTAL = PARTITIONS * PER_PARTITION;

let tb: TestBroker;
let apiVersions: ReturnType<typeof recordGroupApiVersions>;
beforeAll(async () => {
  tb = await startGroupBroker({ initialRebalanceDelayMs: 100 });
  apiVersions = recordGroupApiVersions(tb.broker);
});
afterAll(async () => {
  console.log(`group API versions used, by client:\n${formatApiVersions(apiVersions)}`);
  await tb.stop();
  removeDir(tb.dataDir);
});

function topicWithRecords(name: string): void {
  tb.broker.context.topics.create(name, PARTITIONS);
  const enc = new TextEncoder();
  for (let p = 0; p < PARTITIONS; p++) {
    const records = Array.from({ length: PER_PARTITION }, (_, i) => ({ key: null, value: enc.encode(`v${p}-${i}`) }));
    expect(tb.broker.context.partitions.get(name, p)!.appendProduced(buildRecordBatch({ records }), Date.now()).errorCode).toBe(0);
  }
}

function json(r: RunResult): any {
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (r.timedOut || !line) throw new Error(`client failed (exit ${r.exitCode}, timedOut ${r.timedOut})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-3000)}`);
  return JSON.parse(line);
}

const atEnd = [...Array(PARTITIONS).keys()].map((p) => [p, PER_PARTITION]);
const coordinator = () => tb.broker.context.groups.coordinator;

describe("admin group APIs through real clients", () => {
  test("kafkajs 2.2.4: listGroups, describeGroups, fetchOffsets, resetOffsets, setOffsets, deleteGroups", async () => {
    topicWithRecords("adm-kafkajs");
    const out = json(await runClient([NODE, join(SCRIPTS_DIR, "groups-admin-kafkajs.mjs"), tb.bootstrap, "adm-kafkajs", "ga-kafkajs", String(TOTAL)], CLIENT_TIMEOUT_MS));
    console.log(`kafkajs admin: ${JSON.stringify(out)}`);
    expect(out.listedWhileRunning).toEqual([{ groupId: "ga-kafkajs", protocolType: "consumer" }]);
    expect(out.running).toMatchObject({ state: "Stable", protocolType: "consumer", members: [{ clientId: "takhin-groups-admin-kafkajs", hasAssignment: true }] });
    expect(out.running.protocol).not.toBe("");
    expect(out.emptyState).toBe("Empty");
    expect(out.committed).toEqual(atEnd);
    // kafkajs commits the EARLIEST sentinel (-2) itself, and the broker hands it back as Kafka does
    // (kafkajs issue #205: fetchOffsets "might return -1 or -2"); its consumers read that as "from the beginning".
    expect(out.afterReset).toEqual(atEnd.map(([p]) => [p, -2]));
    expect(out.afterSet).toEqual(atEnd.map(([p]) => [p, p === 0 ? 5 : p === 1 ? 7 : -2]));
    expect(out.listedAfterDelete).toEqual([]);
    expect(out.afterDelete).toEqual(atEnd.map(([p]) => [p, -1]));
    expect(out.describedAfterDelete).toBe("Dead");
    expect(coordinator().get("ga-kafkajs")).toBeUndefined();
    expect(coordinator().offsets.hasGroup("ga-kafkajs")).toBe(false);
  }, CLIENT_TIMEOUT_MS + 5000);

  test("confluent-kafka-python 1.7.0: AdminClient.list_groups shows the running group Stable with its member, then Empty", async () => {
    topicWithRecords("adm-confluent");
    const out = json(await runClient([PYTHON, join(SCRIPTS_DIR, "groups-admin-confluent.py"), tb.bootstrap, "adm-confluent", "ga-confluent", String(TOTAL)], CLIENT_TIMEOUT_MS));
    console.log(`confluent admin: ${JSON.stringify(out)}`);
    expect(out.read).toBe(TOTAL);
    for (const view of [out.all, out.running]) {
      expect(view).toHaveLength(1);
      expect(view[0]).toMatchObject({ id: "ga-confluent", state: "Stable", protocol_type: "consumer", error: null });
      expect(view[0].members).toHaveLength(1);
      expect(view[0].members[0].client_id).toBe("takhin-groups-admin-confluent-consumer");
      expect(view[0].members[0].assignment_bytes).toBeGreaterThan(0);
    }
    expect(out.closed).toEqual([{ id: "ga-confluent", state: "Empty", protocol_type: "consumer", protocol: "", members: [], error: null }]);
    for (let p = 0; p < PARTITIONS; p++) expect(coordinator().offsets.get("ga-confluent", "adm-confluent", p)?.offset).toBe(BigInt(PER_PARTITION));
  }, CLIENT_TIMEOUT_MS + 5000);

  test("kafka-python 2.0.2: list_consumer_groups, describe_consumer_groups, list_consumer_group_offsets", async () => {
    topicWithRecords("adm-kafka-python");
    const out = json(await runClient([PYTHON, join(SCRIPTS_DIR, "groups-admin-kafka-python.py"), tb.bootstrap, "adm-kafka-python", "ga-kafka-python", String(TOTAL)], CLIENT_TIMEOUT_MS));
    console.log(`kafka-python admin: ${JSON.stringify(out)}`);
    expect(out.read).toBe(TOTAL);
    expect(out.listed).toEqual([["ga-kafka-python", "consumer"]]);
    expect(out.running).toMatchObject({ error_code: 0, group: "ga-kafka-python", state: "Stable", protocol_type: "consumer" });
    expect(out.running.members).toEqual([{ client_id: "takhin-groups-admin-kafka-python-consumer", topics: ["adm-kafka-python"], partitions: [0, 1, 2, 3, 4, 5] }]);
    expect(out.offsets).toEqual(atEnd);
    expect(out.closed).toMatchObject({ error_code: 0, group: "ga-kafka-python", state: "Empty", members: [] });
    expect(out.offsetsAfterClose).toEqual(atEnd);
  }, CLIENT_TIMEOUT_MS + 5000);
});
