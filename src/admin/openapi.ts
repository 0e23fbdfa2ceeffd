/**
 * The OpenAPI 3.0 document of the Admin API, served at /v1/openapi.json. Written by hand next to
 * the routes (app.ts); test/admin/openapi.test.ts checks that every route the app serves is here
 * and that every path here answers on a running broker.
 */
const error = { $ref: "#/components/schemas/Error" };
const json = (schema: object) => ({ content: { "application/json": { schema } } });
const ok = (description: string, schema: object) => ({ "200": { description, ...json(schema) } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: "client or server error", ...json(error) }]));
const obj = (properties: Record<string, object>, required = Object.keys(properties)) => ({ type: "object", properties, required });
const int = { type: "integer" };
const str = { type: "string" };
const bool = { type: "boolean" };
const nullableInt = { type: "integer", nullable: true };
const ints = { type: "array", items: int };
const strs = { type: "array", items: str };

const broker = obj({
  node_id: int,
  rack: { type: "string", nullable: true },
  fenced: bool,
  is_alive: bool,
  epoch: str,
  endpoints: { type: "array", items: obj({ name: str, host: str, port: int }) },
  is_controller: bool,
  self: bool,
});
const topicSummary = { topic: str, topic_id: str, partition_count: int, replication_factor: int, internal: bool };
const partition = obj({
  partition_id: int,
  leader_id: int,
  leader_epoch: int,
  replicas: ints,
  isr: ints,
  under_replicated: bool,
  leaderless: bool,
  local: bool,
  log_start_offset: nullableInt,
  log_end_offset: nullableInt,
  high_watermark: nullableInt,
  size_bytes: nullableInt,
  offline: { type: "boolean", nullable: true },
});
const health = obj({ status: { type: "string", enum: ["up", "down"] }, components: { type: "array", items: obj({ name: str, status: { type: "string", enum: ["up", "down", "starting"] } }, ["name", "status"]) } });
const pathParam = (name: string) => ({ name, in: "path", required: true, schema: str });

export const OPENAPI_DOCUMENT = {
  openapi: "3.0.3",
  info: { title: "Takhin Admin API", version: "1", description: "Brokers, cluster health and configuration, topics, consumer groups, SCRAM users, health probes and Prometheus metrics of one Takhin node." },
  paths: {
    "/v1/brokers": { get: { summary: "Registered brokers", responses: ok("brokers", { type: "array", items: broker }) } },
    "/v1/brokers/{id}": { get: { summary: "One broker", parameters: [pathParam("id")], responses: { ...ok("broker", broker), ...errors(400, 404) } } },
    "/v1/brokers/{id}/maintenance": {
      put: {
        summary: "Drain: move every leadership off the broker (each partition's first other in-sync replica becomes preferred and leads; the broker goes last in its replica lists)",
        parameters: [pathParam("id")],
        responses: { ...ok("drained", obj({ broker: int, leaderships_moved: int, moved: { type: "array", items: obj({ topic: str, partition: int, leader: int }) }, stuck: { type: "array", items: obj({ topic: str, partition: int, reason: str }) } })), ...errors(400, 404, 503) },
      },
    },
    "/v1/brokers/{id}/decommission": {
      put: {
        summary: "Reassign every replica of the broker to other live brokers (refused with 409 when a partition would lose a replica)",
        parameters: [pathParam("id")],
        responses: { ...ok("started", obj({ broker: int, reassignments_started: int, moves: { type: "array", items: obj({ topic: str, partition: int, replicas: ints }) }, failed: { type: "array", items: { type: "object" } } })), ...errors(400, 404, 409, 503) },
      },
      get: {
        summary: "Decommission progress: replicas left on the broker and the reassignments moving them",
        parameters: [pathParam("id")],
        responses: { ...ok("status", obj({ broker: int, replicas_left: int, reassignments: { type: "array", items: { type: "object" } }, done: bool })), ...errors(400, 404) },
      },
    },
    "/v1/partitions/reassignments": {
      get: { summary: "Reassignments in progress (ListPartitionReassignments)", responses: { ...ok("reassignments", { type: "array", items: obj({ topic: str, partition: int, replicas: ints, adding_replicas: ints, removing_replicas: ints }) }), ...errors(503) } },
      post: {
        summary: "Start or cancel (replicas null) reassignments (AlterPartitionReassignments); per-partition errors in the results",
        requestBody: { required: true, ...json(obj({ partitions: { type: "array", items: obj({ topic: str, partition: int, replicas: { type: "array", items: int, nullable: true } }) } })) },
        responses: { ...ok("results", obj({ results: { type: "array", items: obj({ topic: str, partition: int, error_code: int, error: { type: "string", nullable: true }, message: { type: "string", nullable: true } }) } })), ...errors(400, 413, 415, 503) },
      },
    },
    "/v1/partitions/{topic}/{partition}/transfer_leadership": {
      post: {
        summary: "Move a partition's leadership: to ?target=N (made the preferred replica, then elected) or to its preferred replica (ElectLeaders PREFERRED)",
        parameters: [pathParam("topic"), pathParam("partition"), { name: "target", in: "query", required: false, schema: int }],
        responses: { ...ok("leader", obj({ topic: str, partition: int, leader: int, leader_epoch: int, replicas: ints })), ...errors(400, 404, 503) },
      },
    },
    "/v1/cluster/health_overview": {
      get: {
        summary: "Controller, unavailable brokers, leaderless and under-replicated partitions",
        responses: ok(
          "overview",
          obj({ is_healthy: bool, controller_id: int, all_nodes: ints, nodes_down: ints, leaderless_partitions: strs, leaderless_count: int, under_replicated_partitions: strs, under_replicated_count: int }),
        ),
      },
    },
    "/v1/cluster_config": {
      get: { summary: "Broker configuration keys with their values and sources", responses: ok("keys", { type: "array", items: obj({ key: str, value: { type: "string", nullable: true }, source: str, read_only: bool, dynamic_value: { type: "string", nullable: true } }) }) },
      put: {
        summary: "Set and remove cluster-wide dynamic broker configs (checked as IncrementalAlterConfigs on BROKER \"\")",
        requestBody: { required: true, ...json(obj({ upsert: { type: "object", additionalProperties: { oneOf: [str, { type: "number" }, bool] } }, remove: strs }, [])) },
        responses: { ...ok("applied", obj({ applied: bool, upserted: strs, removed: strs })), ...errors(400, 413, 415, 503) },
      },
    },
    "/v1/security/users": {
      get: { summary: "SCRAM users with their mechanisms (DescribeUserScramCredentials)", responses: { ...ok("users", { type: "array", items: obj({ username: str, mechanisms: { type: "array", items: obj({ mechanism: str, iterations: int }) } }) }), ...errors(503) } },
      post: {
        summary: "Create a SCRAM user (AlterUserScramCredentials with a password salted here; 409 if the user has that mechanism already)",
        requestBody: { required: true, ...json(obj({ username: str, password: str, algorithm: { type: "string", enum: ["SCRAM-SHA-256", "SCRAM-SHA-512"] }, iterations: int }, ["username", "password"])) },
        responses: { ...ok("created", obj({ username: str, algorithm: str, iterations: int })), ...errors(400, 409, 413, 415, 503) },
      },
    },
    "/v1/security/users/{username}": {
      delete: { summary: "Delete a SCRAM user (every mechanism)", parameters: [pathParam("username")], responses: { ...ok("deleted", obj({ username: str, mechanisms: { type: "array", items: obj({ mechanism: str, iterations: int }) } })), ...errors(400, 404, 503) } },
    },
    "/v1/topics": { get: { summary: "Topics", responses: ok("topics", { type: "array", items: obj(topicSummary) }) } },
    "/v1/topics/{name}": {
      get: {
        summary: "One topic with its partitions (leader, replicas, ISR, offsets, size)",
        parameters: [pathParam("name")],
        responses: { ...ok("topic", obj({ ...topicSummary, configs: { type: "object", additionalProperties: str }, partitions: { type: "array", items: partition } })), ...errors(404) },
      },
    },
    "/v1/groups": { get: { summary: "Consumer groups", responses: ok("groups", { type: "array", items: obj({ group_id: str, protocol_type: str, state: str }) }) } },
    "/v1/groups/{id}": {
      get: {
        summary: "One group: members and lag per partition",
        parameters: [pathParam("id")],
        responses: {
          ...ok(
            "group",
            obj({
              group_id: str,
              state: str,
              protocol_type: str,
              protocol: str,
              members: { type: "array", items: obj({ member_id: str, group_instance_id: { type: "string", nullable: true }, client_id: str, client_host: str }) },
              partitions: { type: "array", items: obj({ topic: str, partition_id: int, committed_offset: int, high_watermark: nullableInt, lag: nullableInt }) },
              total_lag: int,
            }),
          ),
          ...errors(404),
        },
      },
    },
    "/v1/storage/integrity": {
      get: {
        summary: "Data integrity of this node's logs: the scrubber's settings and totals, each partition's last scrub and its corrupt ranges (docs/data-integrity.md)",
        responses: ok(
          "integrity",
          obj({
            scrub: obj({ bytes_per_second: int, interval_ms: int, passes: int, scrubbed_segments: int, scrubbed_bytes: int, corrupt_batches: int, index_repairs: int }),
            corrupt_ranges_detected: obj({ read: int, scrub: int, repair: int }),
            partitions: {
              type: "array",
              items: obj({
                topic: str,
                partition: int,
                last_scrub_ms: int,
                last_pass_ms: int,
                scrubbed_bytes: int,
                scrubbed_segments: int,
                corrupt_ranges: { type: "array", items: obj({ file: str, position: int, size_bytes: int, first_offset: int, end_offset: int, reason: str, detail: str, detected_by: str, detected_at_ms: int }) },
              }),
            },
          }),
        ),
      },
    },
    "/v1/storage/scrub": { post: { summary: "Scrub every sealed segment of this node's logs now; answers when done", responses: ok("scrubbed", obj({ scrubbed_segments: int, scrubbed_bytes: int, corrupt_batches: int })) } },
    "/v1/status/ready": { get: { summary: "Readiness (Redpanda's path)", responses: { ...ok("ready", health), "503": { description: "not ready", ...json(health) } } } },
    "/health/live": { get: { summary: "Liveness: the process answers", responses: ok("live", obj({ status: str })) } },
    "/health/ready": { get: { summary: "Readiness with per-component status", responses: { ...ok("ready", health), "503": { description: "not ready", ...json(health) } } } },
    "/v1/openapi.json": { get: { summary: "This document", responses: ok("OpenAPI 3 document", { type: "object" }) } },
    "/metrics": { get: { summary: "Prometheus text format; OpenMetrics when Accept asks for application/openmetrics-text", responses: { "200": { description: "metrics", content: { "text/plain": { schema: str }, "application/openmetrics-text": { schema: str } } } } } },
  },
  components: { schemas: { Error: obj({ message: str, code: str }) } },
} as const;
