/**
 * Object names in the bucket (Kafka's RemoteStorageManager leaves them to the plugin):
 *
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.log              the segment's batches, as on disk
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.index            offset index (offset-index.ts format)
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.timeindex        time index (time-index.ts format)
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.txnindex         aborted transactions (txn-index.ts format)
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.snapshot         producer state at upload (JSON, cluster/producer-state.ts)
 *   <prefix><topic>-<partition>-<topicId>/<segmentId>.leader-epoch-checkpoint   the segment's epochs, Kafka's checkpoint text
 *
 * The topic id keeps a deleted and re-created topic's objects apart.
 */
import type { RemoteSegmentMetadata } from "./remote-metadata.ts";

export type RemoteFileKind = "log" | "index" | "timeindex" | "txnindex" | "snapshot" | "leader-epoch-checkpoint";

export function objectKey(prefix: string, m: Pick<RemoteSegmentMetadata, "topic" | "partition" | "topicId" | "segmentId">, kind: RemoteFileKind): string {
  return `${prefix}${m.topic}-${m.partition}-${m.topicId}/${m.segmentId}.${kind}`;
}
