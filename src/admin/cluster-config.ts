/**
 * /v1/cluster_config: the cluster-wide dynamic broker configuration (Kafka's BROKER resource "").
 *
 *   GET  -> [{ "key", "value", "source", "read_only", "dynamic_value" }]   every broker key as this
 *           node resolves it (source: DEFAULT_CONFIG, STATIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG,
 *           DYNAMIC_BROKER_CONFIG), with the cluster-wide dynamic value when one is set
 *   PUT  <- { "upsert": { key: value, ... }, "remove": [key, ...] }    (Redpanda's body)
 *        -> { "applied": true, "upserted": [...], "removed": [...] } | 400 { message, code }
 *
 * A PUT is one IncrementalAlterConfigs (SET / DELETE) on BROKER "" handed to the registered
 * handler, so it passes exactly the checks of the Kafka API (broker-config-alter.ts) and, in a
 * cluster, the handler's forwarding to the active controller, which commits it to the metadata log.
 */
import { describeBrokerConfigs, dynamicBrokerConfigs } from "../cluster/broker-config.ts";
import { ConfigSource } from "../cluster/topic-config.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { BrokerContext, RequestContext } from "../server/context.ts";
import { NO_RESPONSE } from "../server/registry.ts";
import { ADMIN_API_MAX_CONFIG_KEYS } from "../limits.ts";
import { AdminError } from "./errors.ts";
import { ANONYMOUS } from "../security/principal.ts";

const BROKER_RESOURCE_TYPE = 4;
const SET = 0;
const DELETE = 1;
const SOURCE_NAMES = Object.fromEntries(Object.entries(ConfigSource).map(([k, v]) => [v, k]));

export function describeClusterConfig(ctx: BrokerContext) {
  const img = ctx.metadata.image;
  const dynamic = dynamicBrokerConfigs(img, "");
  return describeBrokerConfigs(ctx, img).map((c) => ({
    key: c.name,
    value: c.value,
    source: SOURCE_NAMES[c.source] ?? "UNKNOWN",
    read_only: c.readOnly,
    dynamic_value: dynamic[c.name] ?? null,
  }));
}

export interface ClusterConfigPatch {
  upsert: Record<string, string>;
  remove: string[];
}

/** Checks the shape of a PUT body (values: strings, numbers or booleans, as Redpanda accepts). */
export function parsePatch(body: unknown): ClusterConfigPatch {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AdminError(400, "body must be a JSON object {\"upsert\": {...}, \"remove\": [...]}", "invalid_body");
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== "upsert" && k !== "remove") throw new AdminError(400, `unknown field ${JSON.stringify(k)}; expected upsert and remove`, "invalid_body");
  const upsertRaw = b.upsert ?? {};
  const removeRaw = b.remove ?? [];
  if (typeof upsertRaw !== "object" || upsertRaw === null || Array.isArray(upsertRaw)) throw new AdminError(400, "upsert must be an object of key: value", "invalid_body");
  if (!Array.isArray(removeRaw) || !removeRaw.every((k) => typeof k === "string")) throw new AdminError(400, "remove must be an array of key names", "invalid_body");
  const upsert: Record<string, string> = {};
  for (const [k, v] of Object.entries(upsertRaw)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new AdminError(400, `value of ${k} must be a string, number or boolean`, "invalid_config");
    upsert[k] = String(v);
  }
  const remove = removeRaw as string[];
  if (Object.keys(upsert).length + remove.length > ADMIN_API_MAX_CONFIG_KEYS) throw new AdminError(400, `at most ${ADMIN_API_MAX_CONFIG_KEYS} keys in one request`, "too_many_keys");
  const both = remove.filter((k) => k in upsert);
  if (both.length > 0) throw new AdminError(400, `keys both upserted and removed: ${both.join(", ")}`, "invalid_body");
  return { upsert, remove };
}

export async function applyPatch(ctx: BrokerContext, patch: ClusterConfigPatch): Promise<{ applied: true; upserted: string[]; removed: string[] }> {
  const handler = ctx.registry.get(IncrementalAlterConfigs.apiKey);
  if (!handler) throw new AdminError(503, "IncrementalAlterConfigs is not served by this broker", "unavailable");
  const configs = [
    ...Object.entries(patch.upsert).map(([name, value]) => ({ name, configOperation: SET, value })),
    ...patch.remove.map((name) => ({ name, configOperation: DELETE, value: null })),
  ];
  const upserted = Object.keys(patch.upsert);
  if (configs.length === 0) return { applied: true, upserted, removed: [] };
  const req = { resources: [{ resourceType: BROKER_RESOURCE_TYPE, resourceName: "", configs }], validateOnly: false };
  const rc: RequestContext = {
    broker: ctx,
    connection: { id: -1, remoteAddress: "admin-api", principal: ANONYMOUS },
    api: IncrementalAlterConfigs,
    apiKey: IncrementalAlterConfigs.apiKey,
    apiVersion: 1,
    correlationId: 0,
    clientId: "takhin-admin-api",
  };
  const res = (await handler.handle(rc, req, 1)) as { responses: { errorCode: number; errorMessage: string | null }[] } | typeof NO_RESPONSE;
  if (res === NO_RESPONSE) throw new AdminError(503, "no answer from the config handler", "unavailable");
  const r = res.responses[0];
  if (r.errorCode !== ErrorCode.NONE) {
    const name = Object.entries(ErrorCode).find(([, v]) => v === r.errorCode)?.[0] ?? String(r.errorCode);
    // Controller unreachable / not active yet: the client may retry; a value the rules refuse: the client's mistake.
    const retriable = r.errorCode === ErrorCode.NOT_CONTROLLER || r.errorCode === ErrorCode.REQUEST_TIMED_OUT;
    throw new AdminError(retriable ? 503 : 400, r.errorMessage ?? name, name.toLowerCase());
  }
  return { applied: true, upserted, removed: patch.remove };
}
