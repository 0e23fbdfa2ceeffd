/** Public surface of the storage layer. */
export { LogManager, partitionDirName, parsePartitionDirName } from "./log-manager.ts";
export type { LogManagerOptions, TopicPartition } from "./log-manager.ts";
export { PartitionLog, MAX_APPEND_BYTES } from "./partition-log.ts";
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
export { InvalidBatchError, LogClosedError, OffsetOutOfRangeError } from "./errors.ts";
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.ts";
