/**
 * `<data_dir>/meta.properties`: the identity of this broker's data, written once at first start
 * and checked at every start (Kafka's format):
 *
 *   version=1
 *   cluster.id=<22-character base64 uuid>
 *   node.id=<int>
 *
 * Every field is checked at start (a missing, empty or malformed value stops the broker with a
 * MetadataFileError naming the file and the field).
 *
 * Written with the storage layer's durable replace (temporary file, fsync, rename, directory
 * fsync), so a crash leaves the old file or the new.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { uuidToString } from "../protocol/reader.ts";
import { MetadataFileError } from "../metadata/errors.ts";
import { writeFileDurably } from "../storage/index.ts";

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
}

export function randomUuid(): string {
  return uuidToString(crypto.getRandomValues(new Uint8Array(16)));
}


/**
 * Loads meta.properties, creating it with a new cluster id on first start (or `clusterId`, the
 * id every node of a cluster shares; a directory of another cluster is then refused).
 */
export function loadOrCreateMetaProperties(dataDir: string, nodeId: number, clusterId?: string): MetaProperties {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "meta.properties");
  if (!existsSync(path)) {
    const meta = { clusterId: clusterId ?? randomUuid(), nodeId };
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
  const version = props.get("version");
  const storedCluster = props.get("cluster.id");
  const nodeText = props.get("node.id");
  if (version !== "1") throw new MetadataFileError(`${path}: version must be 1, got ${JSON.stringify(version ?? null)}`);
  if (!storedCluster || !/^[A-Za-z0-9_-]{22}$/.test(storedCluster)) throw new MetadataFileError(`${path}: missing or malformed cluster.id (a 22-character base64 uuid), got ${JSON.stringify(storedCluster ?? null)}`);
  if (clusterId !== undefined && storedCluster !== clusterId) {
    throw new Error(`${path}: data belongs to cluster.id ${storedCluster} but this node's controller_quorum_voters make cluster ${clusterId}`);
  }
  // Number("") is 0, so the text itself is checked: decimal digits of an int32 >= 0.
  if (!nodeText || !/^\d{1,10}$/.test(nodeText) || Number(nodeText) > 2 ** 31 - 1) {
    throw new MetadataFileError(`${path}: missing or malformed node.id (an integer >= 0), got ${JSON.stringify(nodeText ?? null)}`);
  }
  const storedNode = Number(nodeText);
  if (storedNode !== nodeId) {
    throw new Error(`${path}: data belongs to node.id ${storedNode} but node_id is configured as ${nodeId}`);
  }
  return { clusterId: storedCluster, nodeId };
}
