/**
 * ACL bindings as Kafka has them (org.apache.kafka.common.acl / resource): a resource pattern
 * (resource type, name, pattern type) and an access control entry (principal, host, operation,
 * permission type), each a Kafka code on the wire and in the metadata records
 * (AccessControlEntryRecord, src/metadata/records.ts).
 *
 * Codes:
 *   ResourceType   0 UNKNOWN 1 ANY 2 TOPIC 3 GROUP 4 CLUSTER 5 TRANSACTIONAL_ID 6 DELEGATION_TOKEN 7 USER
 *   PatternType    0 UNKNOWN 1 ANY 2 MATCH 3 LITERAL 4 PREFIXED
 *   AclOperation   0 UNKNOWN 1 ANY 2 ALL 3 READ 4 WRITE 5 CREATE 6 DELETE 7 ALTER 8 DESCRIBE
 *                  9 CLUSTER_ACTION 10 DESCRIBE_CONFIGS 11 ALTER_CONFIGS 12 IDEMPOTENT_WRITE
 *                  13 CREATE_TOKENS 14 DESCRIBE_TOKENS 15 TWO_PHASE_COMMIT
 *   PermissionType 0 UNKNOWN 1 ANY 2 DENY 3 ALLOW
 *
 * This module holds the pure parts: the codes, the checks CreateAcls makes on a new binding
 * (Kafka's messages, INVALID_REQUEST), and how a DescribeAcls / DeleteAcls filter matches a
 * binding (AclBindingFilter.matches: ANY matches everything; MATCH matches the bindings that
 * would apply to the named resource — the literal name, the wildcard "*", and prefixes of it).
 */
import type { AclEntry } from "../metadata/image.ts";
import { parsePrincipal } from "./principal.ts";

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const AclOp = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
  TWO_PHASE_COMMIT: 15,
} as const;
export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The only name a CLUSTER resource has. */
export const CLUSTER_NAME = "kafka-cluster";
/** The wildcard resource name (LITERAL "*" matches every resource of its type) and host. */
export const WILDCARD = "*";
/** The wildcard principal: every principal of type User. */
export const WILDCARD_PRINCIPAL = "User:*";

/** A binding without its id (what CreateAcls asks for). */
export type AclBinding = Omit<AclEntry, "id">;

export interface AclFilter {
  resourceType: number;
  /** null: any name. */
  resourceName: string | null;
  patternType: number;
  /** null: any principal. */
  principal: string | null;
  /** null: any host. */
  host: string | null;
  operation: number;
  permissionType: number;
}

const codeName = (table: Record<string, number>, code: number): string => Object.keys(table).find((k) => table[k] === code) ?? "UNKNOWN"; // as Kafka's fromCode
export const resourceTypeName = (c: number) => codeName(ResourceType, c);
export const patternTypeName = (c: number) => codeName(PatternType, c);
export const operationName = (c: number) => codeName(AclOp, c);
export const permissionName = (c: number) => codeName(Permission, c);

const KNOWN_RESOURCE = (c: number) => c >= ResourceType.TOPIC && c <= ResourceType.USER;
const KNOWN_OPERATION = (c: number) => c >= AclOp.ALL && c <= AclOp.TWO_PHASE_COMMIT;

/**
 * Why CreateAcls refuses `b` (INVALID_REQUEST with this message), or null. The messages are Kafka
 * 4.4's (probed). Kafka answers an ANY pattern or permission type with UNKNOWN_SERVER_ERROR and
 * closes the connection on an UNKNOWN operation or resource type; Takhin answers all of them
 * INVALID_REQUEST with a message.
 */
export function newBindingError(b: AclBinding): string | null {
  if (!KNOWN_RESOURCE(b.resourceType)) return `Invalid resourceType ${resourceTypeName(b.resourceType)}`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `Invalid patternType ${patternTypeName(b.patternType)}`;
  if (b.resourceName === "") return "Invalid empty resource name";
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  if (parsePrincipal(b.principal) === null) return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  if (!KNOWN_OPERATION(b.operation)) return `Invalid operation ${operationName(b.operation)}`;
  if (b.permissionType !== Permission.ALLOW && b.permissionType !== Permission.DENY) return `Invalid permissionType ${permissionName(b.permissionType)}`;
  return null;
}

/** Why a DescribeAcls / DeleteAcls filter is refused (INVALID_REQUEST), or null. */
export function filterError(f: AclFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || f.resourceType > ResourceType.USER || f.resourceType < 0) return `Invalid resourceType filter ${resourceTypeName(f.resourceType)}`;
  if (f.patternType === PatternType.UNKNOWN || f.patternType > PatternType.PREFIXED || f.patternType < 0) return `Invalid patternType filter ${patternTypeName(f.patternType)}`;
  if (f.operation === AclOp.UNKNOWN || f.operation > AclOp.TWO_PHASE_COMMIT || f.operation < 0) return `Invalid operation filter ${operationName(f.operation)}`;
  if (f.permissionType === Permission.UNKNOWN || f.permissionType > Permission.ALLOW || f.permissionType < 0) return `Invalid permissionType filter ${permissionName(f.permissionType)}`;
  return null;
}

/** Whether the resource-pattern part of `f` matches the pattern of binding `b` (ResourcePatternFilter.matches). */
function patternMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType === PatternType.ANY) return f.resourceName === null || f.resourceName === b.resourceName;
  if (f.patternType === PatternType.MATCH) {
    // The bindings that would apply to the resource named in the filter.
    if (f.resourceName === null) return true;
    if (b.patternType === PatternType.LITERAL) return b.resourceName === f.resourceName || b.resourceName === WILDCARD;
    return f.resourceName.startsWith(b.resourceName);
  }
  return f.patternType === b.patternType && (f.resourceName === null || f.resourceName === b.resourceName);
}

/** AclBindingFilter.matches: the pattern part, then the entry part (ANY / null match everything). */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (!patternMatches(f, b)) return false;
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== AclOp.ANY && f.operation !== b.operation) return false;
  if (f.permissionType !== Permission.ANY && f.permissionType !== b.permissionType) return false;
  return true;
}

/** The same binding (every field but the id): CreateAcls of an existing binding adds nothing. */
export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}
