/**
 * Failed logins by client address: counted (for /metrics and the log), and slowed down — the
 * answer to a failed login waits connection_failed_authentication_delay_ms (Kafka's
 * connection.failed.authentication.delay.ms) doubled for every earlier failure from the same
 * address within LOGIN_FAILURE_MEMORY_MS, up to MAX_FAILED_AUTHENTICATION_DELAY_MS. At most
 * MAX_TRACKED_LOGIN_FAILURE_ADDRESSES addresses are remembered; the least recent are forgotten.
 */
import { LOGIN_FAILURE_MEMORY_MS, MAX_FAILED_AUTHENTICATION_DELAY_MS, MAX_TRACKED_LOGIN_FAILURE_ADDRESSES } from "../limits.ts";

export class LoginFailures {
  /** Insertion order is recency order (an entry is re-inserted on each failure). */
  private readonly byAddress = new Map<string, { count: number; lastMs: number }>();
  failedTotal = 0;
  succeededTotal = 0;

  constructor(
    private readonly baseDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a failure from `address`; returns how long to wait before answering and closing. */
  failed(address: string): number {
    this.failedTotal++;
    const t = this.now();
    const prev = this.byAddress.get(address);
    const count = prev && t - prev.lastMs < LOGIN_FAILURE_MEMORY_MS ? prev.count + 1 : 1;
    this.byAddress.delete(address);
    this.byAddress.set(address, { count, lastMs: t });
    while (this.byAddress.size > MAX_TRACKED_LOGIN_FAILURE_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value!);
    return Math.min(MAX_FAILED_AUTHENTICATION_DELAY_MS, this.baseDelayMs * 2 ** Math.min(count - 1, 20));
  }

  succeeded(): void {
    this.succeededTotal++;
  }

  /** Recent failures from `address` (0 when forgotten). */
  recentFailures(address: string): number {
    const e = this.byAddress.get(address);
    return e && this.now() - e.lastMs < LOGIN_FAILURE_MEMORY_MS ? e.count : 0;
  }
}
