/**
 * The registry's state in memory, built only by applying `_schemas` records (records.ts) in log
 * order: the same records give the same state on every node and after every restart.
 *
 *   schemas:  id -> { schema text, type, references }
 *   subjects: subject -> version -> { id, deleted }
 *   configs / modes: subject (or "" for the global one) -> setting
 *
 * An id is live while some subject version (soft-deleted included) uses it. The next id is one
 * past the highest id ever applied (ids are never reused).
 */
import type { SchemaReference, SchemaType } from "./formats/format.ts";
import type { ConfigValue, SchemaValue, StoreRecord } from "./records.ts";

export interface StoredSchema {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}

export interface VersionEntry {
  id: number;
  deleted: boolean;
}

export const GLOBAL = "";

export class RegistryState {
  readonly schemas = new Map<number, StoredSchema>();
  readonly subjects = new Map<string, Map<number, VersionEntry>>();
  readonly configs = new Map<string, ConfigValue>();
  readonly modes = new Map<string, string>();
  /** id -> "subject\0version" of every version using it. */
  private readonly users = new Map<number, Set<string>>();
  /** content key (type, text, references) -> id, for registering the same schema under another subject. */
  private readonly idByContent = new Map<string, number>();
  private maxId = 0;

  static contentKey(s: StoredSchema): string {
    return `${s.schemaType}\u0000${s.schema}\u0000${JSON.stringify(s.references)}`;
  }

  get nextId(): number {
    return this.maxId + 1;
  }

  idOf(s: StoredSchema): number | undefined {
    const id = this.idByContent.get(RegistryState.contentKey(s));
    return id !== undefined && this.users.get(id)?.size ? id : undefined;
  }

  /** The schema of an id while some version uses it. */
  schemaById(id: number): StoredSchema | undefined {
    return this.users.get(id)?.size ? this.schemas.get(id) : undefined;
  }

  /** Every [subject, version] using the id (deleted ones when asked), sorted. */
  usersOf(id: number, includeDeleted: boolean): { subject: string; version: number }[] {
    const out: { subject: string; version: number }[] = [];
    for (const u of this.users.get(id) ?? []) {
      const [subject, v] = u.split("\u0000");
      const version = Number(v);
      const e = this.subjects.get(subject)?.get(version);
      if (e && (includeDeleted || !e.deleted)) out.push({ subject, version });
    }
    return out.sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version));
  }

  /** Versions of a subject in ascending order. */
  versions(subject: string, includeDeleted: boolean): number[] {
    const m = this.subjects.get(subject);
    if (!m) return [];
    return [...m].filter(([, e]) => includeDeleted || !e.deleted).map(([v]) => v).sort((a, b) => a - b);
  }

  apply(r: StoreRecord): void {
    switch (r.key.keytype) {
      case "SCHEMA": {
        const { subject, version } = r.key;
        const value = r.value as SchemaValue | null;
        const userKey = `${subject}\u0000${version}`;
        const versions = this.subjects.get(subject);
        const previous = versions?.get(version);
        if (previous) this.users.get(previous.id)?.delete(userKey);
        if (value === null) {
          versions?.delete(version);
          if (versions && versions.size === 0) this.subjects.delete(subject);
          return;
        }
        const stored: StoredSchema = { schema: value.schema, schemaType: value.schemaType ?? "AVRO", references: value.references ?? [] };
        if (!this.schemas.has(value.id)) this.schemas.set(value.id, stored);
        this.idByContent.set(RegistryState.contentKey(stored), value.id);
        let m = versions;
        if (!m) this.subjects.set(subject, (m = new Map()));
        m.set(version, { id: value.id, deleted: value.deleted });
        let u = this.users.get(value.id);
        if (!u) this.users.set(value.id, (u = new Set()));
        u.add(userKey);
        if (value.id > this.maxId) this.maxId = value.id;
        return;
      }
      case "CONFIG": {
        const k = r.key.subject ?? GLOBAL;
        if (r.value === null) this.configs.delete(k);
        else this.configs.set(k, r.value as ConfigValue);
        return;
      }
      case "MODE": {
        const k = r.key.subject ?? GLOBAL;
        if (r.value === null) this.modes.delete(k);
        else this.modes.set(k, (r.value as { mode: string }).mode);
        return;
      }
      case "DELETE_SUBJECT": {
        const value = r.value as { version: number } | null;
        if (!value) return;
        for (const [v, e] of this.subjects.get(r.key.subject) ?? []) if (v <= value.version) e.deleted = true;
        return;
      }
      case "CLEAR_SUBJECT":
      case "NOOP":
        return;
    }
  }
}
