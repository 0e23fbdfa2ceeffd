/**
 * The CLI's named bounds (units in the names). They live beside the CLI rather than in
 * src/limits.ts because only the CLI process uses them; the broker never loads this file.
 */

/** Longest single command-line value. */
export const CLI_MAX_ARG_BYTES = 1024 * 1024;
/** Most words on one command line. */
export const CLI_MAX_ARGS = 10_000;
/** Longest input line for `produce` (one record per line); a longer line is an error. */
export const CLI_MAX_LINE_BYTES = 4 * 1024 * 1024;
/** Records per produced batch (a batch is also cut at CLI_MAX_BATCH_BYTES). */
export const CLI_MAX_BATCH_RECORDS = 1000;
/** Bytes of keys and values per produced batch before it is sent. */
export const CLI_MAX_BATCH_BYTES = 1024 * 1024;
/** Headers per record given with --header or in a JSON line. */
export const CLI_MAX_HEADERS = 1000;
/** Bytes fetched per partition per Fetch request by `consume`. */
export const CLI_FETCH_MAX_BYTES = 4 * 1024 * 1024;
/** How long a follow-mode Fetch waits at the log end, in ms. */
export const CLI_FOLLOW_MAX_WAIT_MS = 500;
/** Request timeout for every CLI request (the client's per-request deadline), in ms. */
export const CLI_REQUEST_TIMEOUT_MS = 30_000;
/** Retries for a partition without a leader yet (right after topic creation), each after CLI_RETRY_BACKOFF_MS. */
export const CLI_LEADER_RETRIES = 50;
export const CLI_RETRY_BACKOFF_MS = 100;
