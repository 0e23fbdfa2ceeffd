/**
 * The records of the `_schemas` topic (one partition, cleanup.policy=compact), in Confluent
 * Schema Registry's own JSON key and value formats, so either registry can read the other's topic:
 *
 *   key {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
 *     value {"subject":"s","version":1,"id":7,"schemaType":"PROTOBUF","references":[{"name":..,"subject":..,"version":..}],
 *            "schema":"<text>","deleted":false}      (schemaType left out for AVRO; deleted true = soft-deleted)
 *     null value: the version is gone (permanent delete)
 *   key {"keytype":"CONFIG","subject":"s"|null,"magic":0}   value {"compatibilityLevel":"BACKWARD","normalize":true?}
 *   key {"keytype":"MODE","subject":"s"|null,"magic":0}     value {"mode":"READWRITE"|"READONLY"|"IMPORT"}
 *   key {"keytype":"DELETE_SUBJECT","subject":"s","magic":0}  value {"subject":"s","version":<highest deleted>}
 *   key {"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}   value {"subject":"s"}
 *   key {"keytype":"NOOP","magic":0}                         (null value: a marker, ignored)
 * A null CONFIG or MODE value removes the subject's (or the global) setting. A subject of null (or
 * absent) in CONFIG/MODE is the global one. Unknown key types are skipped, so a newer Confluent
 * topic still loads.
 */
import type { SchemaReference, SchemaType } from "./formats/format.ts";

export interface SchemaKey { keytype: "SCHEMA"; subject: string; version: number; magic: 1 }
export interface ConfigKey { keytype: "CONFIG"; subject: string | null; magic: 0 }
export interface ModeKey { keytype: "MODE"; subject: string | null; magic: 0 }
export interface DeleteSubjectKey { keytype: "DELETE_SUBJECT"; subject: string; magic: 0 }
export interface ClearSubjectKey { keytype: "CLEAR_SUBJECT"; subject: string; magic: 0 }
export interface NoopKey { keytype: "NOOP"; magic: 0 }
export type RecordKey = SchemaKey | ConfigKey | ModeKey | DeleteSubjectKey | ClearSubjectKey | NoopKey;

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  schema: string;
  deleted: boolean;
}
export interface ConfigValue {
  compatibilityLevel: string;
  normalize?: boolean;
}
export interface ModeValue {
  mode: string;
}
export interface DeleteSubjectValue {
  subject: string;
  version: number;
}

export type StoreRecord =
  | { key: SchemaKey; value: SchemaValue | null }
  | { key: ConfigKey; value: ConfigValue | null }
  | { key: ModeKey; value: ModeValue | null }
  | { key: DeleteSubjectKey; value: DeleteSubjectValue | null }
  | { key: ClearSubjectKey; value: { subject: string } | null }
  | { key: NoopKey; value: null };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const schemaKey = (subject: string, version: number): SchemaKey => ({ keytype: "SCHEMA", subject, version, magic: 1 });
export const configKey = (subject: string | null): ConfigKey => ({ keytype: "CONFIG", subject, magic: 0 });
export const modeKey = (subject: string | null): ModeKey => ({ keytype: "MODE", subject, magic: 0 });

export function encodeRecord(r: StoreRecord): { key: Uint8Array; value: Uint8Array | null } {
  return { key: utf8.encode(JSON.stringify(r.key)), value: r.value === null ? null : utf8.encode(JSON.stringify(r.value)) };
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === "string";

/** Decodes one record; null when the key is of a type we do not use or either side is malformed (the reason in `why`). */
export function decodeRecord(key: Uint8Array, value: Uint8Array | null, why: (m: string) => void): StoreRecord | null {
  let k: Record<string, unknown>;
  let v: Record<string, unknown> | null;
  try {
    k = JSON.parse(fromUtf8.decode(key));
    v = value === null ? null : JSON.parse(fromUtf8.decode(value));
  } catch (e) {
    why(`record is not JSON: ${(e as Error).message}`);
    return null;
  }
  if (!k || typeof k !== "object") return null;
  const subjectOrNull = k.subject === undefined || k.subject === null ? null : isStr(k.subject) ? k.subject : undefined;
  switch (k.keytype) {
    case "SCHEMA": {
      if (!isStr(k.subject) || !isInt(k.version)) return bad(why, "SCHEMA key without subject and version");
      const key = schemaKey(k.subject, k.version);
      if (v === null) return { key, value: null };
      if (!isInt(v.id) || !isStr(v.schema)) return bad(why, "SCHEMA value without id and schema");
      const refs = Array.isArray(v.references) ? (v.references as SchemaReference[]).filter((r) => r && isStr(r.name) && isStr(r.subject) && isInt(r.version)) : [];
      const schemaType = v.schemaType === "PROTOBUF" || v.schemaType === "JSON" ? v.schemaType : undefined;
      return { key, value: { subject: k.subject, version: k.version, id: v.id, schema: v.schema, deleted: v.deleted === true, ...(schemaType ? { schemaType } : {}), ...(refs.length ? { references: refs } : {}) } };
    }
    case "CONFIG":
    case "MODE": {
      if (subjectOrNull === undefined) return bad(why, `${k.keytype} key with a subject that is not a string`);
      if (k.keytype === "CONFIG") {
        const key = configKey(subjectOrNull);
        if (v === null) return { key, value: null };
        if (!isStr(v.compatibilityLevel) && v.normalize === undefined) return bad(why, "CONFIG value without compatibilityLevel");
        return { key, value: { compatibilityLevel: isStr(v.compatibilityLevel) ? v.compatibilityLevel : "", ...(typeof v.normalize === "boolean" ? { normalize: v.normalize } : {}) } };
      }
      const key = modeKey(subjectOrNull);
      if (v === null) return { key, value: null };
      if (!isStr(v.mode)) return bad(why, "MODE value without mode");
      return { key, value: { mode: v.mode } };
    }
    case "DELETE_SUBJECT":
      if (!isStr(k.subject)) return bad(why, "DELETE_SUBJECT key without subject");
      if (v === null) return { key: { keytype: "DELETE_SUBJECT", subject: k.subject, magic: 0 }, value: null };
      if (!isInt(v.version)) return bad(why, "DELETE_SUBJECT value without version");
      return { key: { keytype: "DELETE_SUBJECT", subject: k.subject, magic: 0 }, value: { subject: k.subject, version: v.version } };
    case "CLEAR_SUBJECT":
      if (!isStr(k.subject)) return bad(why, "CLEAR_SUBJECT key without subject");
      return { key: { keytype: "CLEAR_SUBJECT", subject: k.subject, magic: 0 }, value: v === null ? null : { subject: k.subject } };
    case "NOOP":
      return { key: { keytype: "NOOP", magic: 0 }, value: null };
    default:
      return null;
  }
}

function bad(why: (m: string) => void, m: string): null {
  why(m);
  return null;
}
