/**
 * The HTTP Proxy's ACL checks (src/security/http-auth.ts), as Kafka asks for the requests behind
 * each route:
 *   produce (v2 POST /topics/t[/partitions/p], v3 POST .../topics/t/records)   WRITE on Topic:t
 *   topic and partition metadata (GET /topics/t..., v3 GET .../topics/t...)     DESCRIBE on Topic:t
 *   topic configs (v3): GET                                                      DESCRIBE_CONFIGS on Topic:t
 *                       PUT, DELETE                                              ALTER_CONFIGS on Topic:t
 *   v3 create a topic                                                            CREATE on the cluster
 *   v3 delete a topic                                                            DELETE on Topic:t
 *   a consumer instance (POST /consumers/g, /consumers/g/instances/i/...)        READ on Group:g
 *     and its subscription or assignment                                         READ on each Topic
 *   v3 consumer groups, their consumers and lags                                 DESCRIBE on Group:g
 * Lists (GET /topics, v3 topics, v3 consumer groups) show only what the principal may DESCRIBE.
 * Topics created on first produce (auto_create_topics_enable) are created by the proxy itself.
 * Refusals in Confluent's shape: 401 {"error_code":40101}, 403 {"error_code":40301}.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AclOp, CLUSTER_NAME, ResourceType } from "../security/acl.ts";
import { allowed, type AclCheck } from "../security/http-auth.ts";
import type { Authorizer } from "../security/authorizer.ts";
import { ProxyError } from "./errors.ts";

const topic = (operation: number, name: string): AclCheck => ({ operation, resourceType: ResourceType.TOPIC, resourceName: decodeURIComponent(name) });
const group = (operation: number, name: string): AclCheck => ({ operation, resourceType: ResourceType.GROUP, resourceName: decodeURIComponent(name) });

/** [method or "*", path pattern, checks from the captured names]. First match wins. */
const RULES: [string, RegExp, (m: RegExpMatchArray) => AclCheck[]][] = [
  ["POST", /^\/topics\/([^/]+)(?:\/partitions\/[^/]+)?\/?$/, (m) => [topic(AclOp.WRITE, m[1]!)]],
  ["GET", /^\/topics\/([^/]+)(?:\/.*)?$/, (m) => [topic(AclOp.DESCRIBE, m[1]!)]],
  ["*", /^\/consumers\/([^/]+)(?:\/.*)?$/, (m) => [group(AclOp.READ, m[1]!)]],
  ["POST", /^\/v3\/clusters\/[^/]+\/topics\/([^/]+)\/records\/?$/, (m) => [topic(AclOp.WRITE, m[1]!)]],
  ["GET", /^\/v3\/clusters\/[^/]+\/topics\/([^/]+)\/configs(?:\/.*)?$/, (m) => [topic(AclOp.DESCRIBE_CONFIGS, m[1]!)]],
  ["*", /^\/v3\/clusters\/[^/]+\/topics\/([^/]+)\/configs(?:\/.*)?$/, (m) => [topic(AclOp.ALTER_CONFIGS, m[1]!)]],
  ["POST", /^\/v3\/clusters\/[^/]+\/topics\/?$/, () => [{ operation: AclOp.CREATE, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME }]],
  ["DELETE", /^\/v3\/clusters\/[^/]+\/topics\/([^/]+)\/?$/, (m) => [topic(AclOp.DELETE, m[1]!)]],
  ["GET", /^\/v3\/clusters\/[^/]+\/topics\/([^/]+)(?:\/.*)?$/, (m) => [topic(AclOp.DESCRIBE, m[1]!)]],
  ["GET", /^\/v3\/clusters\/[^/]+\/consumer-groups\/([^/]+)(?:\/.*)?$/, (m) => [group(AclOp.DESCRIBE, m[1]!)]],
];

export function proxyChecks(c: Context): AclCheck[] {
  const path = c.req.path;
  for (const [method, pattern, checks] of RULES) {
    if (method !== "*" && method !== c.req.method) continue;
    const m = path.match(pattern);
    if (m) return checks(m);
  }
  return [];
}

/** Throws 40301 unless the principal may READ every topic (a subscription or an assignment). */
export function requireTopicReads(c: Context, authorizer: Authorizer, topics: readonly string[]): void {
  for (const t of topics) {
    if (!allowed(c, authorizer, { operation: AclOp.READ, resourceType: ResourceType.TOPIC, resourceName: t })) {
      throw new ProxyError(40301, `Not authorized to access topics: [${t}]`);
    }
  }
}

/** Filters the list answers to what the principal may DESCRIBE (after the route answered). */
export function filterLists(authorizer: Authorizer): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!authorizer.enabled || c.req.method !== "GET" || c.res.status !== 200) return;
    const path = c.req.path.replace(/\/$/, "");
    const may = (resourceType: number, name: unknown) => typeof name === "string" && allowed(c, authorizer, { operation: AclOp.DESCRIBE, resourceType, resourceName: name });
    let filter: ((body: any) => any) | null = null;
    if (path === "/topics") filter = (b) => (Array.isArray(b) ? b.filter((t) => may(ResourceType.TOPIC, t)) : b);
    else if (/^\/v3\/clusters\/[^/]+\/topics$/.test(path)) filter = (b) => ({ ...b, data: (b.data ?? []).filter((t: any) => may(ResourceType.TOPIC, t.topic_name)) });
    else if (/^\/v3\/clusters\/[^/]+\/consumer-groups$/.test(path)) filter = (b) => ({ ...b, data: (b.data ?? []).filter((g: any) => may(ResourceType.GROUP, g.consumer_group_id)) });
    if (!filter) return;
    const body = filter(await c.res.json());
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(JSON.stringify(body), { status: 200, headers });
  };
}
