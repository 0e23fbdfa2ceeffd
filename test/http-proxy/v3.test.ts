/**
 * Confluent REST Proxy API v3: the reference's requests (clusters, brokers, topics create / list /
 * get / delete, partitions, topic configs, consumer groups with consumers and lag, produce records)
 * as printed, answers asserted; the streaming produce (concatenated JSON records in one chunked
 * request, one report per record in order); records read back byte-exact by kcat.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { removeDir } from "../helpers/broker.ts";
import { call, kafkaOf, startProxyBroker, type ProxyBroker } from "./helpers.ts";

let b: ProxyBroker;
let cid = "";
let v3 = "";
const J = { "Content-Type": "application/json" };

beforeAll(async () => {
  b = await startProxyBroker({ schemaRegistryPort: 0 });
  cid = b.broker.context.clusterId;
  v3 = `${b.url}/v3/clusters/${cid}`;
}, 60_000);

afterAll(async () => {
  await b?.stop();
  if (b) removeDir(b.dataDir);
});

async function kcatRead(topic: string, partition: number, count: number, format: string): Promise<string> {
  const p = Bun.spawn(["kcat", "-C", "-b", b.bootstrap, "-t", topic, "-p", String(partition), "-o", "beginning", "-c", String(count), "-e", "-q", "-f", format], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => p.kill(), 30_000);
  const out = await new Response(p.stdout).text();
  await p.exited;
  clearTimeout(killer);
  return out;
}

describe("cluster, brokers, topics", () => {
  test("GET /v3/clusters and /v3/clusters/{id}", async () => {
    const r = await call(`${b.url}/v3/clusters`);
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/json");
    expect(r.body).toMatchObject({ kind: "KafkaClusterList", metadata: { self: `${b.url}/v3/clusters`, next: null } });
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0]).toMatchObject({ kind: "KafkaCluster", cluster_id: cid, metadata: { self: v3, resource_name: `crn:///kafka=${cid}` }, controller: { related: `${v3}/brokers/${b.broker.context.nodeId}` }, topics: { related: `${v3}/topics` }, brokers: { related: `${v3}/brokers` }, consumer_groups: { related: `${v3}/consumer-groups` } });
    expect((await call(v3)).body).toEqual(r.body.data[0]);
    expect(await call(`${b.url}/v3/clusters/nope`)).toMatchObject({ status: 404, body: { error_code: 404 } });
  });

  test("GET brokers", async () => {
    const r = await call(`${v3}/brokers`);
    expect(r.status).toBe(200);
    const id = b.broker.context.nodeId;
    expect(r.body.data).toEqual([{ kind: "KafkaBroker", metadata: { self: `${v3}/brokers/${id}`, resource_name: `crn:///kafka=${cid}/broker=${id}` }, cluster_id: cid, broker_id: id, host: "127.0.0.1", port: b.port, rack: null, configs: { related: `${v3}/brokers/${id}/configs` }, partition_replicas: { related: `${v3}/brokers/${id}/partition-replicas` } }]);
    expect((await call(`${v3}/brokers/${id}`)).body).toEqual(r.body.data[0]);
  });

  test("create a topic (the reference's body), list, get, partitions, configs, alter a config, delete", async () => {
    const created = await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "topic-X", partitions_count: 4, replication_factor: 1, configs: [{ name: "cleanup.policy", value: "compact" }, { name: "compression.type", value: "gzip" }] }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: "KafkaTopic", cluster_id: cid, topic_name: "topic-X", is_internal: false, replication_factor: 1, partitions_count: 4, partitions: { related: `${v3}/topics/topic-X/partitions` }, configs: { related: `${v3}/topics/topic-X/configs` } });
    expect(await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "topic-X", partitions_count: 1 }) })).toMatchObject({ status: 400, body: { error_code: 40002 } });
    const listed = await call(`${v3}/topics`);
    expect(listed.body.kind).toBe("KafkaTopicList");
    expect(listed.body.data.map((t: { topic_name: string }) => t.topic_name)).toContain("topic-X");
    expect((await call(`${v3}/topics/topic-X`)).body).toEqual(created.body);
    const parts = await call(`${v3}/topics/topic-X/partitions`);
    expect(parts.body.data.map((p: { partition_id: number }) => p.partition_id)).toEqual([0, 1, 2, 3]);
    expect((await call(`${v3}/topics/topic-X/partitions/2`)).body).toMatchObject({ kind: "KafkaPartition", topic_name: "topic-X", partition_id: 2, leader: { related: `${v3}/topics/topic-X/partitions/2/replicas/${b.broker.context.nodeId}` } });
    const configs = await call(`${v3}/topics/topic-X/configs`);
    expect(configs.body.kind).toBe("KafkaTopicConfigList");
    const cp = configs.body.data.find((x: { name: string }) => x.name === "cleanup.policy");
    expect(cp).toMatchObject({ kind: "KafkaTopicConfig", cluster_id: cid, topic_name: "topic-X", name: "cleanup.policy", value: "compact", is_default: false, is_read_only: false, is_sensitive: false, source: "DYNAMIC_TOPIC_CONFIG" });
    const retention = configs.body.data.find((x: { name: string }) => x.name === "retention.ms");
    expect(retention).toMatchObject({ is_default: true, source: "DEFAULT_CONFIG" });
    expect((await fetch(`${v3}/topics/topic-X/configs/retention.ms`, { method: "PUT", headers: J, body: JSON.stringify({ value: "86400000" }) })).status).toBe(204);
    expect((await call(`${v3}/topics/topic-X/configs/retention.ms`)).body).toMatchObject({ name: "retention.ms", value: "86400000", is_default: false });
    expect((await fetch(`${v3}/topics/topic-X/configs/retention.ms`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`${v3}/topics/topic-X/configs/retention.ms`)).body).toMatchObject({ is_default: true });
    expect((await fetch(`${v3}/topics/topic-X`, { method: "DELETE" })).status).toBe(204);
    expect(await call(`${v3}/topics/topic-X`)).toMatchObject({ status: 404, body: { error_code: 404 } });
  });
});

describe("produce records", () => {
  test("the reference's records: BINARY key with JSON value, STRING, a partition and headers; kcat reads them", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-records", partitions_count: 1 }) });
    const r = await call(`${v3}/topics/v3-records/records`, { method: "POST", headers: J, body: JSON.stringify({ partition_id: 0, headers: [{ name: "Header-1", value: "SGVhZGVyLTE=" }], key: { type: "BINARY", data: "Zm9vYmFy" }, value: { type: "JSON", data: { foo: "bar" } }, timestamp: "2021-02-05T19:14:42Z" }) });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ error_code: 200, cluster_id: cid, topic_name: "v3-records", partition_id: 0, offset: 0, timestamp: "2021-02-05T19:14:42.000Z", key: { type: "BINARY", size: 6 }, value: { type: "JSON", size: 13 } });
    const s = await call(`${v3}/topics/v3-records/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { type: "STRING", data: "hello" } }) });
    expect(s.body).toMatchObject({ error_code: 200, offset: 1, value: { type: "STRING", size: 5 } });
    expect(s.body.key).toBeUndefined();
    expect(await kcatRead("v3-records", 0, 2, "%k|%s|%h|%T\\n")).toBe(`foobar|{"foo":"bar"}|Header-1=Header-1|${Date.parse("2021-02-05T19:14:42Z")}\n|hello||${Date.parse(s.body.timestamp)}\n`);
  });

  test("AVRO with an inline schema, then by schema_id and by subject (latest)", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-avro", partitions_count: 1 }) });
    const schema = JSON.stringify({ type: "record", name: "R", fields: [{ name: "n", type: "int" }] });
    const first = await call(`${v3}/topics/v3-avro/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { type: "AVRO", schema, data: { n: 7 } } }) });
    expect(first).toMatchObject({ status: 200, body: { error_code: 200, value: { type: "AVRO", size: 6 } } });
    const sr = b.broker.services.get<import("../../src/schema-registry/service.ts").SchemaRegistryService>("schema-registry")!;
    const id = sr.registry!.version("v3-avro-value", "latest", false).id;
    expect((await call(`${v3}/topics/v3-avro/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { schema_id: id, data: { n: 8 } } }) })).body).toMatchObject({ error_code: 200, value: { type: "AVRO" } });
    expect((await call(`${v3}/topics/v3-avro/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { data: { n: 9 }, subject: "v3-avro-value" } }) })).body).toMatchObject({ error_code: 200, offset: 2 });
    expect(await call(`${v3}/topics/v3-avro/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { schema_id: id, data: { n: "x" } } }) })).toMatchObject({ status: 422, body: { error_code: 42203 } });
  });

  test("streaming mode: concatenated records in one chunked request, one report each, in order", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-stream", partitions_count: 2 }) });
    const records = Array.from({ length: 50 }, (_, i) => JSON.stringify({ partition_id: i % 2, value: { type: "JSON", data: { i } } }));
    // One bad record in the middle: its report says so, the rest go on.
    records[25] = JSON.stringify({ partition_id: 9, value: { type: "JSON", data: 1 } });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const text = records.slice(0, 10).join("\n") + "\n" + records.slice(10).join(" ");
        // Chunks that split records anywhere.
        for (let i = 0; i < text.length; i += 97) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 97)));
        controller.close();
      },
    });
    const r = await fetch(`${v3}/topics/v3-stream/records`, { method: "POST", headers: { ...J, "Transfer-Encoding": "chunked" }, body, duplex: "half" } as RequestInit);
    expect(r.status).toBe(200);
    const text = await r.text();
    const reports = text.replace(/}\s*{/g, "}\n{").split("\n").map((l) => JSON.parse(l));
    expect(reports).toHaveLength(50);
    reports.forEach((rep, i) => {
      if (i === 25) expect(rep).toMatchObject({ error_code: 404 });
      else expect(rep).toMatchObject({ error_code: 200, topic_name: "v3-stream", partition_id: i % 2 });
    });
    const offsets0 = reports.filter((x, i) => i !== 25 && i % 2 === 0).map((x) => x.offset);
    expect(offsets0).toEqual(offsets0.map((_, i) => i));
    const read = (await kcatRead("v3-stream", 1, 24, "%s\\n")).trim().split("\n").map((l) => JSON.parse(l).i);
    expect(read).toEqual(Array.from({ length: 25 }, (_, k) => 2 * k + 1).filter((i) => i !== 25));
  });

  test("streaming mode is full duplex: each record's report arrives before the next record is sent", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-duplex", partitions_count: 1 }) });
    const { connect } = await import("node:net");
    const sock = connect(Number(new URL(b.url).port), "127.0.0.1");
    let got = "";
    sock.on("data", (d) => (got += d.toString()));
    await new Promise((r) => sock.on("connect", r));
    try {
      sock.write(`POST /v3/clusters/${cid}/topics/v3-duplex/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = (text: string) => sock.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
      for (let i = 0; i < 5; i++) {
        chunk(JSON.stringify({ value: { type: "JSON", data: { i } } }));
        // The request is still open: the report for record i must come on its own.
        for (let w = 0; w < 500 && !got.includes(`"offset":${i},`); w++) await Bun.sleep(20);
        expect(got).toContain(`"offset":${i},`);
      }
      sock.write("0\r\n\r\n");
      for (let w = 0; w < 250 && !/\r\n0\r\n\r\n$/.test(got); w++) await Bun.sleep(20);
      expect(got.startsWith("HTTP/1.1 200")).toBe(true);
      expect(got).toMatch(/\r\n0\r\n\r\n$/);
    } finally {
      sock.destroy();
    }
  });

  test("streaming mode: 3000 small records in one chunk", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-small", partitions_count: 1 }) });
    const text = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ value: { type: "JSON", data: i } })).join("");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });
    const r = await fetch(`${v3}/topics/v3-small/records`, { method: "POST", headers: { ...J, "Transfer-Encoding": "chunked" }, body, duplex: "half" } as RequestInit);
    const reports = (await r.text()).replace(/}\s*{/g, "}\n{").split("\n").map((l) => JSON.parse(l));
    expect(reports).toHaveLength(3000);
    expect(reports.every((x, i) => x.error_code === 200 && x.offset === i)).toBe(true);
  }, 60_000);

  test("streaming mode past 32 MiB in one request: 9000 records of 4 KiB", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-long-stream", partitions_count: 1 }) });
    const payload = Buffer.alloc(4096, 0x62).toString("base64");
    const total = 9000;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        const batch = Array.from({ length: 100 }, () => JSON.stringify({ value: { type: "BINARY", data: payload } })).join("");
        sent += 100;
        controller.enqueue(new TextEncoder().encode(batch));
      },
    });
    const r = await fetch(`${v3}/topics/v3-long-stream/records`, { method: "POST", headers: { ...J, "Transfer-Encoding": "chunked" }, body, duplex: "half" } as RequestInit);
    expect(r.status).toBe(200);
    const text = await r.text();
    const reports = text.replace(/}\s*{/g, "}\n{").split("\n").map((l) => JSON.parse(l));
    expect(reports).toHaveLength(total);
    expect(reports.every((x, i) => x.error_code === 200 && x.offset === i)).toBe(true);
    expect(b.broker.context.partitions.hosted("v3-long-stream", 0)!.logEndOffset).toBe(total);
  }, 120_000);

  test("bad input", async () => {
    const post = (topic: string, body: string, type = "application/json") => call(`${v3}/topics/${topic}/records`, { method: "POST", headers: { "Content-Type": type }, body });
    expect(await post("nope", JSON.stringify({ value: { type: "JSON", data: 1 } }))).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await post("v3-records", "{nope")).toMatchObject({ status: 422 });
    expect(await post("v3-records", JSON.stringify({ value: { type: "XML", data: 1 } }))).toMatchObject({ status: 422 });
    expect(await post("v3-records", JSON.stringify({ value: { type: "BINARY", data: "!!" } }))).toMatchObject({ status: 422 });
    expect(await post("v3-records", JSON.stringify({ value: { type: "JSON", data: 1 } }), "text/plain")).toMatchObject({ status: 415 });
    expect(await post("v3-records", "")).toMatchObject({ status: 422 });
  });
});

describe("consumer groups", () => {
  test("a kafkajs group: list, get, consumers, lags and lag summary", async () => {
    await call(`${v3}/topics`, { method: "POST", headers: J, body: JSON.stringify({ topic_name: "v3-groups", partitions_count: 1 }) });
    for (let i = 0; i < 5; i++) await call(`${v3}/topics/v3-groups/records`, { method: "POST", headers: J, body: JSON.stringify({ value: { type: "STRING", data: `m${i}` } }) });
    const kafka = kafkaOf(b.bootstrap);
    const consumer = kafka.consumer({ groupId: "v3-group", sessionTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: "v3-groups", fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommit: false, eachMessage: async () => void seen++ });
    for (let i = 0; i < 100 && seen < 5; i++) await Bun.sleep(100);
    await consumer.commitOffsets([{ topic: "v3-groups", partition: 0, offset: "3" }]);
    try {
      const list = await call(`${v3}/consumer-groups`);
      expect(list.body.kind).toBe("KafkaConsumerGroupList");
      const g = list.body.data.find((x: { consumer_group_id: string }) => x.consumer_group_id === "v3-group");
      expect(g).toMatchObject({ kind: "KafkaConsumerGroup", cluster_id: cid, is_simple: false, partition_assignor: "RoundRobinAssigner", state: "STABLE", coordinator: { related: `${v3}/brokers/${b.broker.context.nodeId}` } });
      expect((await call(`${v3}/consumer-groups/v3-group`)).body).toEqual(g);
      const consumers = await call(`${v3}/consumer-groups/v3-group/consumers`);
      expect(consumers.body.data).toHaveLength(1);
      expect(consumers.body.data[0]).toMatchObject({ kind: "KafkaConsumer", consumer_group_id: "v3-group", client_id: "http-proxy-test" });
      const lags = await call(`${v3}/consumer-groups/v3-group/lags`);
      expect(lags.body.data).toEqual([expect.objectContaining({ kind: "KafkaConsumerLag", topic_name: "v3-groups", partition_id: 0, current_offset: 3, log_end_offset: 5, lag: 2, consumer_id: consumers.body.data[0].consumer_id })]);
      expect((await call(`${v3}/consumer-groups/v3-group/lag-summary`)).body).toMatchObject({ kind: "KafkaConsumerGroupLagSummary", max_lag: 2, total_lag: 2, max_lag_topic_name: "v3-groups", max_lag_partition_id: 0 });
      expect(await call(`${v3}/consumer-groups/nope`)).toMatchObject({ status: 404 });
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);
});
