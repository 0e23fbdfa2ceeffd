/**
 * Client quotas (DescribeClientQuotas 48, AlterClientQuotas 49) as Kafka 4.4's controller and
 * ClientQuotasImage answer them. Entities are combinations of the types "user", "client-id" and
 * "ip" (a null name is that type's default entity): {user}, {client-id}, {user, client-id} or
 * {ip}. Keys: producer_byte_rate, consumer_byte_rate (whole numbers), request_percentage,
 * controller_mutation_rate for user/client-id entities; connection_creation_rate (a whole
 * number) for ip entities. Every refusal is INVALID_REQUEST with Kafka's message (an unknown key
 * or entity type, a bad combination, an empty entity or user name, a fraction for a whole-number
 * key, a value not above 0, a key twice in one entry); a type given twice keeps its last part, as
 * Kafka's entity map does; an entity given twice in one request gets one answer, "Ignoring
 * duplicate entity", with only its first entry applied — all checked against the local Kafka 4.4.
 * Each entity stands alone (the good ones are committed, as ClientQuotaRecord metadata records,
 * through the controller: forwarded there in a cluster); validateOnly commits nothing.
 */
import { clientQuotaEntityKey, type MetadataImage } from "../metadata/image.ts";
import type { ClientQuotaRecord, MetadataRecord } from "../metadata/records.ts";
import { ErrorCode } from "../protocol/errors.ts";

export const USER = "user";
export const CLIENT_ID = "client-id";
export const IP = "ip";
const ENTITY_TYPES = new Set([USER, CLIENT_ID, IP]);

/** Quota keys and whether their value must be a whole number (Kafka's LONG / INT configs). */
export const CLIENT_KEYS: ReadonlyMap<string, boolean> = new Map([
  ["producer_byte_rate", true],
  ["consumer_byte_rate", true],
  ["request_percentage", false],
  ["controller_mutation_rate", false],
]);
export const IP_KEYS: ReadonlyMap<string, boolean> = new Map([["connection_creation_rate", true]]);

export interface EntityPart {
  entityType: string;
  entityName: string | null;
}

interface Failure {
  code: number;
  message: string;
}

/** Checks an entity's shape; null when it is one Kafka accepts. */
export function entityError(entity: readonly EntityPart[]): Failure | null {
  if (entity.length === 0) return { code: ErrorCode.INVALID_REQUEST, message: "Invalid empty client quota entity" };
  const seen = new Set<string>();
  for (const e of entity) {
    if (!ENTITY_TYPES.has(e.entityType)) return { code: ErrorCode.INVALID_REQUEST, message: `Unhandled client quota entity type: ${e.entityType}` };
    if (e.entityType === USER && e.entityName === "") return { code: ErrorCode.INVALID_REQUEST, message: "Empty user not supported" };
    seen.add(e.entityType);
  }
  // Kafka's message, its missing space included.
  if (seen.has(IP) && seen.size > 1) return { code: ErrorCode.INVALID_REQUEST, message: "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId" };
  const ip = entity.find((e) => e.entityType === IP);
  if (ip && ip.entityName !== null && !isIpAddress(ip.entityName)) return { code: ErrorCode.INVALID_REQUEST, message: `${ip.entityName} is not a valid IP or resolvable host.` };
  return null;
}

function isIpAddress(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split(".").every((p) => Number(p) <= 255);
  return s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s) && s.length <= 45;
}

export interface AlterEntry {
  entity: EntityPart[];
  ops: { key: string; value: number; remove: boolean }[];
}

export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
  entity: EntityPart[];
}

function opError(entity: readonly EntityPart[], op: { key: string; value: number; remove: boolean }): Failure | null {
  const keys = entity.some((e) => e.entityType === IP) ? IP_KEYS : CLIENT_KEYS;
  const whole = keys.get(op.key);
  if (whole === undefined) return { code: ErrorCode.INVALID_REQUEST, message: `Invalid configuration key ${op.key}` };
  if (op.remove) return null;
  if (!Number.isFinite(op.value)) return { code: ErrorCode.INVALID_REQUEST, message: `Invalid value for config ${op.key}` };
  if (whole && !Number.isInteger(op.value)) return { code: ErrorCode.INVALID_REQUEST, message: `${op.key} cannot be a fractional value.` };
  if (!(op.value > 0)) return { code: ErrorCode.INVALID_REQUEST, message: `Quota ${op.key} must be greater than 0` };
  return null;
}

/** Kafka's ClientQuotaEntity.toString: "ClientQuotaEntity(entries={user=alice, client-id=app})". */
function entityText(entity: readonly EntityPart[]): string {
  return `ClientQuotaEntity(entries={${entity.map((e) => `${e.entityType}=${e.entityName}`).join(", ")}})`;
}

/**
 * A type given twice keeps its last part (Kafka builds a map of the parts); the parts come back in
 * the order of Kafka's map: client-id, user, ip (as Kafka 4.4 answers), then any unknown type.
 */
function collapse(entity: readonly EntityPart[]): EntityPart[] {
  const byType = new Map<string, string | null>();
  for (const e of entity) byType.set(e.entityType, e.entityName);
  const rank = (t: string) => { const i = [CLIENT_ID, USER, IP].indexOf(t); return i < 0 ? 3 : i; };
  return [...byType].map(([entityType, entityName]) => ({ entityType, entityName })).sort((a, b) => rank(a.entityType) - rank(b.entityType));
}

/** Decides the records of an AlterClientQuotas request; `commit` persists them (unless validateOnly). */
export function alterClientQuotas(entries: readonly AlterEntry[], validateOnly: boolean, commit: (records: MetadataRecord[]) => void): AlterResult[] {
  const records: ClientQuotaRecord[] = [];
  // One answer per entity, in the order each first appears.
  const byEntity = new Map<string, { entity: EntityPart[]; entries: AlterEntry[] }>();
  for (const e of entries) {
    const entity = collapse(e.entity);
    const key = clientQuotaEntityKey(entity);
    const group = byEntity.get(key);
    if (group) group.entries.push(e);
    else byEntity.set(key, { entity, entries: [e] });
  }
  const results = [...byEntity.values()].map(({ entity, entries: group }): AlterResult => {
    const ops = group[0]!.ops;
    const fail =
      new Set(ops.map((o) => o.key)).size !== ops.length
        ? { code: ErrorCode.INVALID_REQUEST, message: `Ignoring duplicate entity ${entityText(entity)}` }
        : (entityError(entity) ?? ops.map((op) => opError(entity, op)).find((f) => f !== null) ?? null);
    if (fail) return { errorCode: fail.code, errorMessage: fail.message, entity };
    for (const op of ops) {
      records.push({ type: "ClientQuota", entity: entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName })), key: op.key, value: op.remove ? 0 : op.value, remove: op.remove });
    }
    // An entity given again later in the request: its first entry is applied (as Kafka 4.4 does),
    // the later ones ignored, and the answer says so.
    if (group.length > 1) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Ignoring duplicate entity ${entityText(entity)}`, entity };
    return { errorCode: ErrorCode.NONE, errorMessage: null, entity };
  });
  if (!validateOnly && records.length > 0) commit(records);
  return results;
}

export interface FilterComponent {
  entityType: string;
  /** 0 exact name, 1 default name, 2 any specified name. */
  matchType: number;
  match: string | null;
}

export interface DescribeResult {
  errorCode: number;
  errorMessage: string | null;
  entries: { entity: EntityPart[]; values: { key: string; value: number }[] }[] | null;
}

/** The entities matching a filter with their quota values (ClientQuotasImage.describe). */
export function describeClientQuotas(image: MetadataImage, components: readonly FilterComponent[], strict: boolean): DescribeResult {
  const bad = (message: string): DescribeResult => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, entries: null });
  const byType = new Map<string, FilterComponent>();
  for (const c of components) {
    if (!ENTITY_TYPES.has(c.entityType)) return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unsupported entity type ${c.entityType}`, entries: null };
    if (byType.has(c.entityType)) return bad(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    if (c.matchType === 0 && c.match === null) return bad("Request specified MATCH_TYPE_EXACT, but set match string to null.");
    if (c.matchType === 1 && c.match !== null) return bad("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
    if (c.matchType !== 0 && c.matchType !== 1 && c.matchType !== 2) return bad(`Unknown match type ${c.matchType}`);
    byType.set(c.entityType, c);
  }
  if (byType.has(IP) && (byType.has(USER) || byType.has(CLIENT_ID))) return bad("Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.");
  const entries: NonNullable<DescribeResult["entries"]> = [];
  for (const q of image.clientQuotas.values()) {
    if (strict && q.entity.length !== byType.size) continue;
    const ok = [...byType.values()].every((c) => {
      const part = q.entity.find((e) => e.entityType === c.entityType);
      if (!part) return false;
      if (c.matchType === 0) return part.entityName === c.match;
      if (c.matchType === 1) return part.entityName === null;
      return part.entityName !== null;
    });
    if (!ok) continue;
    entries.push({ entity: q.entity.map((e) => ({ ...e })), values: [...q.values].map(([key, value]) => ({ key, value })) });
  }
  entries.sort((a, b) => (clientQuotaEntityKey(a.entity) < clientQuotaEntityKey(b.entity) ? -1 : 1));
  // Kafka 4.4 answers an empty message (not null) on success.
  return { errorCode: ErrorCode.NONE, errorMessage: "", entries };
}
