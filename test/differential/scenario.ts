/**
 * The shape of a differential scenario: data only (see template.ts for the value forms), so the
 * corpus reads as a list of requests and the driver (driver.ts) is the only code that sends them.
 *
 * A scenario is a list of steps. A request step names an API by its schema name (src/protocol),
 * the version to send, and the body; its response is decoded with our schemas, normalised
 * (normalise.ts) and compared with the other broker's answer to the same step, unless
 * `compare: false` (setup steps). Steps run in order on connection `conn` (default 0); a
 * `parallel` step sends its requests at once, each on its own connection, and waits for all of
 * them (group members joining together).
 */

export interface RequestStep {
  /** Name of the step in diff paths and the allow-list; defaults to `<index>:<Api>v<version>`. */
  label?: string;
  api: string;
  version: number;
  body?: unknown;
  /** Connection number within the scenario (each is its own TCP connection). */
  conn?: number;
  /** false: a setup step, sent and awaited but not compared. */
  compare?: boolean;
  /** Variables taken from the raw decoded response: name -> path ("memberId", "topics[0].name"). */
  capture?: Record<string, string>;
  /**
   * Resend (at most `tries` times, 100 ms apart) until the raw response at `path` (every path, if
   * several) equals `equals`:
   * Kafka's metadata reaches its brokers asynchronously after CreateTopics answers.
   */
  until?: { path: string | string[]; equals: unknown; tries?: number };
  /** Version written in the request header when it differs from the body's (unsupported versions). */
  headerVersion?: number;
  /** Version to decode the response with (ApiVersions answers an unsupported version with v0). */
  decodeVersion?: number;
  /** Top-level arrays whose entries are kept only when their name starts with the scenario's prefix. */
  own?: string[];
  /** Paths (as in diffs, below this step) dropped before comparing, for this step only. */
  ignore?: string[];
  /** Wait this long before sending (orders the members of a `parallel` step). */
  delayMs?: number;
  /** How long to wait for the answer (default 10 s; JoinGroup waits for the rebalance). */
  timeoutMs?: number;
}

export interface ParallelStep {
  parallel: RequestStep[];
}

export interface SleepStep {
  /** A pause (session expiry, rebalance timing); bounded by the corpus, never a measurement. */
  sleepMs: number;
}

export type Step = RequestStep | ParallelStep | SleepStep;

export interface Scenario {
  /** Unique; used by the allow-list and docs/compatibility.md. */
  name: string;
  steps: Step[];
}

export function isParallel(s: Step): s is ParallelStep {
  return "parallel" in s;
}

export function isSleep(s: Step): s is SleepStep {
  return "sleepMs" in s;
}
