/** The filter sandbox's public types (the console codes against them; keep them as they are). */

export interface FilterLimits {
  /** CPU time of the whole run (compile and scan), milliseconds. */
  timeoutMs: number;
  /** The sandbox's JavaScript heap, bytes (the messages of the chunk being scanned count too). */
  memoryBytes: number;
  /** Messages scanned at most; the rest are not looked at (scanned says how many were). */
  maxScanned: number;
}

export interface FilterMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export type FilterErrorKind = "timeout" | "memory" | "syntax" | "runtime" | "aborted";

export interface FilterResult {
  /** Indexes into the messages given, ascending, of those the filter kept (up to the error, if any). */
  matched: number[];
  /** Messages the filter ran on to completion. */
  scanned: number;
  error?: { kind: FilterErrorKind; message: string };
}
