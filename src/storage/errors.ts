/** Storage errors; the Kafka layer maps each to its error code (named in the comment). */

/** OFFSET_OUT_OF_RANGE: a read or delete-records offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends Error {
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is outside [${logStartOffset}, ${logEndOffset}]`);
    this.name = "OffsetOutOfRangeError";
  }
}

/** CORRUPT_MESSAGE / INVALID_RECORD: the bytes handed to append are not whole v2 batches. */
export class InvalidBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidBatchError";
  }
}

/** KAFKA_STORAGE_ERROR: the log was closed, or a write failed and the log stopped taking appends. */
export class LogClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogClosedError";
  }
}

/**
 * KAFKA_STORAGE_ERROR: the log directory holding this log is offline, because a write or sync
 * failed there (Kafka's LogDirFailureChannel): no append or read is served from it again in this
 * process, so no unacknowledged record can become visible.
 */
export class LogDirOfflineError extends Error {
  constructor(
    readonly logDir: string,
    message: string,
  ) {
    super(message);
    this.name = "LogDirOfflineError";
  }
}

/**
 * CORRUPT_MESSAGE (Fetch, as Kafka answers a CorruptRecordException met while reading its log):
 * the batch at the read position failed verification (scrub/verify.ts), so it is not served.
 */
export class CorruptRecordsError extends Error {
  constructor(
    readonly file: string,
    readonly position: number,
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = "CorruptRecordsError";
  }
}

/**
 * KAFKA_STORAGE_ERROR (what Kafka answers producers when its log directory cannot take the
 * write): the log directory is full (ENOSPC/EDQUOT). Unlike LogDirOfflineError the directory stays
 * online: nothing half-written is ever exposed (the log end did not move), reads go on, and appends
 * succeed again once space returns (disk-space.ts).
 */
export class LogDirFullError extends LogDirOfflineError {
  constructor(logDir: string, message: string) {
    super(logDir, message);
    this.name = "LogDirFullError";
  }
}
