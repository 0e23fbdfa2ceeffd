/**
 * `<data_dir>/meta.properties`: the identity of this broker's data, written once at first start
 * and checked at every start (Kafka's format):
 *
 *   version=1
 *   cluster.id=<22-character base64 uuid>
 *   node.id=<int>
 *
 * Written with the storage layer's durable replace (temporary file, fsync, rename, directory
 * fsync), so a crash leaves the old file or the new.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { uuidToString } from "../protocol/reader.ts";
import { writeFileDurably } from "../storage/index.ts";

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
}

export function randomUuid(): string {
  return uuidToString(crypto.getRandomValues(new Uint8Array(16)));
}


/** Loads meta.properties, creating it with a new cluster id on first start. */
export function loadOrCreateMetaProperties(dataDir: string, nodeId: number): MetaProperties {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "meta.properties");
  if (!existsSync(path)) {
    const meta = { clusterId: randomUuid(), nodeId };
    writeFileDurably(path, `version=1\ncluster.id=${meta.clusterId}\nnode.id=${nodeId}\n`);
    return meta;
  }
  const props = new Map<string, string>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const eq = t.indexOf("=");
    if (eq > 0) props.set(t.slice(0, eq), t.slice(eq + 1));
  }
  const clusterId = props.get("cluster.id");
  const storedNode = Number(props.get("node.id"));
  if (!clusterId || clusterId.length !== 22) throw new Error(`${path}: missing or malformed cluster.id`);
  if (!Number.isInteger(storedNode)) throw new Error(`${path}: missing or malformed node.id`);
  if (storedNode !== nodeId) {
    throw new Error(`${path}: data belongs to node.id ${storedNode} but node_id is configured as ${nodeId}`);
  }
  return { clusterId, nodeId };
}
