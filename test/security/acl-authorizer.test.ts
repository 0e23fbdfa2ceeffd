/**
 * The authoriser (src/security/authorizer.ts) against a reference model written from Kafka's
 * documentation (docs/security "Authorization and ACLs", KIP-290 prefixed ACLs):
 *
 *   - super users may do everything;
 *   - the ACLs of a resource are those of its type whose LITERAL name is the resource's or "*",
 *     or whose PREFIXED name is a prefix of it;
 *   - with none of those, allow.everyone.if.no.acl.found decides;
 *   - of them, those for the principal (or User:*) and host (or *) count: a DENY of the operation
 *     or of ALL refuses (deny wins), else an ALLOW of the operation, of ALL, or of an operation
 *     that implies it (READ, WRITE, DELETE, ALTER imply DESCRIBE; ALTER_CONFIGS implies
 *     DESCRIBE_CONFIGS) allows; otherwise refused.
 *
 * A fast-check property over random ACL sets and requests (principal x operation x resource type
 * x pattern type x allow/deny x host; a failure prints its seed), an exhaustive matrix of single
 * bindings, and the ACLs are put in a real metadata image by replaying AccessControlEntry records.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyBatch, MetadataImage } from "../../src/metadata/image.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { Authorizer, parseSuperUsers } from "../../src/security/authorizer.ts";

interface Acl {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

interface Request {
  principal: string;
  host: string;
  op: number;
  resourceType: number;
  resourceName: string;
}

function imageOf(acls: Acl[]): MetadataImage {
  if (acls.length === 0) return MetadataImage.EMPTY;
  const records: MetadataRecord[] = acls.map((a, i) => ({ type: "AccessControlEntry", id: `acl${String(i).padStart(19, "0")}`, ...a }));
  return applyBatch(MetadataImage.EMPTY, 0, records).image;
}

function authorizer(acls: Acl[], o: { superUsers?: string; allowEveryone?: boolean } = {}): Authorizer {
  const image = imageOf(acls);
  return new Authorizer({ enabled: true, superUsers: parseSuperUsers(o.superUsers ?? ""), allowEveryoneIfNoAclFound: o.allowEveryone ?? false }, () => image);
}

/** The reference model (header), as plainly as the documentation says it. */
function reference(acls: Acl[], r: Request, superUsers: string[], allowEveryone: boolean): boolean {
  if (superUsers.includes(r.principal)) return true;
  const onResource = acls.filter(
    (a) =>
      a.resourceType === r.resourceType &&
      ((a.patternType === PatternType.LITERAL && (a.resourceName === r.resourceName || a.resourceName === "*")) ||
        (a.patternType === PatternType.PREFIXED && r.resourceName.startsWith(a.resourceName))),
  );
  if (onResource.length === 0) return allowEveryone;
  const mine = onResource.filter((a) => (a.principal === r.principal || a.principal === "User:*") && (a.host === r.host || a.host === "*"));
  if (mine.some((a) => a.permissionType === Permission.DENY && (a.operation === AclOp.ALL || a.operation === r.op))) return false;
  const implies = (granted: number, wanted: number) =>
    granted === AclOp.ALL ||
    granted === wanted ||
    (wanted === AclOp.DESCRIBE && [AclOp.READ, AclOp.WRITE, AclOp.DELETE, AclOp.ALTER].includes(granted as 3)) ||
    (wanted === AclOp.DESCRIBE_CONFIGS && granted === AclOp.ALTER_CONFIGS);
  return mine.some((a) => a.permissionType === Permission.ALLOW && implies(a.operation, r.op));
}

const NAMES = ["a", "ab", "abc", "b", "*"];
const PRINCIPALS = ["User:alice", "User:bob", "User:*"];
const HOSTS = ["*", "10.0.0.1", "10.0.0.2"];
const TYPES = [ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID, ResourceType.DELEGATION_TOKEN];
const OPS = Array.from({ length: AclOp.TWO_PHASE_COMMIT - AclOp.ALL + 1 }, (_, i) => AclOp.ALL + i);

const aclArb: fc.Arbitrary<Acl> = fc.record({
  resourceType: fc.constantFrom(...TYPES),
  resourceName: fc.constantFrom(...NAMES),
  patternType: fc.constantFrom(PatternType.LITERAL, PatternType.PREFIXED),
  principal: fc.constantFrom(...PRINCIPALS),
  host: fc.constantFrom(...HOSTS),
  operation: fc.constantFrom(...OPS),
  permissionType: fc.constantFrom(Permission.ALLOW, Permission.DENY),
});

const requestArb: fc.Arbitrary<Request> = fc.record({
  principal: fc.constantFrom("User:alice", "User:bob", "User:carol"),
  host: fc.constantFrom("10.0.0.1", "10.0.0.2"),
  op: fc.constantFrom(...OPS.filter((o) => o !== AclOp.ALL)),
  resourceType: fc.constantFrom(...TYPES),
  resourceName: fc.constantFrom("a", "ab", "abc", "abd", "b", "c"),
});

describe("authoriser", () => {
  test("property: agrees with the reference model on random ACL sets and requests", () => {
    fc.assert(
      fc.property(fc.array(aclArb, { maxLength: 12 }), fc.array(requestArb, { minLength: 1, maxLength: 20 }), fc.boolean(), fc.boolean(), (acls, requests, allowEveryone, bobIsSuper) => {
        const supers = bobIsSuper ? ["User:bob"] : [];
        const az = authorizer(acls, { superUsers: supers.join(";"), allowEveryone });
        for (const r of requests) {
          const got = az.authorize(r.principal, r.host, r.op, r.resourceType, r.resourceName);
          const want = reference(acls, r, supers, allowEveryone);
          if (got !== want) throw new Error(`authorize(${JSON.stringify(r)}) = ${got}, reference ${want}; ACLs ${JSON.stringify(acls)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("matrix: every single binding (type x pattern x operation x permission) against every request operation", () => {
    let checked = 0;
    for (const resourceType of TYPES)
      for (const patternType of [PatternType.LITERAL, PatternType.PREFIXED])
        for (const operation of OPS)
          for (const permissionType of [Permission.ALLOW, Permission.DENY])
            for (const principal of ["User:alice", "User:*"]) {
              const acl: Acl = { resourceType, resourceName: patternType === PatternType.LITERAL ? "orders" : "ord", patternType, principal, host: "*", operation, permissionType };
              const az = authorizer([acl]);
              for (const op of OPS.filter((o) => o !== AclOp.ALL))
                for (const who of ["User:alice", "User:bob"])
                  for (const name of ["orders", "other"]) {
                    const r = { principal: who, host: "10.0.0.1", op, resourceType, resourceName: name };
                    expect(az.authorize(r.principal, r.host, r.op, r.resourceType, r.resourceName)).toBe(reference([acl], r, [], false));
                    checked++;
                  }
            }
    expect(checked).toBe(TYPES.length * 2 * OPS.length * 2 * 2 * (OPS.length - 1) * 2 * 2);
  });

  test("Kafka's documented cases", () => {
    const allowRead: Acl = { resourceType: ResourceType.TOPIC, resourceName: "orders", patternType: PatternType.LITERAL, principal: "User:alice", host: "*", operation: AclOp.READ, permissionType: Permission.ALLOW };
    const az = authorizer([allowRead, { ...allowRead, host: "10.0.0.9", permissionType: Permission.DENY }]);
    expect(az.authorize("User:alice", "10.0.0.1", AclOp.READ, ResourceType.TOPIC, "orders")).toBe(true);
    // READ implies DESCRIBE; it does not imply WRITE.
    expect(az.authorize("User:alice", "10.0.0.1", AclOp.DESCRIBE, ResourceType.TOPIC, "orders")).toBe(true);
    expect(az.authorize("User:alice", "10.0.0.1", AclOp.WRITE, ResourceType.TOPIC, "orders")).toBe(false);
    // A DENY from one host wins there only.
    expect(az.authorize("User:alice", "10.0.0.9", AclOp.READ, ResourceType.TOPIC, "orders")).toBe(false);
    // A resource with ACLs is closed to others even with allow_everyone_if_no_acl_found; one without is open.
    const open = authorizer([allowRead], { allowEveryone: true });
    expect(open.authorize("User:bob", "10.0.0.1", AclOp.READ, ResourceType.TOPIC, "orders")).toBe(false);
    expect(open.authorize("User:bob", "10.0.0.1", AclOp.READ, ResourceType.TOPIC, "payments")).toBe(true);
    // Super users pass; the authoriser switched off allows everything.
    expect(authorizer([], { superUsers: "User:admin;User:ops" }).authorize("User:ops", "h", AclOp.ALTER, ResourceType.CLUSTER, "kafka-cluster")).toBe(true);
    const off = new Authorizer({ enabled: false, superUsers: new Set(), allowEveryoneIfNoAclFound: false }, () => MetadataImage.EMPTY);
    expect(off.authorize("User:x", "h", AclOp.ALTER, ResourceType.CLUSTER, "kafka-cluster")).toBe(true);
    // authorized operations: READ gives READ and DESCRIBE.
    expect(az.authorizedOperations("User:alice", "10.0.0.1", ResourceType.TOPIC, "orders", 0xfff8)).toBe((1 << AclOp.READ) | (1 << AclOp.DESCRIBE));
  });

  test("authorizeByResourceType: some topic WRITE not covered by a DENY", () => {
    const w = (name: string, patternType: number, permissionType: number): Acl => ({ resourceType: ResourceType.TOPIC, resourceName: name, patternType, principal: "User:alice", host: "*", operation: AclOp.WRITE, permissionType });
    const by = (acls: Acl[]) => authorizer(acls).authorizeByResourceType("User:alice", "h", AclOp.WRITE, ResourceType.TOPIC);
    expect(by([])).toBe(false);
    expect(by([w("orders", PatternType.LITERAL, Permission.ALLOW)])).toBe(true);
    expect(by([w("orders", PatternType.LITERAL, Permission.ALLOW), w("ord", PatternType.PREFIXED, Permission.DENY)])).toBe(false);
    expect(by([w("orders", PatternType.LITERAL, Permission.ALLOW), w("*", PatternType.LITERAL, Permission.DENY)])).toBe(false);
    expect(by([w("orders", PatternType.LITERAL, Permission.ALLOW), w("pay", PatternType.PREFIXED, Permission.DENY)])).toBe(true);
  });
});
