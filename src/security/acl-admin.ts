/**
 * ACL administration behind CreateAcls (30), DescribeAcls (29) and DeleteAcls (31): Kafka's checks
 * and answers, and the AccessControlEntry / RemoveAccessControlEntry records committed through the
 * controller seam (the LocalController on one node; in a cluster the active controller's scratch
 * controller, whose captured records the quorum commits — cluster-node.ts forwards CreateAcls and
 * DeleteAcls there). DescribeAcls reads the local image, as a Kafka broker answers from its own
 * authoriser's copy.
 *
 * Without authorizer_enabled every call answers SECURITY_DISABLED with Kafka 4.4's messages
 * ("No Authorizer is configured." per creation and filter, "No Authorizer is configured on the
 * broker" for DescribeAcls). Authorisation of the calls themselves (ALTER / DESCRIBE on CLUSTER)
 * is acl-enforcement.ts's.
 *
 * CreateAcls: each creation checked on its own (acl.ts newBindingError, INVALID_REQUEST); an
 * existing identical binding is not added twice (success, as Kafka); the valid new ones of a
 * request are one metadata batch. Past MAX_ACL_BINDINGS a creation is refused with
 * POLICY_VIOLATION (Kafka has no cap; Takhin bounds what a client can make the image hold).
 * DeleteAcls: each filter checked (INVALID_REQUEST); a binding matched by several filters is
 * removed once and listed under the first; all removals of a request are one batch.
 */
import { MAX_ACL_BINDINGS } from "../limits.ts";
import type { LocalController } from "../metadata/controller.ts";
import type { AclEntry } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { randomUuidString } from "../metadata/uuid.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { filterError, filterMatches, newBindingError, sameBinding, type AclBinding, type AclFilter } from "./acl.ts";

export const NO_AUTHORIZER = "No Authorizer is configured.";
export const NO_AUTHORIZER_ON_BROKER = "No Authorizer is configured on the broker";

export interface AclResult {
  errorCode: number;
  errorMessage: string | null;
}

export function createAcls(metadata: LocalController, enabled: boolean, creations: readonly AclBinding[]): AclResult[] {
  if (!enabled) return creations.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER }));
  const existing = [...metadata.image.acls.values()];
  const records: MetadataRecord[] = [];
  const added: AclBinding[] = [];
  const used = new Set(metadata.image.acls.keys());
  const results = creations.map((c): AclResult => {
    const b: AclBinding = { resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.patternType, principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType };
    const why = newBindingError(b);
    if (why) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why };
    if (existing.some((e) => sameBinding(e, b)) || added.some((e) => sameBinding(e, b))) return { errorCode: ErrorCode.NONE, errorMessage: null };
    if (existing.length + added.length >= MAX_ACL_BINDINGS) return { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: `at most ${MAX_ACL_BINDINGS} ACL bindings (MAX_ACL_BINDINGS)` };
    let id = randomUuidString();
    while (used.has(id)) id = randomUuidString();
    used.add(id);
    added.push(b);
    records.push({ type: "AccessControlEntry", id, ...b });
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  });
  if (records.length > 0) metadata.commit(records);
  return results;
}

export interface DescribedResource {
  resourceType: number;
  resourceName: string;
  patternType: number;
  acls: { principal: string; host: string; operation: number; permissionType: number }[];
}

export type DescribeAclsResult = { errorCode: number; errorMessage: string | null; resources: DescribedResource[] };

/** The bindings matching `f`, grouped by resource pattern (type, name, pattern type), in a stable order. */
export function describeAcls(acls: ReadonlyMap<string, AclEntry>, enabled: boolean, f: AclFilter): DescribeAclsResult {
  if (!enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER_ON_BROKER, resources: [] };
  const why = filterError(f);
  if (why) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why, resources: [] };
  const groups = new Map<string, DescribedResource>();
  for (const a of acls.values()) {
    if (!filterMatches(f, a)) continue;
    const key = `${a.resourceType}\u0000${a.patternType}\u0000${a.resourceName}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { resourceType: a.resourceType, resourceName: a.resourceName, patternType: a.patternType, acls: [] }));
    g.acls.push({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType });
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, resources: [...groups.values()] };
}

export interface DeleteFilterResult extends AclResult {
  matchingAcls: (AclResult & AclBinding)[];
}

export function deleteAcls(metadata: LocalController, enabled: boolean, filters: readonly AclFilter[]): DeleteFilterResult[] {
  if (!enabled) return filters.map(() => ({ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: NO_AUTHORIZER, matchingAcls: [] }));
  const removed = new Set<string>();
  const records: MetadataRecord[] = [];
  const results = filters.map((f): DeleteFilterResult => {
    const why = filterError(f);
    if (why) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: why, matchingAcls: [] };
    const matchingAcls: DeleteFilterResult["matchingAcls"] = [];
    for (const a of metadata.image.acls.values()) {
      if (removed.has(a.id) || !filterMatches(f, a)) continue;
      removed.add(a.id);
      records.push({ type: "RemoveAccessControlEntry", id: a.id });
      const { id: _id, ...binding } = a;
      matchingAcls.push({ errorCode: ErrorCode.NONE, errorMessage: null, ...binding });
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls };
  });
  if (records.length > 0) metadata.commit(records);
  return results;
}
