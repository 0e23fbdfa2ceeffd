/**
 * Confluent REST Proxy API v3 (application/json), the subset Confluent users reach for:
 *
 *   GET    /v3/clusters                                         KafkaClusterList (this cluster)
 *   GET    /v3/clusters/{id}                                    KafkaCluster
 *   GET    /v3/clusters/{id}/brokers[/{broker}]                 KafkaBrokerList / KafkaBroker
 *   GET    /v3/clusters/{id}/topics                             KafkaTopicList
 *   POST   /v3/clusters/{id}/topics                             create {topic_name, partitions_count, replication_factor, configs:[{name,value}]} -> 201
 *   GET    /v3/clusters/{id}/topics/{t}                         KafkaTopic
 *   DELETE /v3/clusters/{id}/topics/{t}                         204
 *   GET    /v3/clusters/{id}/topics/{t}/partitions[/{p}]        KafkaPartitionList / KafkaPartition
 *   GET    /v3/clusters/{id}/topics/{t}/configs[/{name}]        KafkaTopicConfigList / KafkaTopicConfig
 *   PUT    /v3/clusters/{id}/topics/{t}/configs/{name}          {value} -> 204;   DELETE (back to default) 204
 *   GET    /v3/clusters/{id}/consumer-groups[/{g}]              KafkaConsumerGroupList / KafkaConsumerGroup
 *   GET    /v3/clusters/{id}/consumer-groups/{g}/consumers      KafkaConsumerList
 *   GET    /v3/clusters/{id}/consumer-groups/{g}/lags           KafkaConsumerLagList
 *   GET    /v3/clusters/{id}/consumer-groups/{g}/lag-summary    KafkaConsumerGroupLagSummary
 *   POST   /v3/clusters/{id}/topics/{t}/records                 produce (records.ts of v3: streaming mode)
 *
 * Resources carry Confluent's `kind`, `metadata.self` (this proxy's URL as the request reached it)
 * and `related` links. Errors are {error_code: <HTTP status or Confluent's 5-digit code>, message}.
 * Admin changes go through the internal client (the controller decides, wherever it is).
 */
import type { Context, Hono } from "hono";
import { KafkaError, LATEST_TIMESTAMP, type KafkaClient } from "../client/index.ts";
import { alterTopicConfigs, describeGroup, fetchOffsets, groupCoordinator, listGroups } from "../cli/kafka.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { decodeAssignment } from "../cli/kafka.ts";
import type { Registry } from "../schema-registry/registry.ts";
import type { BrokerContext } from "../server/context.ts";
import { readObject } from "./body.ts";
import { ProxyError, unprocessable } from "./errors.ts";
import type { ProxyProducer } from "./producer.ts";
import { produceV3 } from "./v3-records.ts";

export interface V3Deps {
  context: BrokerContext;
  producer: ProxyProducer;
  registry: () => Registry | null;
  client: () => KafkaClient;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const v3Error = (status: number, message: string) => new ProxyError(status, message);
const SOURCES: Record<number, string> = { 1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG", 4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG", 7: "CLIENT_METRICS_CONFIG", 8: "GROUP_CONFIG" };
const NAME_BY_CODE = new Map<number, string>(Object.entries(ErrorCode).map(([n, c]) => [c as number, n]));

function kafkaFailure(e: unknown): never {
  if (e instanceof ProxyError) throw e;
  if (e instanceof KafkaError) {
    if (e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) throw v3Error(404, "This server does not host this topic-partition.");
    if (e.code === ErrorCode.TOPIC_ALREADY_EXISTS) throw new ProxyError(40002, e.serverMessage ?? e.message);
    if ([ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_REQUEST, ErrorCode.POLICY_VIOLATION].includes(e.code as never)) throw new ProxyError(40002, e.serverMessage ?? e.message);
    if (e.code === ErrorCode.GROUP_ID_NOT_FOUND) throw v3Error(404, e.message);
    throw new ProxyError(50002, `Kafka error: ${e.message}`);
  }
  throw new ProxyError(50002, `Kafka error: ${(e as Error).message}`);
}

export function v3Routes(app: Hono, deps: V3Deps): void {
  const ctx = deps.context;
  const origin = (c: Context) => new URL(c.req.url).origin;
  const clusterBase = (c: Context) => `${origin(c)}/v3/clusters/${ctx.clusterId}`;
  const crn = (...parts: string[]) => `crn:///kafka=${ctx.clusterId}${parts.map((p) => `/${p}`).join("")}`;
  const list = (c: Context, kind: string, data: unknown[]) => json({ kind, metadata: { self: `${origin(c)}${new URL(c.req.url).pathname}`, next: null }, data });
  const cluster = (c: Context) => {
    const id = c.req.param("cluster");
    if (id !== ctx.clusterId) throw v3Error(404, `Cluster ${id} cannot be found.`);
    return clusterBase(c);
  };
  const topicOf = (name: string) => {
    const t = ctx.metadata.image.topic(name);
    if (!t) throw v3Error(404, `This server does not host this topic-partition.`);
    return t;
  };

  const clusterView = (c: Context) => {
    const base = clusterBase(c);
    const controller = ctx.quorum ? ctx.quorum.controllerId : ctx.nodeId;
    return {
      kind: "KafkaCluster",
      metadata: { self: base, resource_name: crn() },
      cluster_id: ctx.clusterId,
      controller: { related: `${base}/brokers/${controller}` },
      acls: { related: `${base}/acls` },
      brokers: { related: `${base}/brokers` },
      broker_configs: { related: `${base}/broker-configs` },
      consumer_groups: { related: `${base}/consumer-groups` },
      topics: { related: `${base}/topics` },
      partition_reassignments: { related: `${base}/topics/-/partitions/-/reassignment` },
    };
  };
  const brokerView = (base: string, id: number) => {
    const b = ctx.metadata.image.brokers.get(id);
    if (!b) throw v3Error(404, `Broker ${id} cannot be found.`);
    const ep = b.endPoints[0];
    return { kind: "KafkaBroker", metadata: { self: `${base}/brokers/${id}`, resource_name: crn(`broker=${id}`) }, cluster_id: ctx.clusterId, broker_id: id, host: ep?.host ?? null, port: ep?.port ?? null, rack: b.rack, configs: { related: `${base}/brokers/${id}/configs` }, partition_replicas: { related: `${base}/brokers/${id}/partition-replicas` } };
  };
  const topicView = (base: string, name: string) => {
    const t = topicOf(name);
    const self = `${base}/topics/${name}`;
    return {
      kind: "KafkaTopic",
      metadata: { self, resource_name: crn(`topic=${name}`) },
      cluster_id: ctx.clusterId,
      topic_name: name,
      is_internal: name.startsWith("__"),
      replication_factor: t.partitions[0]?.replicas.length ?? 0,
      partitions_count: t.partitions.length,
      partitions: { related: `${self}/partitions` },
      configs: { related: `${self}/configs` },
      partition_reassignments: { related: `${self}/partitions/-/reassignment` },
      authorized_operations: [],
    };
  };
  const partitionView = (base: string, name: string, index: number) => {
    const p = topicOf(name).partitions[index];
    if (!p) throw v3Error(404, "This server does not host this topic-partition.");
    const self = `${base}/topics/${name}/partitions/${index}`;
    return { kind: "KafkaPartition", metadata: { self, resource_name: crn(`topic=${name}`, `partition=${index}`) }, cluster_id: ctx.clusterId, topic_name: name, partition_id: index, leader: p.leader >= 0 ? { related: `${self}/replicas/${p.leader}` } : null, replicas: { related: `${self}/replicas` }, reassignment: { related: `${self}/reassignment` } };
  };

  app.get("/v3/clusters", (c) => list(c, "KafkaClusterList", [clusterView(c)]));
  app.get("/v3/clusters/:cluster", (c) => {
    cluster(c);
    return json(clusterView(c));
  });
  app.get("/v3/clusters/:cluster/brokers", (c) => {
    const base = cluster(c);
    return list(c, "KafkaBrokerList", [...ctx.metadata.image.brokers.keys()].sort((a, b) => a - b).map((id) => brokerView(base, id)));
  });
  app.get("/v3/clusters/:cluster/brokers/:broker", (c) => {
    const base = cluster(c);
    const id = Number(c.req.param("broker"));
    if (!Number.isInteger(id)) throw v3Error(404, "Broker cannot be found.");
    return json(brokerView(base, id));
  });

  app.get("/v3/clusters/:cluster/topics", (c) => {
    const base = cluster(c);
    return list(c, "KafkaTopicList", [...ctx.metadata.image.topicsByName.keys()].sort().map((n) => topicView(base, n)));
  });
  app.post("/v3/clusters/:cluster/topics", async (c) => {
    const base = cluster(c);
    const body = await readObject(c.req.raw);
    const name = body.topic_name;
    if (typeof name !== "string" || name === "") throw unprocessable("topic_name is required");
    const count = body.partitions_count ?? -1;
    const rf = body.replication_factor ?? -1;
    if (!Number.isInteger(count) || !Number.isInteger(rf)) throw unprocessable("partitions_count and replication_factor are integers");
    const configs: Record<string, string> = {};
    if (body.configs !== undefined) {
      if (!Array.isArray(body.configs)) throw unprocessable("configs is a list of {name, value}");
      for (const e of body.configs as Record<string, unknown>[]) {
        if (!e || typeof e.name !== "string" || (typeof e.value !== "string" && e.value !== null)) throw unprocessable("configs is a list of {name, value}");
        if (typeof e.value === "string") configs[e.name] = e.value;
      }
    }
    const [r] = await deps.client().createTopics([{ name, numPartitions: count as number, replicationFactor: rf as number, configs }], { validateOnly: body.validate_only === true }).catch(kafkaFailure);
    if (r && r.errorCode !== 0) kafkaFailure(new KafkaError(r.errorCode, `create topic ${name}`, r.errorMessage ?? `Topic '${name}' cannot be created: ${NAME_BY_CODE.get(r.errorCode)}.`));
    // The image learns the topic when the metadata record is applied here.
    for (let i = 0; i < 100 && !ctx.metadata.image.topic(name) && body.validate_only !== true; i++) await Bun.sleep(20);
    if (body.validate_only === true) return json({ kind: "KafkaTopic", cluster_id: ctx.clusterId, topic_name: name, partitions_count: count, replication_factor: rf }, 201);
    return json(topicView(base, name), 201);
  });
  app.get("/v3/clusters/:cluster/topics/:topic", (c) => json(topicView(cluster(c), c.req.param("topic"))));
  app.delete("/v3/clusters/:cluster/topics/:topic", async (c) => {
    cluster(c);
    const name = c.req.param("topic");
    topicOf(name);
    const [r] = await deps.client().deleteTopics([name]).catch(kafkaFailure);
    if (r && r.errorCode !== 0) kafkaFailure(new KafkaError(r.errorCode, `delete topic ${name}`, r.errorMessage));
    return new Response(null, { status: 204 });
  });
  app.get("/v3/clusters/:cluster/topics/:topic/partitions", (c) => {
    const base = cluster(c);
    const name = c.req.param("topic");
    return list(c, "KafkaPartitionList", topicOf(name).partitions.map((_, i) => partitionView(base, name, i)));
  });
  app.get("/v3/clusters/:cluster/topics/:topic/partitions/:partition", (c) => {
    const raw = c.req.param("partition");
    if (!/^\d{1,10}$/.test(raw)) throw v3Error(404, "This server does not host this topic-partition.");
    return json(partitionView(cluster(c), c.req.param("topic"), Number(raw)));
  });

  const configsOf = async (name: string) => {
    topicOf(name);
    const [r] = await deps.client().describeConfigs([{ type: 2, name }]).catch(kafkaFailure);
    if (!r || r.errorCode !== 0) kafkaFailure(new KafkaError(r?.errorCode ?? -1, `describe configs of ${name}`, r?.errorMessage ?? null));
    return r.configs;
  };
  const configView = (base: string, topic: string, e: { name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean }) => ({
    kind: "KafkaTopicConfig",
    metadata: { self: `${base}/topics/${topic}/configs/${e.name}`, resource_name: crn(`topic=${topic}`, `config=${e.name}`) },
    cluster_id: ctx.clusterId,
    topic_name: topic,
    name: e.name,
    value: e.isSensitive ? null : e.value,
    is_default: e.configSource === 5,
    is_read_only: e.readOnly,
    is_sensitive: e.isSensitive,
    source: SOURCES[e.configSource] ?? "UNKNOWN",
    synonyms: [],
  });
  app.get("/v3/clusters/:cluster/topics/:topic/configs", async (c) => {
    const base = cluster(c);
    const name = c.req.param("topic");
    return list(c, "KafkaTopicConfigList", (await configsOf(name)).map((e) => configView(base, name, e)));
  });
  app.get("/v3/clusters/:cluster/topics/:topic/configs/:name", async (c) => {
    const base = cluster(c);
    const topic = c.req.param("topic");
    const e = (await configsOf(topic)).find((x) => x.name === c.req.param("name"));
    if (!e) throw v3Error(404, `Config ${c.req.param("name")} cannot be found for topic ${topic}.`);
    return json(configView(base, topic, e));
  });
  app.put("/v3/clusters/:cluster/topics/:topic/configs/:name", async (c) => {
    cluster(c);
    const topic = c.req.param("topic");
    topicOf(topic);
    const body = await readObject(c.req.raw);
    if (typeof body.value !== "string") throw unprocessable("value is a string");
    await alterTopicConfigs(deps.client(), topic, [[c.req.param("name"), body.value]], [], false).catch(kafkaFailure);
    return new Response(null, { status: 204 });
  });
  app.delete("/v3/clusters/:cluster/topics/:topic/configs/:name", async (c) => {
    cluster(c);
    const topic = c.req.param("topic");
    topicOf(topic);
    await alterTopicConfigs(deps.client(), topic, [], [c.req.param("name")], false).catch(kafkaFailure);
    return new Response(null, { status: 204 });
  });

  // Consumer groups, asked of their coordinators (any node of the cluster).
  const groupView = async (base: string, groupId: string) => {
    const client = deps.client();
    if (client.brokers.length === 0) await client.metadata([]);
    const coordinator = await groupCoordinator(client, groupId).catch(kafkaFailure);
    const g = await describeGroup(client, groupId, coordinator).catch(kafkaFailure);
    if (g.groupState === "Dead") throw v3Error(404, `Consumer group ${groupId} cannot be found.`);
    const self = `${base}/consumer-groups/${groupId}`;
    return {
      view: {
        kind: "KafkaConsumerGroup",
        metadata: { self, resource_name: crn(`consumer-group=${groupId}`) },
        cluster_id: ctx.clusterId,
        consumer_group_id: groupId,
        is_simple: g.protocolType === "" && g.members.length === 0,
        partition_assignor: g.protocolData,
        state: g.groupState.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(),
        coordinator: { related: `${base}/brokers/${coordinator}` },
        consumers: { related: `${self}/consumers` },
        lag_summary: { related: `${self}/lag-summary` },
      },
      group: g,
      coordinator,
    };
  };
  app.get("/v3/clusters/:cluster/consumer-groups", async (c) => {
    const base = cluster(c);
    const client = deps.client();
    if (client.brokers.length === 0) await client.metadata([]);
    const groups = await listGroups(client).catch(kafkaFailure);
    const views = [];
    for (const g of groups.filter((x) => x.protocolType === "consumer" || x.protocolType === "").slice(0, 1000)) views.push((await groupView(base, g.groupId)).view);
    return list(c, "KafkaConsumerGroupList", views);
  });
  app.get("/v3/clusters/:cluster/consumer-groups/:group", async (c) => json((await groupView(cluster(c), c.req.param("group"))).view));
  app.get("/v3/clusters/:cluster/consumer-groups/:group/consumers", async (c) => {
    const base = cluster(c);
    const { group } = await groupView(base, c.req.param("group"));
    const self = `${base}/consumer-groups/${group.groupId}/consumers`;
    return list(
      c,
      "KafkaConsumerList",
      group.members.map((m) => ({
        kind: "KafkaConsumer",
        metadata: { self: `${self}/${m.memberId}`, resource_name: crn(`consumer-group=${group.groupId}`, `consumer=${m.memberId}`) },
        cluster_id: ctx.clusterId,
        consumer_group_id: group.groupId,
        consumer_id: m.memberId,
        instance_id: m.groupInstanceId,
        client_id: m.clientId,
        assignments: { related: `${self}/${m.memberId}/assignments` },
      })),
    );
  });

  const lagsOf = async (base: string, groupId: string) => {
    const { group, coordinator } = await groupView(base, groupId);
    const client = deps.client();
    const committed = await fetchOffsets(client, groupId, coordinator, null).catch(kafkaFailure);
    const owner = new Map<string, { consumerId: string; clientId: string; instanceId: string | null }>();
    for (const m of group.members) for (const tp of decodeAssignment(m.memberAssignment)) owner.set(`${tp.topic}\u0000${tp.partition}`, { consumerId: m.memberId, clientId: m.clientId, instanceId: m.groupInstanceId });
    const out = [];
    for (const o of committed.slice(0, 10_000)) {
      const end = (await client.listOffsets(o.topic, o.partition, LATEST_TIMESTAMP).catch(kafkaFailure)).offset;
      const who = owner.get(`${o.topic}\u0000${o.partition}`);
      out.push({ topic: o.topic, partition: o.partition, current: Number(o.offset), end: Number(end), lag: Math.max(0, Number(end - o.offset)), who });
    }
    return out;
  };
  app.get("/v3/clusters/:cluster/consumer-groups/:group/lags", async (c) => {
    const base = cluster(c);
    const groupId = c.req.param("group");
    const lags = await lagsOf(base, groupId);
    return list(
      c,
      "KafkaConsumerLagList",
      lags.map((l) => ({
        kind: "KafkaConsumerLag",
        metadata: { self: `${base}/consumer-groups/${groupId}/lags/${l.topic}/partitions/${l.partition}`, resource_name: crn(`consumer-group=${groupId}`, `lag=${l.topic}`, `partition=${l.partition}`) },
        cluster_id: ctx.clusterId,
        consumer_group_id: groupId,
        topic_name: l.topic,
        partition_id: l.partition,
        current_offset: l.current,
        log_end_offset: l.end,
        lag: l.lag,
        consumer_id: l.who?.consumerId ?? "",
        instance_id: l.who?.instanceId ?? null,
        client_id: l.who?.clientId ?? "",
      })),
    );
  });
  app.get("/v3/clusters/:cluster/consumer-groups/:group/lag-summary", async (c) => {
    const base = cluster(c);
    const groupId = c.req.param("group");
    const lags = await lagsOf(base, groupId);
    const max = lags.reduce<(typeof lags)[number] | null>((m, l) => (m === null || l.lag > m.lag ? l : m), null);
    return json({
      kind: "KafkaConsumerGroupLagSummary",
      metadata: { self: `${base}/consumer-groups/${groupId}/lag-summary`, resource_name: crn(`consumer-group=${groupId}`, "lag-summary") },
      cluster_id: ctx.clusterId,
      consumer_group_id: groupId,
      max_lag_consumer_id: max?.who?.consumerId ?? "",
      max_lag_instance_id: max?.who?.instanceId ?? null,
      max_lag_client_id: max?.who?.clientId ?? "",
      max_lag_topic_name: max?.topic ?? "",
      max_lag_partition_id: max?.partition ?? 0,
      max_lag: max?.lag ?? 0,
      total_lag: lags.reduce((s, l) => s + l.lag, 0),
      max_lag_consumer: max?.who ? { related: `${base}/consumer-groups/${groupId}/consumers/${max.who.consumerId}` } : null,
      max_lag_partition: max ? { related: `${base}/topics/${max.topic}/partitions/${max.partition}` } : null,
    });
  });

  app.post("/v3/clusters/:cluster/topics/:topic/records", async (c) => {
    cluster(c);
    const topic = c.req.param("topic");
    topicOf(topic);
    return produceV3(c.req.raw, { context: ctx, producer: deps.producer, registry: deps.registry, topic });
  });
}
