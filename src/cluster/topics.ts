/**
 * The topic catalogue of this broker: names, topic ids, partition counts and per-topic config
 * overrides. Persisted in `<data_dir>/__takhin/topics.json` (rewritten atomically on each change):
 *
 *   { "version": 1, "topics": [ { "name": "...", "id": "<22-char uuid>", "partitions": 3,
 *                                 "configs": { "retention.ms": "..." } } ] }
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileDurably } from "../storage/index.ts";
import { randomUuid } from "./meta-properties.ts";

export interface TopicInfo {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
  internal: boolean;
}

/** Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return "topic name is empty";
  if (name === "." || name === "..") return `topic name cannot be "${name}"`;
  if (name.length > 249) return "topic name is longer than 249 characters";
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

/**
 * Listeners that keep other parts of the broker (the partition logs, fetch sessions, ...) in step
 * with the catalogue. They run synchronously after the change is persisted.
 */
export interface TopicListener {
  created?(t: TopicInfo): void;
  deleted?(t: TopicInfo): void;
  partitionsAdded?(t: TopicInfo, previousCount: number): void;
  configsChanged?(t: TopicInfo): void;
}

export class TopicRegistry {
  private readonly listeners: TopicListener[] = [];
  private readonly byName = new Map<string, TopicInfo>();
  private readonly byId = new Map<string, TopicInfo>();
  private readonly path: string;

  constructor(dataDir: string) {
    const dir = join(dataDir, "__takhin");
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, "topics.json");
    if (existsSync(this.path)) {
      const doc = JSON.parse(readFileSync(this.path, "utf8")) as { version: number; topics: TopicInfo[] };
      for (const t of doc.topics) this.index({ ...t, internal: t.internal ?? t.name.startsWith("__") });
    }
  }

  listen(l: TopicListener): void {
    this.listeners.push(l);
  }

  private index(t: TopicInfo): void {
    this.byName.set(t.name, t);
    this.byId.set(t.id, t);
  }

  private save(): void {
    writeFileDurably(this.path, JSON.stringify({ version: 1, topics: [...this.byName.values()] }, null, 1));
  }

  list(): TopicInfo[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }
  getById(id: string): TopicInfo | undefined {
    return this.byId.get(id);
  }

  create(name: string, partitions: number, configs: Record<string, string> = {}): TopicInfo {
    const err = topicNameError(name);
    if (err) throw new Error(err);
    if (this.byName.has(name)) throw new Error(`topic ${name} already exists`);
    const t: TopicInfo = { name, id: randomUuid(), partitions, configs, internal: name.startsWith("__") };
    this.index(t);
    this.save();
    for (const l of this.listeners) l.created?.(t);
    return t;
  }

  delete(name: string): TopicInfo | undefined {
    const t = this.byName.get(name);
    if (!t) return undefined;
    this.byName.delete(name);
    this.byId.delete(t.id);
    this.save();
    for (const l of this.listeners) l.deleted?.(t);
    return t;
  }

  setPartitions(name: string, partitions: number): void {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    const previous = t.partitions;
    if (partitions <= previous) throw new Error(`topic ${name} has ${previous} partitions; cannot change to ${partitions}`);
    t.partitions = partitions;
    this.save();
    for (const l of this.listeners) l.partitionsAdded?.(t, previous);
  }

  setConfigs(name: string, configs: Record<string, string>): void {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no topic ${name}`);
    t.configs = configs;
    this.save();
    for (const l of this.listeners) l.configsChanged?.(t);
  }
}
