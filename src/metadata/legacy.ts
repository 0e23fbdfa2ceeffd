/**
 * The catalogue files of Takhin before the metadata log, read once to upgrade a data directory in
 * place. Both lived in `<data_dir>/__takhin/`:
 *
 *   topics.json        { "version": 1, "topics": [ { "name": "...", "id": "<22-char uuid>",
 *                        "partitions": <int>, "configs": { "<key>": "<value>" }, "internal": <bool>? } ] }
 *   producer-ids.json  { "version": 1, "nextBlockStart": "<int64 decimal>" }
 *
 * Every field is checked; a file that does not parse or breaks a rule (bad or duplicate names or
 * ids, a non-positive partition count, a non-string config value, ...) is a `LegacyCatalogueError`
 * naming the file, the entry and the rule, and the broker does not start. After the conversion has
 * been written to the metadata log the files are renamed to `<name>.migrated` (kept for the
 * operator; never read again).
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir } from "../storage/file-io.ts";
import { MetadataFileError } from "./errors.ts";
import { TOPIC_RESOURCE } from "./image.ts";
import { topicNameError } from "./names.ts";
import type { MetadataRecord } from "./records.ts";

export const LEGACY_TOPICS_FILE = "topics.json";
export const LEGACY_PRODUCER_IDS_FILE = "producer-ids.json";
export const MIGRATED_SUFFIX = ".migrated";

export class LegacyCatalogueError extends MetadataFileError {}

export interface LegacyTopic {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
}

export interface LegacyCatalogue {
  topics: LegacyTopic[];
  nextProducerId: bigint;
  /** The files found (absolute paths). */
  files: string[];
}

/** Largest partition count accepted from a legacy file (the bound topic administration enforced). */
const LEGACY_MAX_PARTITIONS = 100_000;

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new LegacyCatalogueError(`${path}: cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LegacyCatalogueError(`${path}: not valid JSON (${(e as Error).message}); restore the file or remove it to start without its contents`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Checks topics.json; `checkConfigs` validates a topic's override values (throws with a reason). */
export function parseLegacyTopics(path: string, doc: unknown, checkConfigs?: (configs: Record<string, string>) => void): LegacyTopic[] {
  const bad = (why: string): never => {
    throw new LegacyCatalogueError(`${path}: ${why}`);
  };
  if (!isObject(doc)) bad("expected a JSON object");
  const o = doc as Record<string, unknown>;
  if (o.version !== 1) bad(`unsupported version ${JSON.stringify(o.version)} (expected 1)`);
  if (!Array.isArray(o.topics)) bad('"topics" must be a list');
  const names = new Set<string>();
  const ids = new Set<string>();
  return (o.topics as unknown[]).map((entry, i) => {
    const where = `topics[${i}]`;
    if (!isObject(entry)) bad(`${where} is not an object`);
    const t = entry as Record<string, unknown>;
    const name = t.name;
    if (typeof name !== "string") bad(`${where}.name must be a string`);
    const nameErr = topicNameError(name as string);
    if (nameErr) bad(`${where}: ${nameErr}`);
    if (names.has(name as string)) bad(`${where}: topic ${name} appears twice`);
    names.add(name as string);
    const id = t.id;
    if (typeof id !== "string" || !/^[A-Za-z0-9_-]{22}$/.test(id)) bad(`${where} (${name}): id must be a 22-character base64 uuid, got ${JSON.stringify(id)}`);
    if (ids.has(id as string)) bad(`${where} (${name}): topic id ${id} appears twice`);
    ids.add(id as string);
    const partitions = t.partitions;
    if (typeof partitions !== "number" || !Number.isInteger(partitions) || partitions < 1 || partitions > LEGACY_MAX_PARTITIONS) {
      bad(`${where} (${name}): partitions must be an integer from 1 to ${LEGACY_MAX_PARTITIONS}, got ${JSON.stringify(partitions)}`);
    }
    const configs = t.configs ?? {};
    if (!isObject(configs)) bad(`${where} (${name}): configs must be an object`);
    for (const [k, v] of Object.entries(configs as Record<string, unknown>)) {
      if (typeof v !== "string") bad(`${where} (${name}): config ${k} must be a string, got ${JSON.stringify(v)}`);
    }
    if (t.internal !== undefined && typeof t.internal !== "boolean") bad(`${where} (${name}): internal must be a boolean`);
    if (checkConfigs) {
      try {
        checkConfigs(configs as Record<string, string>);
      } catch (e) {
        bad(`${where} (${name}): ${(e as Error).message}`);
      }
    }
    return { name: name as string, id: id as string, partitions: partitions as number, configs: { ...(configs as Record<string, string>) } };
  });
}

export function parseLegacyProducerIds(path: string, doc: unknown): bigint {
  if (!isObject(doc)) throw new LegacyCatalogueError(`${path}: expected a JSON object`);
  if (doc.version !== 1) throw new LegacyCatalogueError(`${path}: unsupported version ${JSON.stringify(doc.version)} (expected 1)`);
  const v = doc.nextBlockStart;
  if (typeof v !== "string" || !/^\d{1,19}$/.test(v) || BigInt(v) > 2n ** 63n - 1n) {
    throw new LegacyCatalogueError(`${path}: nextBlockStart must be a non-negative int64 as a decimal string, got ${JSON.stringify(v)}`);
  }
  return BigInt(v);
}

/** Reads the legacy files in `dir` (the `__takhin` folder), or null when there are none. */
export function readLegacyCatalogue(dir: string, checkConfigs?: (configs: Record<string, string>) => void): LegacyCatalogue | null {
  const topicsPath = join(dir, LEGACY_TOPICS_FILE);
  const idsPath = join(dir, LEGACY_PRODUCER_IDS_FILE);
  const files = [topicsPath, idsPath].filter((p) => existsSync(p));
  if (files.length === 0) return null;
  const topics = existsSync(topicsPath) ? parseLegacyTopics(topicsPath, readJson(topicsPath), checkConfigs) : [];
  const nextProducerId = existsSync(idsPath) ? parseLegacyProducerIds(idsPath, readJson(idsPath)) : 0n;
  return { topics, nextProducerId, files };
}

/**
 * The records that state a legacy catalogue: each topic with its configs and partitions (this node
 * the only replica and leader, at leader epoch 0 as the partitions' batches were stamped), and the
 * producer-id high mark.
 */
export function legacyRecords(c: LegacyCatalogue, nodeId: number): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  for (const t of c.topics) {
    out.push({ type: "Topic", name: t.name, topicId: t.id });
    for (const [name, value] of Object.entries(t.configs)) out.push({ type: "Config", resourceType: TOPIC_RESOURCE, resourceName: t.name, name, value });
    for (let p = 0; p < t.partitions; p++) {
      out.push({ type: "Partition", partitionId: p, topicId: t.id, replicas: [nodeId], isr: [nodeId], leader: nodeId, leaderEpoch: 0, partitionEpoch: 0 });
    }
  }
  if (c.nextProducerId > 0n) out.push({ type: "ProducerIds", brokerId: nodeId, brokerEpoch: -1n, nextProducerId: c.nextProducerId });
  return out;
}

/** Renames the converted files out of the way (after the metadata log holds their contents). */
export function retireLegacyFiles(c: LegacyCatalogue, dir: string): void {
  for (const f of c.files) renameSync(f, f + MIGRATED_SUFFIX);
  fsyncDir(dir);
}
