/**
 * ACL and user routes (Kafka's DescribeAcls/CreateAcls/DeleteAcls and
 * Describe/AlterUserScramCredentials through the internal client). Changing either needs the
 * admin role.
 *
 *   GET    /api/acls                 every binding
 *   POST   /api/acls                 {resourceType, resourceName, patternType, principal, host,
 *                                     operation, permission} (names as Kafka's: TOPIC, LITERAL, READ, ALLOW)
 *   DELETE /api/acls                 the same fields: the bindings matching exactly
 *   GET    /api/users                SCRAM users and their mechanisms
 *   POST   /api/users                {name, password, mechanism?, iterations?}
 *   DELETE /api/users/:name          every SCRAM credential of the user
 */
import { randomBytes } from "node:crypto";
import { KafkaError } from "../../client/index.ts";
import { describeAclRows } from "../../cli/acl.ts";
import { DEFAULT_SCRAM_ITERATIONS, describeUsers, SCRAM_SALT_BYTES } from "../../cli/user.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { AlterUserScramCredentials } from "../../protocol/messages/alter-user-scram-credentials.ts";
import { CreateAcls } from "../../protocol/messages/create-acls.ts";
import { DeleteAcls } from "../../protocol/messages/delete-acls.ts";
import { AclOp, CLUSTER_NAME, PatternType, Permission, ResourceType } from "../../security/acl.ts";
import { saltedPassword, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, scramMechanismCode } from "../../security/sasl/scram.ts";
import type { Role } from "../auth.ts";
import type { App, ConsoleDeps } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { int, readBody, str, type Body } from "./input.ts";

const squash = (s: string) => s.toUpperCase().replace(/[-_ ]/g, "");
function lookup(table: Record<string, number>, raw: string, what: string, allowed: string[]): number {
  for (const name of allowed) if (squash(name) === squash(raw)) return table[name]!;
  throw badRequest(`"${what}" must be one of ${allowed.join(", ")}`);
}
const RESOURCE_TYPES = ["TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"];
const OPERATIONS = ["ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS", "DESCRIBE_TOKENS"];

function binding(b: Body) {
  const resourceType = lookup(ResourceType, str(b, "resourceType"), "resourceType", RESOURCE_TYPES);
  const resourceName = resourceType === ResourceType.CLUSTER ? CLUSTER_NAME : str(b, "resourceName", { maxLength: 32_767 });
  if (resourceName === "") throw badRequest(`"resourceName" is required`);
  const principal = str(b, "principal", { maxLength: 1000 });
  if (!/^[^:]+:.+$/.test(principal)) throw badRequest(`"principal" must be TYPE:NAME, e.g. User:alice`);
  return {
    resourceType,
    resourceName,
    patternType: lookup(PatternType, str(b, "patternType", { optional: true }) || "LITERAL", "patternType", ["LITERAL", "PREFIXED"]),
    principal,
    host: str(b, "host", { optional: true, maxLength: 1000 }) || "*",
    operation: lookup(AclOp, str(b, "operation"), "operation", OPERATIONS),
    permissionType: lookup(Permission, str(b, "permission", { optional: true }) || "ALLOW", "permission", ["ALLOW", "DENY"]),
  };
}

export function securityRoutes(app: App, deps: ConsoleDeps, need: (r: Role) => any): void {
  app.get("/api/acls", async (c) => {
    const rows = await describeAclRows(deps.client(), { resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY, principalFilter: null, hostFilter: null, operation: AclOp.ANY, permissionType: Permission.ANY });
    return c.json({ acls: rows.slice(0, 10_000), total: rows.length });
  });
  app.post("/api/acls", need("admin"), async (c) => {
    const a = binding(await readBody(c));
    const { body } = await deps.client().send(CreateAcls, { creations: [{ ...a, resourcePatternType: a.patternType }] });
    const r = body.results[0];
    if (!r) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, "create ACL");
    if (r.errorCode !== 0) throw new KafkaError(r.errorCode, "create ACL", r.errorMessage);
    return c.json({ created: true }, 201);
  });
  app.delete("/api/acls", need("admin"), async (c) => {
    const a = binding(await readBody(c));
    const { body } = await deps.client().send(DeleteAcls, {
      filters: [{ resourceTypeFilter: a.resourceType, resourceNameFilter: a.resourceName, patternTypeFilter: a.patternType, principalFilter: a.principal, hostFilter: a.host, operation: a.operation, permissionType: a.permissionType }],
    });
    const fr = body.filterResults[0];
    if (fr && fr.errorCode !== 0) throw new KafkaError(fr.errorCode, "delete ACL", fr.errorMessage);
    return c.json({ deleted: fr?.matchingAcls.length ?? 0 });
  });
  app.get("/api/users", async (c) => c.json({ users: await describeUsers(deps.client(), null) }));
  app.post("/api/users", need("admin"), async (c) => {
    const b = await readBody(c);
    const name = str(b, "name", { maxLength: 1000 });
    if (name === "") throw badRequest(`"name" is required`);
    const password = str(b, "password", { maxLength: 1000 });
    if (password === "") throw badRequest(`"password" is empty`);
    const mechName = str(b, "mechanism", { optional: true }) || "SCRAM-SHA-256";
    const mech = scramMechanismCode(mechName.toUpperCase());
    if (mech === null) throw badRequest(`"mechanism" must be SCRAM-SHA-256 or SCRAM-SHA-512`);
    const iterations = int(b, "iterations", SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS, DEFAULT_SCRAM_ITERATIONS);
    const salt = randomBytes(SCRAM_SALT_BYTES);
    const { body } = await deps.client().send(AlterUserScramCredentials, { deletions: [], upsertions: [{ name, mechanism: mech, iterations, salt, saltedPassword: saltedPassword(mech, password, salt, iterations) }] });
    const r = body.results[0];
    if (r && r.errorCode !== 0) throw new KafkaError(r.errorCode, `create user ${name}`, r.errorMessage);
    return c.json({ user: name, mechanism: mechName.toUpperCase(), iterations }, 201);
  });
  app.delete("/api/users/:name", need("admin"), async (c) => {
    const name = decodeURIComponent(c.req.param("name"));
    const [u] = await describeUsers(deps.client(), [name]);
    const mechs = (u?.mechanisms ?? []).map((m) => scramMechanismCode(m.mechanism)!).filter((m) => m !== null);
    if (mechs.length === 0) return c.json({ error: { status: 404, code: "RESOURCE_NOT_FOUND", message: `user ${name} has no SCRAM credentials` } }, 404);
    const { body } = await deps.client().send(AlterUserScramCredentials, { deletions: mechs.map((mechanism) => ({ name, mechanism })), upsertions: [] });
    const bad = body.results.find((r) => r.errorCode !== 0);
    if (bad) throw new KafkaError(bad.errorCode, `delete user ${name}`, bad.errorMessage);
    return c.json({ deleted: name });
  });
}
