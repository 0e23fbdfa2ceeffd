/**
 * Delayed-operation purgatory (Kafka's DelayedOperationPurgatory): operations that cannot be
 * answered yet (a Produce with acks=all waiting for the high watermark, a Fetch waiting for
 * min_bytes) wait here, watched under keys (topic-partitions), until
 *   - an event on one of their keys makes tryComplete() succeed (append, high-watermark move,
 *     leadership change, deletion: whoever causes it calls checkAndComplete(key)), or
 *   - their deadline passes (onExpire, then complete), or
 *   - the purgatory shuts down (completeAll).
 * Never by sleeping or polling. Deadlines sit in one binary min-heap served by a single timer armed
 * for the earliest one.
 *
 * Completion happens exactly once: an operation's `completed` flag is set before onComplete runs,
 * and every path (event, expiry, shutdown, the first try) goes through complete().
 *
 * Bounds: at most `maxOperations` waiting at once and `maxWatchersPerKey` per key; an operation
 * that does not fit is completed at once with what it has (a Fetch answers with fewer bytes, a
 * Produce with its current state), so a client can never grow these structures without bound.
 */
import { MAX_DELAYED_OPERATIONS, MAX_DELAYED_OPERATION_WATCHERS_PER_KEY } from "../limits.ts";

export abstract class DelayedOperation {
  /** Absolute deadline (ms since epoch, the purgatory's clock). */
  deadlineMs = 0;
  private done = false;
  /** Position in the timer heap; -1 when not in it. */
  heapIndex = -1;
  /** Keys this operation is registered under (to unregister on completion). */
  watchedKeys: string[] = [];

  get completed(): boolean {
    return this.done;
  }

  /** Whether the operation can complete now; must not complete it itself. */
  abstract canComplete(): boolean;
  /** Builds and delivers the answer; called exactly once. */
  protected abstract onComplete(): void;
  /** Called just before the timeout completion (e.g. to mark "timed out"). */
  protected onExpire(): void {}

  /** Completes the operation if it has not been yet; returns whether this call did it. */
  complete(): boolean {
    if (this.done) return false;
    this.done = true;
    this.onComplete();
    return true;
  }

  /** Expiry path: onExpire then complete, once. */
  expire(): boolean {
    if (this.done) return false;
    this.onExpire();
    return this.complete();
  }
}

export interface PurgatoryOptions {
  maxOperations?: number;
  maxWatchersPerKey?: number;
  clock?: () => number;
  /** Called when an operation's callback throws (it still counts as completed). */
  onError?: (error: unknown) => void;
}

export class Purgatory<T extends DelayedOperation = DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  private readonly heap: T[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerDeadlineMs = Infinity;
  private closed = false;
  private readonly maxOperations: number;
  private readonly maxWatchersPerKey: number;
  private readonly clock: () => number;
  private readonly onError: (error: unknown) => void;

  constructor(readonly name: string, options: PurgatoryOptions = {}) {
    this.maxOperations = options.maxOperations ?? MAX_DELAYED_OPERATIONS;
    this.maxWatchersPerKey = options.maxWatchersPerKey ?? MAX_DELAYED_OPERATION_WATCHERS_PER_KEY;
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Operations waiting now. */
  get size(): number {
    return this.heap.length;
  }

  /** Keys with at least one watcher. */
  get watchedKeyCount(): number {
    return this.watchers.size;
  }

  /**
   * Completes `op` now if it can, else makes it wait under `keys` until `timeoutMs` from now.
   * Returns true when it completed during this call. Past a bound, or after close, it completes
   * at once whatever its state.
   */
  tryCompleteElseWatch(op: T, keys: string[], timeoutMs: number): boolean {
    if (this.safeCanComplete(op)) return this.finish(op);
    if (this.closed || timeoutMs <= 0 || this.heap.length >= this.maxOperations) return this.finishExpired(op, timeoutMs <= 0);
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (set !== undefined && set.size >= this.maxWatchersPerKey) return this.finishExpired(op, false);
    }
    op.deadlineMs = this.clock() + timeoutMs;
    op.watchedKeys = [...new Set(keys)];
    for (const key of op.watchedKeys) {
      let set = this.watchers.get(key);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(key, set);
      }
      set.add(op);
    }
    this.heapPush(op);
    // An event may have happened between the first check and the registration (not in one
    // thread of JS, but cheap insurance): check once more.
    if (this.safeCanComplete(op)) {
      this.remove(op);
      return this.finish(op);
    }
    this.armTimer();
    return false;
  }

  /** Something changed for `key`: completes every watcher of it that can complete now. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (set === undefined) return 0;
    let completed = 0;
    for (const op of [...set]) {
      if (op.completed) continue;
      if (!this.safeCanComplete(op)) continue;
      this.remove(op);
      if (this.finish(op)) completed++;
    }
    return completed;
  }

  /** Completes every waiting operation now (shutdown); later ones complete at once. */
  completeAll(): void {
    this.closed = true;
    this.clearTimer();
    for (const op of [...this.heap]) {
      this.remove(op);
      this.finishExpired(op, true);
    }
  }

  private safeCanComplete(op: T): boolean {
    try {
      return op.canComplete();
    } catch (error) {
      this.onError(error);
      return true; // answer with what it has rather than wait on a broken check
    }
  }

  private finish(op: T): boolean {
    try {
      return op.complete();
    } catch (error) {
      this.onError(error);
      return true;
    }
  }

  private finishExpired(op: T, expired: boolean): boolean {
    try {
      return expired ? op.expire() : op.complete();
    } catch (error) {
      this.onError(error);
      return true;
    }
  }

  private remove(op: T): void {
    for (const key of op.watchedKeys) {
      const set = this.watchers.get(key);
      if (set === undefined) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
    op.watchedKeys = [];
    if (op.heapIndex >= 0) this.heapRemove(op.heapIndex);
  }

  private onTimer(): void {
    this.timer = null;
    this.timerDeadlineMs = Infinity;
    const now = this.clock();
    while (this.heap.length > 0 && this.heap[0]!.deadlineMs <= now) {
      const op = this.heap[0]!;
      this.remove(op);
      this.finishExpired(op, true);
    }
    this.armTimer();
  }

  private armTimer(): void {
    const next = this.heap[0];
    if (next === undefined) {
      this.clearTimer();
      return;
    }
    if (this.timer !== null && this.timerDeadlineMs <= next.deadlineMs) return;
    this.clearTimer();
    this.timerDeadlineMs = next.deadlineMs;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, next.deadlineMs - this.clock()));
    // The listener keeps the process alive; a pending wait must not.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerDeadlineMs = Infinity;
  }

  // Binary min-heap on deadlineMs, each operation knowing its index (O(log n) removal).
  private heapPush(op: T): void {
    op.heapIndex = this.heap.length;
    this.heap.push(op);
    this.siftUp(op.heapIndex);
  }

  private heapRemove(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    const last = heap.pop()!;
    removed.heapIndex = -1;
    if (index < heap.length) {
      heap[index] = last;
      last.heapIndex = index;
      this.siftUp(index);
      this.siftDown(last.heapIndex);
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.deadlineMs <= heap[i]!.deadlineMs) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && heap[l]!.deadlineMs < heap[smallest]!.deadlineMs) smallest = l;
      if (r < heap.length && heap[r]!.deadlineMs < heap[smallest]!.deadlineMs) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    const x = heap[a]!;
    const y = heap[b]!;
    heap[a] = y;
    heap[b] = x;
    x.heapIndex = b;
    y.heapIndex = a;
  }
}
