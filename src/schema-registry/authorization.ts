/**
 * The Schema Registry's ACL checks (src/security/http-auth.ts). Kafka's ACLs have no subject
 * resource, so a subject is authorised as the topic it belongs to under the default
 * TopicNameStrategy ("orders-value" and "orders-key" -> Topic:orders; any other subject -> the
 * topic named like it): whoever may use a topic may use its schemas.
 *   read a subject, its versions, lookups, compatibility checks        DESCRIBE on the topic
 *   register a version (POST /subjects/s/versions)                     WRITE on the topic
 *   delete a subject or a version                                      DELETE on the topic
 *   a subject's config or mode: GET                                    DESCRIBE on the topic (serializers read it)
 *                               PUT, DELETE                            ALTER_CONFIGS on the topic
 *   the global config or mode: GET / PUT, DELETE                       an identity / ALTER_CONFIGS on the cluster
 * GET /subjects lists only the subjects the principal may DESCRIBE. Schemas by id, /schemas and the
 * schema types need an identity only (an id is not tied to one subject).
 * Refusals in Confluent's shape: 401 {"error_code":401,"message":...}, 403 {"error_code":40301,...}.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AclOp, CLUSTER_NAME, ResourceType } from "../security/acl.ts";
import { allowed, type AclCheck } from "../security/http-auth.ts";
import type { Authorizer } from "../security/authorizer.ts";

/** The topic a subject's ACLs are those of (TopicNameStrategy). */
export function subjectTopic(subject: string): string {
  const m = subject.match(/^(.+)-(key|value)$/);
  return m ? m[1]! : subject;
}

const onSubject = (operation: number, raw: string): AclCheck => ({ operation, resourceType: ResourceType.TOPIC, resourceName: subjectTopic(decodeURIComponent(raw)) });
const onCluster = (operation: number): AclCheck => ({ operation, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME });

export function registryChecks(c: Context): AclCheck[] {
  const method = c.req.method;
  const path = c.req.path.replace(/\/$/, "");
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/subjects\/([^/]+)\/versions$/)) && method === "POST") return [onSubject(AclOp.WRITE, m[1]!)];
  if ((m = path.match(/^\/subjects\/([^/]+)(?:\/.*)?$/))) return [onSubject(method === "DELETE" ? AclOp.DELETE : AclOp.DESCRIBE, m[1]!)];
  if ((m = path.match(/^\/compatibility\/subjects\/([^/]+)\//))) return [onSubject(AclOp.DESCRIBE, m[1]!)];
  if ((m = path.match(/^\/(?:config|mode)\/([^/]+)$/))) return [onSubject(method === "GET" ? AclOp.DESCRIBE : AclOp.ALTER_CONFIGS, m[1]!)];
  if (/^\/(?:config|mode)$/.test(path)) return method === "GET" ? [] : [onCluster(AclOp.ALTER_CONFIGS)];
  return [];
}

/** GET /subjects: only the subjects the principal may DESCRIBE (after the route answered). */
export function filterSubjects(authorizer: Authorizer): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!authorizer.enabled || c.req.method !== "GET" || c.req.path.replace(/\/$/, "") !== "/subjects" || c.res.status !== 200) return;
    const subjects = (await c.res.json()) as unknown;
    const kept = Array.isArray(subjects)
      ? subjects.filter((s) => typeof s === "string" && allowed(c, authorizer, { operation: AclOp.DESCRIBE, resourceType: ResourceType.TOPIC, resourceName: subjectTopic(s) }))
      : subjects;
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(JSON.stringify(kept), { status: 200, headers });
  };
}
