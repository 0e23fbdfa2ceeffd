/**
 * Public surface of the storage layer.
 *
 *   const logs = LogManager.open("./data", { defaultConfig: { segmentBytes: 1 << 30 } });
 *   const log = logs.openLog("orders", 0, topicConfig);            // opens (recovers) or creates
 *   const { baseOffset, lastOffset } = log.append(batchesBytes, { leaderEpoch });
 *   const { batches, highWatermark, logStartOffset } = log.read(fetchOffset, maxBytes);
 *   const unsubscribe = log.subscribe((event) => wakeFetchWaiters(event));
 *   logs.close();                                                    // clean-shutdown markers
 *
 * Errors: OffsetOutOfRangeError (OFFSET_OUT_OF_RANGE), InvalidBatchError (CORRUPT_MESSAGE),
 * LogClosedError (KAFKA_STORAGE_ERROR / NOT_LEADER during shutdown).
 */
export { LogManager, partitionDirName, parsePartitionDirName } from "./log-manager.ts";
export type { LogManagerOptions, TopicPartition } from "./log-manager.ts";
export { PartitionLog, MAX_APPEND_BYTES, setWriteBehindPolicy, writeBehindHolds, writeBehindBytesInFlight, type WriteBehindPolicy } from "./partition-log.ts";
export type {
  AppendOptions,
  AppendResult,
  LogEvent,
  LogListener,
  PartitionLogOptions,
  ReadOptions,
  ReadResult,
} from "./partition-log.ts";
export { DEFAULT_LOG_CONFIG, resolveLogConfig } from "./config.ts";
export type { LogConfig } from "./config.ts";
export { CorruptRecordsError, InvalidBatchError, LogClosedError, LogDirOfflineError, OffsetOutOfRangeError } from "./errors.ts";
export type { CorruptRange } from "./scrub/corrupt-ranges.ts";
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.ts";
export { writeFileDurably } from "./file-io.ts";
