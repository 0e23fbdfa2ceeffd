/**
 * `takhin acl list|create|delete`: ACL bindings over DescribeAcls (29), CreateAcls (30) and
 * DeleteAcls (31), with kafka-acls' vocabulary. A resource is named by --topic, --group,
 * --transactional-id (each repeatable), --cluster or --delegation-token; --resource-pattern-type
 * is literal (default when a resource is named), prefixed, or for list/delete also match or any
 * (the default when no resource is named). Principals are "User:name" (User:* for everyone),
 * hosts an IP or * (default). Operation and permission names are Kafka's (Write, DescribeConfigs,
 * ALL; Allow, Deny), in any case, with or without "_"/"-". A Kafka error (SECURITY_DISABLED,
 * CLUSTER_AUTHORIZATION_FAILED, INVALID_REQUEST, ...) exits 1 with its name.
 */
import { KafkaError, type KafkaClient } from "../client/index.ts";
import { DeleteAcls } from "../protocol/messages/delete-acls.ts";
import { CreateAcls } from "../protocol/messages/create-acls.ts";
import { DescribeAcls } from "../protocol/messages/describe-acls.ts";
import { AclOp, CLUSTER_NAME, operationName, PatternType, patternTypeName, Permission, permissionName, ResourceType, resourceTypeName } from "../security/acl.ts";
import { UsageError, type FlagSpec } from "./args.ts";
import { bool, strs, str, type Context, type Group } from "./command.ts";

type Named = Record<string, number>;

const squash = (s: string) => s.toUpperCase().replace(/[-_ ]/g, "");

/** Looks a Kafka enum name up leniently ("describe-configs" = DescribeConfigs = DESCRIBE_CONFIGS). */
function lookup(table: Named, raw: string, what: string, allowed: (code: number) => boolean): number {
  const want = squash(raw);
  for (const [name, code] of Object.entries(table)) if (squash(name) === want && allowed(code)) return code;
  const names = Object.entries(table).filter(([, c]) => allowed(c)).map(([n]) => n);
  throw new UsageError(`${what} "${raw}" is not one of ${names.join(", ")}`);
}

interface Resource {
  type: number;
  name: string;
}

const RESOURCE_FLAGS: FlagSpec[] = [
  { name: "topic", kind: "strings", value: "TOPIC", help: "a topic resource (* for every topic)" },
  { name: "group", kind: "strings", value: "GROUP", help: "a consumer group resource" },
  { name: "transactional-id", kind: "strings", value: "ID", help: "a transactional id resource" },
  { name: "cluster", kind: "bool", help: "the cluster resource" },
  { name: "delegation-token", kind: "strings", value: "ID", help: "a delegation token resource" },
  { name: "resource-pattern-type", kind: "string", value: "TYPE", help: "literal (default with a resource) or prefixed; list/delete also match, any (default without)" },
];

function resources(ctx: Context): Resource[] {
  const out: Resource[] = [];
  for (const n of strs(ctx, "topic")) out.push({ type: ResourceType.TOPIC, name: n });
  for (const n of strs(ctx, "group")) out.push({ type: ResourceType.GROUP, name: n });
  for (const n of strs(ctx, "transactional-id")) out.push({ type: ResourceType.TRANSACTIONAL_ID, name: n });
  for (const n of strs(ctx, "delegation-token")) out.push({ type: ResourceType.DELEGATION_TOKEN, name: n });
  if (bool(ctx, "cluster")) out.push({ type: ResourceType.CLUSTER, name: CLUSTER_NAME });
  for (const r of out) if (r.name.length === 0) throw new UsageError("a resource name may not be empty");
  return out;
}

function patternType(ctx: Context, forFilter: boolean, named: boolean): number {
  const raw = str(ctx, "resource-pattern-type");
  if (raw === undefined) return named ? PatternType.LITERAL : PatternType.ANY;
  const allowed = forFilter ? [PatternType.LITERAL, PatternType.PREFIXED, PatternType.MATCH, PatternType.ANY] : [PatternType.LITERAL, PatternType.PREFIXED];
  return lookup(PatternType, raw, "--resource-pattern-type", (c) => (allowed as number[]).includes(c));
}

const CONCRETE_OP = (c: number) => c !== AclOp.UNKNOWN && c !== AclOp.ANY;
const operations = (ctx: Context, fallback: number[]): number[] => {
  const list = strs(ctx, "operation");
  return list.length === 0 ? fallback : [...new Set(list.map((o) => lookup(AclOp, o, "--operation", CONCRETE_OP)))];
};

function checkPrincipal(p: string): string {
  const i = p.indexOf(":");
  if (i <= 0 || i === p.length - 1) throw new UsageError(`principal "${p}" is not TYPE:NAME (e.g. User:alice)`);
  return p;
}

export interface AclRow {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

function printRows(ctx: Context, rows: AclRow[]): void {
  if (ctx.json) {
    ctx.out.json(rows);
    return;
  }
  ctx.out.table(
    ["RESOURCE-TYPE", "RESOURCE-NAME", "PATTERN", "PRINCIPAL", "HOST", "OPERATION", "PERMISSION"],
    rows.map((r) => [r.resource_type, r.resource_name, r.pattern_type, r.principal, r.host, r.operation, r.permission]),
  );
}

const rowOf = (x: { resourceType: number; resourceName: string; patternType: number; principal: string; host: string; operation: number; permissionType: number }): AclRow => ({
  resource_type: resourceTypeName(x.resourceType),
  resource_name: x.resourceName,
  pattern_type: patternTypeName(x.patternType),
  principal: x.principal,
  host: x.host,
  operation: operationName(x.operation),
  permission: permissionName(x.permissionType),
});

interface Filter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

/** The filters list/delete send: one per named resource, or one over every resource. */
function filters(ctx: Context): Filter[] {
  const rs = resources(ctx);
  const pattern = patternType(ctx, true, rs.length > 0);
  const principal = str(ctx, "principal");
  if (principal !== undefined) checkPrincipal(principal);
  const opRaw = str(ctx, "operation");
  const permRaw = str(ctx, "permission");
  const base = {
    patternTypeFilter: pattern,
    principalFilter: principal ?? null,
    hostFilter: str(ctx, "host") ?? null,
    operation: opRaw === undefined ? AclOp.ANY : lookup(AclOp, opRaw, "--operation", (c) => c !== AclOp.UNKNOWN),
    permissionType: permRaw === undefined ? Permission.ANY : lookup(Permission, permRaw, "--permission", (c) => c !== Permission.UNKNOWN),
  };
  if (rs.length === 0) return [{ resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, ...base }];
  return rs.map((r) => ({ resourceTypeFilter: r.type, resourceNameFilter: r.name, ...base }));
}

export async function describeAclRows(client: KafkaClient, f: Filter): Promise<AclRow[]> {
  const { body } = await client.send(DescribeAcls, f);
  if (body.errorCode !== 0) throw new KafkaError(body.errorCode, "describe ACLs", body.errorMessage);
  return body.resources.flatMap((r) => r.acls.map((a) => rowOf({ resourceType: r.resourceType, resourceName: r.resourceName, patternType: r.patternType, principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType })));
}

const sortRows = (rows: AclRow[]) =>
  rows.sort((a, b) => a.resource_type.localeCompare(b.resource_type) || a.resource_name.localeCompare(b.resource_name) || a.pattern_type.localeCompare(b.pattern_type) || a.principal.localeCompare(b.principal) || a.host.localeCompare(b.host) || a.operation.localeCompare(b.operation) || a.permission.localeCompare(b.permission));

async function list(ctx: Context): Promise<void> {
  const fs = filters(ctx);
  const client = await ctx.client();
  const rows: AclRow[] = [];
  const seen = new Set<string>();
  for (const f of fs) {
    for (const r of await describeAclRows(client, f)) {
      const k = JSON.stringify(r);
      if (!seen.has(k)) rows.push(r), seen.add(k);
    }
  }
  printRows(ctx, sortRows(rows));
}

async function create(ctx: Context): Promise<void> {
  const rs = resources(ctx);
  if (rs.length === 0) throw new UsageError("name a resource: --topic, --group, --transactional-id, --cluster or --delegation-token");
  const pattern = patternType(ctx, false, true);
  const allow = strs(ctx, "allow-principal").map(checkPrincipal);
  const deny = strs(ctx, "deny-principal").map(checkPrincipal);
  if (allow.length + deny.length === 0) throw new UsageError("give --allow-principal or --deny-principal");
  const allowHosts = strs(ctx, "allow-host");
  const denyHosts = strs(ctx, "deny-host");
  const ops = operations(ctx, [AclOp.ALL]);
  const creations = [];
  for (const r of rs) {
    for (const op of ops) {
      for (const p of allow) for (const h of allowHosts.length ? allowHosts : ["*"]) creations.push({ resourceType: r.type, resourceName: r.name, resourcePatternType: pattern, principal: p, host: h, operation: op, permissionType: Permission.ALLOW });
      for (const p of deny) for (const h of denyHosts.length ? denyHosts : ["*"]) creations.push({ resourceType: r.type, resourceName: r.name, resourcePatternType: pattern, principal: p, host: h, operation: op, permissionType: Permission.DENY });
    }
  }
  const client = await ctx.client();
  const { body } = await client.send(CreateAcls, { creations });
  const results = creations.map((c, i) => {
    const res = body.results[i];
    return { ...rowOf({ ...c, patternType: c.resourcePatternType }), error: res === undefined ? "UNKNOWN_SERVER_ERROR" : res.errorCode === 0 ? null : new KafkaError(res.errorCode, "").codeName, code: res?.errorCode ?? -1, message: res?.errorMessage ?? null };
  });
  if (ctx.json) ctx.out.json(results.map(({ code: _c, message: _m, ...r }) => r));
  else ctx.out.table(["RESOURCE-TYPE", "RESOURCE-NAME", "PATTERN", "PRINCIPAL", "HOST", "OPERATION", "PERMISSION", "STATUS"], results.map((r) => [r.resource_type, r.resource_name, r.pattern_type, r.principal, r.host, r.operation, r.permission, r.error ?? "created"]));
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new KafkaError(failed.code, `create ACL ${failed.resource_type}:${failed.resource_name} ${failed.principal} ${failed.operation}`, failed.message);
}

async function remove(ctx: Context): Promise<void> {
  if (resources(ctx).length === 0 && str(ctx, "principal") === undefined) throw new UsageError("name a resource or --principal (a resource name matches itself only: --topic '*' is the wildcard binding, not every topic)");
  const fs = filters(ctx);
  const client = await ctx.client();
  const { body } = await client.send(DeleteAcls, { filters: fs });
  const rows: AclRow[] = [];
  let failure: KafkaError | null = null;
  for (const fr of body.filterResults) {
    if (fr.errorCode !== 0) failure ??= new KafkaError(fr.errorCode, "delete ACLs", fr.errorMessage);
    for (const m of fr.matchingAcls) {
      if (m.errorCode !== 0) failure ??= new KafkaError(m.errorCode, "delete ACL", m.errorMessage);
      else rows.push(rowOf({ resourceType: m.resourceType, resourceName: m.resourceName, patternType: m.patternType, principal: m.principal, host: m.host, operation: m.operation, permissionType: m.permissionType }));
    }
  }
  if (failure) throw failure;
  printRows(ctx, sortRows(rows));
}

const FILTER_FLAGS: FlagSpec[] = [
  ...RESOURCE_FLAGS,
  { name: "principal", kind: "string", value: "TYPE:NAME", help: "only bindings of this principal (User:alice)" },
  { name: "host", kind: "string", value: "HOST", help: "only bindings for this host" },
  { name: "operation", kind: "string", value: "OP", help: "only this operation (Read, Write, ..., All, Any)" },
  { name: "permission", kind: "string", value: "P", help: "only Allow or Deny bindings" },
];

export const aclCommands: Group = {
  name: "acl",
  summary: "list, create and delete access control lists (ACLs)",
  commands: [
    { name: "list", summary: "list ACL bindings (every binding, or those matching the filter)", flags: FILTER_FLAGS, positionals: [], run: list },
    {
      name: "create",
      summary: "create ACL bindings: every resource x operation x principal x host given",
      details: "Operations: All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, TwoPhaseCommit.",
      flags: [
        ...RESOURCE_FLAGS,
        { name: "allow-principal", kind: "strings", value: "TYPE:NAME", help: "principal to allow (User:alice, User:* for everyone)" },
        { name: "deny-principal", kind: "strings", value: "TYPE:NAME", help: "principal to deny" },
        { name: "allow-host", kind: "strings", value: "HOST", help: "host the allow bindings apply to (default *)" },
        { name: "deny-host", kind: "strings", value: "HOST", help: "host the deny bindings apply to (default *)" },
        { name: "operation", kind: "strings", value: "OP", help: "operation (default All)" },
      ],
      positionals: [],
      run: create,
    },
    { name: "delete", summary: "delete the ACL bindings matching the filter and print them", flags: FILTER_FLAGS, positionals: [], run: remove },
  ],
};
