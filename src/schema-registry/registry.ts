/**
 * The registry's operations (what the REST routes call): each read first catches the state up
 * with the committed `_schemas` records; each write runs alone (a promise-chain lock), decides its
 * records against the caught-up state, appends them to `_schemas` (store.ts) and returns once they
 * are applied. Ids are assigned here, on the node that leads `_schemas`-0.
 */
import { SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH, SCHEMA_REGISTRY_MAX_REFERENCES, SCHEMA_REGISTRY_MAX_SCHEMAS, SCHEMA_REGISTRY_MAX_SUBJECTS, SCHEMA_REGISTRY_MAX_VERSIONS_PER_SUBJECT } from "../limits.ts";
import { DEFAULT_COMPATIBILITY, incompatibilities, isTransitive, type CompatibilityLevel } from "./compatibility.ts";
import * as E from "./errors.ts";
import { FORMATS, type ParsedSchema, type ResolvedReference, type SchemaReference, type SchemaType } from "./formats/index.ts";
import { protoToDescriptor } from "./formats/protobuf-descriptor.ts";
import { configKey, modeKey, schemaKey, type ConfigValue, type StoreRecord } from "./records.ts";
import { GLOBAL, RegistryState, type StoredSchema } from "./state.ts";
import type { SchemaLog } from "./store.ts";
import type { WriteForwarder } from "./forward.ts";

export const MODES = ["READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"] as const;
export type Mode = (typeof MODES)[number];
/** Parsed schemas kept for compatibility checks, by id; the cache is dropped whole past this. */
const PARSED_CACHE_ENTRIES = 10_000;
/** Longest subject name accepted (Confluent bounds it by Kafka's record size; we bound it by this). */
export const MAX_SUBJECT_CHARS = 8192;

export interface SchemaRequest {
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
  /** IMPORT mode: the id (and version) the client chose. */
  id?: number;
  version?: number;
}

export interface VersionView {
  subject: string;
  version: number;
  id: number;
  schemaType?: SchemaType;
  references?: SchemaReference[];
  schema: string;
}

export class Registry {
  readonly state = new RegistryState();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly parsed = new Map<string, ParsedSchema>();
  private log!: SchemaLog;

  private forwarder: WriteForwarder | null = null;

  attach(log: SchemaLog, forwarder?: WriteForwarder): void {
    this.log = log;
    this.forwarder = forwarder ?? null;
  }

  /** Runs a write alone: decides records from the caught-up state, appends them, returns fn's result. */
  private write<T>(fn: () => { records: StoreRecord[]; result: T }): Promise<T> {
    const run = this.lock.then(async () => {
      await this.log.prepareWrite();
      const { records, result } = fn();
      await this.log.append(records);
      return result;
    });
    this.lock = run.catch(() => {});
    return run;
  }

  /** The next offset of _schemas not yet applied here. */
  appliedOffset(): number {
    return this.log.appliedOffset;
  }

  private read(): RegistryState {
    this.log.catchUp();
    return this.state;
  }

  // ---------------------------------------------------------------- settings

  compatibilityOf(subject: string | null): CompatibilityLevel {
    const s = this.state;
    const c = (subject !== null ? s.configs.get(subject)?.compatibilityLevel : undefined) || s.configs.get(GLOBAL)?.compatibilityLevel;
    return (c as CompatibilityLevel) || DEFAULT_COMPATIBILITY;
  }

  normalizeOf(subject: string | null): boolean {
    const s = this.state;
    return (subject !== null ? s.configs.get(subject)?.normalize : undefined) ?? s.configs.get(GLOBAL)?.normalize ?? false;
  }

  modeOf(subject: string | null): Mode {
    const s = this.state;
    return ((subject !== null ? s.modes.get(subject) : undefined) ?? s.modes.get(GLOBAL) ?? "READWRITE") as Mode;
  }

  getConfig(subject: string | null, defaultToGlobal: boolean): ConfigValue {
    const s = this.read();
    if (subject === null) return { compatibilityLevel: this.compatibilityOf(null), ...(s.configs.get(GLOBAL)?.normalize !== undefined ? { normalize: s.configs.get(GLOBAL)!.normalize } : {}) };
    const c = s.configs.get(subject);
    if (c) return c;
    if (defaultToGlobal) return this.getConfig(null, false);
    throw E.subjectCompatibilityNotConfigured(subject);
  }

  setConfig(subject: string | null, value: ConfigValue): Promise<ConfigValue> {
    return this.write(() => {
      const current = this.state.configs.get(subject ?? GLOBAL);
      const next: ConfigValue = { compatibilityLevel: value.compatibilityLevel || current?.compatibilityLevel || "", ...(value.normalize !== undefined ? { normalize: value.normalize } : current?.normalize !== undefined ? { normalize: current.normalize } : {}) };
      return { records: [{ key: configKey(subject) as never, value: next }], result: next };
    });
  }

  deleteConfig(subject: string | null): Promise<ConfigValue> {
    return this.write(() => {
      const current = this.state.configs.get(subject ?? GLOBAL);
      if (subject !== null && !current) throw E.subjectCompatibilityNotConfigured(subject);
      const result = current ?? { compatibilityLevel: DEFAULT_COMPATIBILITY };
      return { records: [{ key: configKey(subject) as never, value: null }], result };
    });
  }

  getMode(subject: string | null, defaultToGlobal: boolean): Mode {
    const s = this.read();
    if (subject === null) return this.modeOf(null);
    const m = s.modes.get(subject);
    if (m) return m as Mode;
    if (defaultToGlobal) return this.modeOf(null);
    throw E.subjectModeNotConfigured(subject);
  }

  setMode(subject: string | null, mode: Mode, force: boolean): Promise<Mode> {
    return this.write(() => {
      if (mode === "IMPORT" && !force) {
        const used = subject === null ? [...this.state.subjects.keys()].length > 0 : this.state.versions(subject, true).length > 0;
        if (used) throw E.operationNotPermitted(`Cannot import since found existing subjects`);
      }
      return { records: [{ key: modeKey(subject) as never, value: { mode } }], result: mode };
    });
  }

  deleteMode(subject: string): Promise<Mode> {
    return this.write(() => {
      const current = this.state.modes.get(subject);
      if (!current) throw E.subjectModeNotConfigured(subject);
      return { records: [{ key: modeKey(subject) as never, value: null }], result: current as Mode };
    });
  }

  // ---------------------------------------------------------------- reads

  subjects(includeDeleted: boolean, prefix: string): string[] {
    const s = this.read();
    return [...s.subjects.keys()].filter((name) => name.startsWith(prefix) && s.versions(name, includeDeleted).length > 0).sort();
  }

  versions(subject: string, includeDeleted: boolean): number[] {
    const s = this.read();
    const all = s.versions(subject, true);
    if (all.length === 0) throw E.subjectNotFound(subject);
    const vs = s.versions(subject, includeDeleted);
    if (vs.length === 0) throw E.subjectNotFound(subject);
    return vs;
  }

  /** A version by number or "latest" (the highest not deleted; with deleted, the highest). */
  version(subject: string, version: number | "latest", includeDeleted: boolean): VersionView {
    const s = this.read();
    const all = s.versions(subject, true);
    if (all.length === 0) throw E.subjectNotFound(subject);
    let v: number | undefined;
    if (version === "latest") {
      const live = s.versions(subject, includeDeleted);
      if (live.length === 0) throw E.subjectNotFound(subject);
      v = live[live.length - 1];
    } else v = version;
    const e = s.subjects.get(subject)!.get(v);
    if (!e || (e.deleted && !includeDeleted)) throw E.versionNotFound(v);
    return this.view(subject, v, e.id);
  }

  private view(subject: string, version: number, id: number): VersionView {
    const st = this.state.schemas.get(id)!;
    return { subject, version, id, ...(st.schemaType !== "AVRO" ? { schemaType: st.schemaType } : {}), ...(st.references.length ? { references: st.references } : {}), schema: st.schema };
  }

  schemaById(id: number): StoredSchema {
    const st = this.read().schemaById(id);
    if (!st) throw E.schemaNotFound(`Schema ${id} not found`);
    return st;
  }

  /**
   * The text a client asked for with ?format=: for Protobuf, "serialized" is the base64
   * FileDescriptorProto (Confluent's serializers read that); otherwise the stored text.
   */
  formatted(st: { schema: string; schemaType: SchemaType; references: readonly SchemaReference[] }, format: string | undefined): string {
    if (format !== "serialized" || st.schemaType !== "PROTOBUF") return st.schema;
    try {
      return protoToDescriptor(st.schema, this.resolveReferences(st.references));
    } catch (e) {
      if (e instanceof E.RegistryError) throw e;
      throw E.invalidSchema((e as Error).message);
    }
  }

  idUsers(id: number, includeDeleted: boolean): { subject: string; version: number }[] {
    this.schemaById(id);
    return this.state.usersOf(id, includeDeleted);
  }

  /** Ids of the schemas that reference subject/version. */
  referencedBy(subject: string, version: number | "latest"): number[] {
    const v = this.version(subject, version, true);
    const out: number[] = [];
    for (const [id, st] of this.state.schemas) {
      if (st.references.some((r) => r.subject === subject && r.version === v.version) && this.state.schemaById(id)) out.push(id);
    }
    return out.sort((a, b) => a - b);
  }

  // ---------------------------------------------------------------- parsing and checks

  /** References resolved depth-first (a reference's own references before it), bounded. */
  private resolveReferences(refs: readonly SchemaReference[], depth = 0, out: ResolvedReference[] = [], seen = new Set<string>()): ResolvedReference[] {
    if (refs.length > SCHEMA_REGISTRY_MAX_REFERENCES) throw E.invalidSchema(`more than ${SCHEMA_REGISTRY_MAX_REFERENCES} references`);
    if (depth > SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH) throw E.invalidSchema(`references nest deeper than ${SCHEMA_REGISTRY_MAX_REFERENCE_DEPTH}`);
    for (const ref of refs) {
      const versions = this.state.versions(ref.subject, false);
      const v = ref.version === -1 ? versions[versions.length - 1] : ref.version;
      const e = v === undefined ? undefined : this.state.subjects.get(ref.subject)?.get(v);
      if (!e || e.deleted) throw E.invalidSchema(`reference ${ref.name} to subject ${ref.subject} version ${ref.version} does not exist`);
      const key = `${ref.subject}\u0000${v}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const st = this.state.schemas.get(e.id)!;
      this.resolveReferences(st.references, depth + 1, out, seen);
      out.push({ name: ref.name, schemaType: st.schemaType, schema: st.schema });
    }
    return out;
  }

  parse(req: { schema: string; schemaType: SchemaType; references: readonly SchemaReference[] }, normalize: boolean): ParsedSchema {
    const refs = this.resolveReferences(req.references);
    try {
      return FORMATS[req.schemaType].parse(req.schema, refs, normalize);
    } catch (e) {
      if (e instanceof E.RegistryError) throw e;
      throw E.invalidSchema((e as Error).message);
    }
  }

  private parsedById(id: number): ParsedSchema {
    const cached = this.parsed.get(String(id));
    if (cached) return cached;
    const st = this.state.schemas.get(id)!;
    const p = this.parse(st, false);
    if (this.parsed.size >= PARSED_CACHE_ENTRIES) this.parsed.clear();
    this.parsed.set(String(id), p);
    return p;
  }

  /** The messages of every failed check of `candidate` against the given versions (empty: compatible). */
  private check(subject: string, candidate: ParsedSchema, level: CompatibilityLevel, versions: number[]): string[] {
    if (level === "NONE") return [];
    const out: string[] = [];
    for (const v of versions) {
      const e = this.state.subjects.get(subject)!.get(v)!;
      const old = this.parsedById(e.id);
      if (old.type !== candidate.type) {
        out.push(`{errorType:'SCHEMA_TYPE_CHANGED', description:'The schema type changed from ${old.type} to ${candidate.type}'}`, `{oldSchemaVersion: ${v}}`, `{compatibility: '${level}'}`);
        continue;
      }
      const reasons = incompatibilities(FORMATS[candidate.type], level, candidate, old);
      if (reasons.length > 0) out.push(...reasons, `{oldSchemaVersion: ${v}}`, `{oldSchema: '${this.state.schemas.get(e.id)!.schema}'}`, `{compatibility: '${level}'}`);
    }
    return out;
  }

  /** Versions a new schema is checked against under the subject's level. */
  private versionsToCheck(subject: string, level: CompatibilityLevel): number[] {
    const live = this.state.versions(subject, false);
    return isTransitive(level) ? live : live.slice(-1);
  }

  /** POST /compatibility/subjects/{s}/versions[/{v}]: the messages (empty: compatible). */
  testCompatibility(subject: string, version: number | "latest" | "all", req: SchemaRequest, normalize: boolean): string[] {
    this.read();
    const level = this.compatibilityOf(subject);
    const candidate = this.parse(req, normalize || this.normalizeOf(subject));
    if (version === "all") return this.check(subject, candidate, level, this.versionsToCheck(subject, level));
    const v = this.version(subject, version, false).version;
    return this.check(subject, candidate, level, [v]);
  }

  /** POST /subjects/{s}: the version of the subject holding this schema. */
  lookup(subject: string, req: SchemaRequest, normalize: boolean, includeDeleted: boolean): VersionView {
    const s = this.read();
    if (s.versions(subject, includeDeleted).length === 0) throw E.subjectNotFound(subject);
    const candidate = this.parse(req, normalize || this.normalizeOf(subject));
    const found = this.findInSubject(subject, candidate, req.references, includeDeleted);
    if (found === undefined) throw E.schemaNotFound();
    return this.view(subject, found, s.subjects.get(subject)!.get(found)!.id);
  }

  private findInSubject(subject: string, candidate: ParsedSchema, references: readonly SchemaReference[], includeDeleted: boolean): number | undefined {
    const s = this.state;
    const refs = JSON.stringify(references);
    for (const v of s.versions(subject, includeDeleted).reverse()) {
      const e = s.subjects.get(subject)!.get(v)!;
      const st = s.schemas.get(e.id)!;
      if (st.schemaType !== candidate.type || JSON.stringify(st.references) !== refs) continue;
      if (st.schema === candidate.canonical) return v;
      try {
        if (this.parsedById(e.id).normalized === candidate.normalized) return v;
      } catch {
        // An old schema this build cannot parse: not a match.
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- writes

  /**
   * Registers a schema (POST /subjects/{s}/versions). Called in-process (the HTTP Proxy) on a node
   * that does not lead _schemas-0, it goes to the leader's registry like an HTTP write does.
   */
  async register(subject: string, req: SchemaRequest, normalize: boolean): Promise<{ id: number; version: number }> {
    if (this.forwarder && (await this.forwarder.target()) !== "local") {
      const body = new TextEncoder().encode(JSON.stringify({ schema: req.schema, schemaType: req.schemaType, references: req.references, ...(req.id !== undefined ? { id: req.id } : {}), ...(req.version !== undefined ? { version: req.version } : {}) }));
      const answer = await this.forwarder.forward(new Request("http://in-process/", { method: "POST", headers: { "content-type": "application/vnd.schemaregistry.v1+json" } }), `/subjects/${encodeURIComponent(subject)}/versions?normalize=${normalize}`, body);
      if (answer) {
        const json = (await answer.json()) as { id?: number; error_code?: number; message?: string };
        if (answer.status !== 200 || typeof json.id !== "number") throw new E.RegistryError(json.error_code ?? 50001, json.message ?? `the leader answered ${answer.status}`);
        const version = this.read().usersOf(json.id, true).find((u) => u.subject === subject)?.version ?? -1;
        return { id: json.id, version };
      }
    }
    return this.registerHere(subject, req, normalize);
  }

  /** Registers on this node (the REST route, after the write middleware found this node leading). */
  registerHere(subject: string, req: SchemaRequest, normalize: boolean): Promise<{ id: number; version: number }> {
    return this.write(() => {
      const s = this.state;
      const mode = this.modeOf(subject);
      if (mode === "READONLY" || mode === "READONLY_OVERRIDE") throw E.operationNotPermitted(`Subject ${subject} is in read-only mode`);
      if (req.id !== undefined && mode !== "IMPORT") throw E.operationNotPermitted(`Subject ${subject} is not in import mode`);
      const norm = normalize || this.normalizeOf(subject);
      const candidate = this.parse(req, norm);
      const stored: StoredSchema = { schema: candidate.canonical, schemaType: candidate.type, references: req.references };
      const existing = this.findInSubject(subject, candidate, req.references, false);
      if (existing !== undefined && req.id === undefined) return { records: [], result: { id: s.subjects.get(subject)!.get(existing)!.id, version: existing } };
      if (mode !== "IMPORT") {
        const level = this.compatibilityOf(subject);
        const messages = this.check(subject, candidate, level, this.versionsToCheck(subject, level));
        if (messages.length > 0) throw E.incompatible(`Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(", ")}]`);
      }
      const all = s.versions(subject, true);
      if (all.length === 0 && s.subjects.size >= SCHEMA_REGISTRY_MAX_SUBJECTS) throw E.storeError(`the registry holds ${SCHEMA_REGISTRY_MAX_SUBJECTS} subjects, its limit`);
      if (all.length >= SCHEMA_REGISTRY_MAX_VERSIONS_PER_SUBJECT) throw E.storeError(`subject ${subject} holds ${SCHEMA_REGISTRY_MAX_VERSIONS_PER_SUBJECT} versions, its limit`);
      let id: number;
      if (req.id !== undefined) {
        const other = s.schemaById(req.id);
        if (other && RegistryState.contentKey(other) !== RegistryState.contentKey(stored)) throw E.idDoesNotMatch(`Overwrite new schema with id ${req.id} is not permitted.`);
        id = req.id;
      } else {
        id = s.idOf(stored) ?? s.nextId;
        if (id === s.nextId && s.schemas.size >= SCHEMA_REGISTRY_MAX_SCHEMAS) throw E.storeError(`the registry holds ${SCHEMA_REGISTRY_MAX_SCHEMAS} schemas, its limit`);
      }
      let version = (all[all.length - 1] ?? 0) + 1;
      if (req.version !== undefined && req.version > 0) {
        if (mode !== "IMPORT" && req.version !== version) throw E.invalidSchema(`version ${req.version} is not the next version (${version}) of subject ${subject}`);
        const taken = s.subjects.get(subject)?.get(req.version);
        if (taken && taken.id !== id) throw E.operationNotPermitted(`Version ${req.version} of subject ${subject} already holds schema ${taken.id}`);
        version = req.version;
      }
      const value = { subject, version, id, ...(candidate.type !== "AVRO" ? { schemaType: candidate.type } : {}), ...(req.references.length ? { references: req.references } : {}), schema: candidate.canonical, deleted: false };
      return { records: [{ key: schemaKey(subject, version) as never, value }], result: { id, version } };
    });
  }

  private referencedVersions(subject: string, version: number): number[] {
    const ids: number[] = [];
    for (const [id, st] of this.state.schemas) {
      if (!st.references.some((r) => r.subject === subject && r.version === version)) continue;
      if (this.state.usersOf(id, false).length > 0) ids.push(id);
    }
    return ids;
  }

  deleteVersion(subject: string, version: number | "latest", permanent: boolean): Promise<number> {
    return this.write(() => {
      const s = this.state;
      if (s.versions(subject, true).length === 0) throw E.subjectNotFound(subject);
      const mode = this.modeOf(subject);
      if (mode === "READONLY" || mode === "READONLY_OVERRIDE") throw E.operationNotPermitted(`Subject ${subject} is in read-only mode`);
      let v: number;
      if (version === "latest") {
        const vs = s.versions(subject, permanent);
        if (vs.length === 0) throw E.subjectNotFound(subject);
        v = vs[vs.length - 1];
      } else v = version;
      const e = s.subjects.get(subject)!.get(v);
      if (!e) throw E.versionNotFound(v);
      if (!permanent && e.deleted) throw E.versionSoftDeleted(subject, v);
      if (permanent && !e.deleted) throw E.versionNotSoftDeleted(subject, v);
      const refs = this.referencedVersions(subject, v);
      if (refs.length > 0) throw E.referenceExists(`One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${v}}.`);
      const st = s.schemas.get(e.id)!;
      const value = permanent ? null : { subject, version: v, id: e.id, ...(st.schemaType !== "AVRO" ? { schemaType: st.schemaType } : {}), ...(st.references.length ? { references: st.references } : {}), schema: st.schema, deleted: true };
      return { records: [{ key: schemaKey(subject, v) as never, value }], result: v };
    });
  }

  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.write(() => {
      const s = this.state;
      const all = s.versions(subject, true);
      if (all.length === 0) throw E.subjectNotFound(subject);
      const mode = this.modeOf(subject);
      if (mode === "READONLY" || mode === "READONLY_OVERRIDE") throw E.operationNotPermitted(`Subject ${subject} is in read-only mode`);
      const live = s.versions(subject, false);
      if (!permanent && live.length === 0) throw E.subjectSoftDeleted(subject);
      if (permanent && live.length > 0) throw E.subjectNotSoftDeleted(subject);
      const targets = permanent ? all : live;
      for (const v of targets) {
        if (this.referencedVersions(subject, v).length > 0) throw E.referenceExists(`One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${v}}.`);
      }
      if (!permanent) {
        return { records: [{ key: { keytype: "DELETE_SUBJECT", subject, magic: 0 }, value: { subject, version: all[all.length - 1] } }], result: live };
      }
      const records: StoreRecord[] = all.map((v) => ({ key: schemaKey(subject, v) as never, value: null }));
      records.push({ key: { keytype: "CLEAR_SUBJECT", subject, magic: 0 }, value: { subject } });
      if (s.configs.has(subject)) records.push({ key: configKey(subject) as never, value: null });
      if (s.modes.has(subject)) records.push({ key: modeKey(subject) as never, value: null });
      return { records, result: all };
    });
  }
}
