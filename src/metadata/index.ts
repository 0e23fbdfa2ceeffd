/**
 * # src/metadata — the metadata image, its records, its log and the controller
 *
 * What the cluster knows about itself — brokers, features, topics, their partitions (replicas,
 * ISR, leader, leader epoch, partition epoch), configs per resource and the producer-id high mark
 * — is one immutable `MetadataImage`. It changes only by applying metadata records (records.ts,
 * shaped as Kafka's KRaft records) in batches:
 *
 *   handler (server/handlers) -> topic administration (cluster/topic-admin.ts: Kafka's checks and
 *   error codes) -> controller (controller.ts: decides the records — placement, leaders, epochs)
 *   -> replay on the image (image.ts: refuses records that do not fit) -> metadata log
 *   (metadata-log.ts: CRC-framed, fdatasync'd) -> new image -> listeners (cluster/topics.ts turns
 *   each batch into topic events; the partition manager opens or removes logs, ...).
 *
 * Readers (handlers, the partition manager, coordinators) read the current image through
 * `TopicRegistry` (cluster/topics.ts) or `controller.image`; they never write it.
 *
 * Files: `<data_dir>/__takhin/metadata.log` (format at the top of metadata-log.ts). A data
 * directory from before the metadata log (topics.json, producer-ids.json) is converted into the
 * first batch once, at start (legacy.ts, open.ts). Any metadata file that cannot be trusted stops
 * the start with a `MetadataFileError` naming the file and the fault.
 *
 * One node is a quorum of one: the controller appends to the local log. The Raft-backed controller
 * (later) replaces only `LocalController.commit`'s append with "propose, apply when committed";
 * node ids map to Raft ids at that seam (controller.ts: Raft id = Kafka node id + 1).
 *
 * Dependencies: protocol (uuids), native (crc32c), storage (durable file writes); nothing above.
 */
export { LocalController, raftIdOf, kafkaNodeIdOf, type MetadataListener, type TopicPlan } from "./controller.ts";
export { MetadataFileError } from "./errors.ts";
export { MetadataDelta, MetadataImage, MetadataReplayError, applyBatch, TOPIC_RESOURCE } from "./image.ts";
export type { BrokerRegistration, MetadataChanges, PartitionRegistration, TopicImage } from "./image.ts";
export { LegacyCatalogueError } from "./legacy.ts";
export { MetadataLog, MetadataLogError, METADATA_LOG_FILE } from "./metadata-log.ts";
export { openMetadata, METADATA_DIR, type OpenedMetadata } from "./open.ts";
export { liveBrokers, type LiveBroker } from "./brokers.ts";
export * from "./records.ts";
