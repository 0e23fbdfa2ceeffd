/**
 * The Admin API's ACL checks (src/security/http-auth.ts): reading (GET, HEAD) needs DESCRIBE on the
 * cluster, changing anything ALTER on the cluster — as Kafka asks for the admin requests behind
 * them (DescribeConfigs/DescribeUserScramCredentials: DESCRIBE; AlterConfigs/AlterUserScramCredentials:
 * ALTER). Health probes need neither credentials nor ACLs.
 */
import type { Context } from "hono";
import { AclOp, CLUSTER_NAME, ResourceType } from "../security/acl.ts";
import type { AclCheck } from "../security/http-auth.ts";

const OPEN_PATHS = new Set(["/health/live", "/health/ready", "/v1/status/ready"]);

export function adminOpenPath(path: string): boolean {
  return OPEN_PATHS.has(path);
}

export function adminChecks(c: Context): AclCheck[] {
  const reading = c.req.method === "GET" || c.req.method === "HEAD";
  return [{ operation: reading ? AclOp.DESCRIBE : AclOp.ALTER, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME }];
}
