/**
 * Client byte-rate quotas as Kafka enforces them (KIP-13, KIP-219), pure and with the clock
 * injected: no sockets, no timers.
 *
 * ## Resolution (Kafka's DefaultQuotaCallback)
 * For a request of (user, client-id) the first quota found in this order applies:
 *   1. user + client-id        2. user + default client-id   3. user
 *   4. default user + client-id  5. default user + default client-id  6. default user
 *   7. client-id               8. default client-id
 * The rate is tracked per matched entity with the real names in it (Kafka's metric tags): a user
 * quota (3) is shared by all the user's client ids; a default-user quota (6) gives every user its
 * own tracker; a client-id quota (7, 8) is shared by every user of that client id.
 *
 * ## Rate (Kafka's SampledStat + Rate)
 * `samples` windows of `sampleWindowMs` each (quota.window.num 11, quota.window.size.seconds 1).
 * A value is added to the current window, which is replaced by a new one once it is
 * `sampleWindowMs` old (the oldest is reused when there are `samples`); windows older than
 * samples × sampleWindowMs count as zero. The rate is the sum over the windows divided by the time
 * since the oldest window started, but never by less than (samples − 1) × sampleWindowMs.
 *
 * ## Throttle (Kafka's QuotaUtils.throttleTime)
 * After recording, when the rate is above the quota: round((rate − quota) / quota × window) ms,
 * window being the divisor above — the time for which no more bytes bring the rate back to the quota.
 */
import { MAX_QUOTA_SENSORS } from "../limits.ts";
import type { ClientQuotaEntry } from "../metadata/image.ts";
import { clientQuotaEntityKey } from "../metadata/image.ts";

export interface QuotaWindowConfig {
  samples: number;
  sampleWindowMs: number;
}

/** Kafka's defaults: quota.window.num 11, quota.window.size.seconds 1. */
export const KAFKA_QUOTA_WINDOW: QuotaWindowConfig = { samples: 11, sampleWindowMs: 1000 };

export class SampledRate {
  private readonly starts: number[] = [];
  private readonly values: number[] = [];
  private current = 0;

  constructor(
    private readonly config: QuotaWindowConfig,
    nowMs: number,
  ) {
    this.starts.push(nowMs);
    this.values.push(0);
  }

  record(value: number, nowMs: number): void {
    if (nowMs - this.starts[this.current]! >= this.config.sampleWindowMs) {
      this.current = (this.current + 1) % this.config.samples;
      if (this.current >= this.starts.length) {
        this.starts.push(nowMs);
        this.values.push(0);
      } else {
        this.starts[this.current] = nowMs;
        this.values[this.current] = 0;
      }
    }
    this.values[this.current]! += value;
  }

  private purge(nowMs: number): void {
    const expireMs = this.config.samples * this.config.sampleWindowMs;
    for (let i = 0; i < this.starts.length; i++) {
      if (nowMs - this.starts[i]! >= expireMs) {
        this.starts[i] = nowMs;
        this.values[i] = 0;
      }
    }
  }

  /** The divisor of the rate, ms (Rate.windowSize). */
  windowMs(nowMs: number): number {
    this.purge(nowMs);
    let elapsedMs = nowMs - Math.min(...this.starts);
    const fullWindows = Math.floor(elapsedMs / this.config.sampleWindowMs);
    const minFullWindows = this.config.samples - 1;
    if (fullWindows < minFullWindows) elapsedMs += (minFullWindows - fullWindows) * this.config.sampleWindowMs;
    return elapsedMs;
  }

  /** Units (bytes) recorded in the live windows. */
  total(nowMs: number): number {
    this.purge(nowMs);
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum;
  }

  /** Units per second. */
  rate(nowMs: number): number {
    const w = this.windowMs(nowMs);
    return (this.total(nowMs) / w) * 1000;
  }
}

/** Kafka's throttle time for a rate above its quota; 0 when at or under it. */
export function throttleTimeMs(rate: SampledRate, quotaPerSecond: number, nowMs: number): number {
  const r = rate.rate(nowMs);
  if (!(r > quotaPerSecond)) return 0;
  if (quotaPerSecond <= 0) return rate.windowMs(nowMs);
  return Math.round(((r - quotaPerSecond) / quotaPerSecond) * rate.windowMs(nowMs));
}

export interface ResolvedQuota {
  /** Bytes per second. */
  bound: number;
  /** Which tracker the bytes go to (the matched entity with the real names in it). */
  sensorKey: string;
}

type Entity = { entityType: string; entityName: string | null }[];
const U = "user";
const C = "client-id";

/** The quota `key` of a (user, client-id), by Kafka's precedence; null when none applies. */
export function resolveClientQuota(quotas: ReadonlyMap<string, ClientQuotaEntry>, key: string, user: string, clientId: string): ResolvedQuota | null {
  if (quotas.size === 0) return null;
  const order: [Entity, string, string][] = [
    [[{ entityType: U, entityName: user }, { entityType: C, entityName: clientId }], user, clientId],
    [[{ entityType: U, entityName: user }, { entityType: C, entityName: null }], user, clientId],
    [[{ entityType: U, entityName: user }], user, ""],
    [[{ entityType: U, entityName: null }, { entityType: C, entityName: clientId }], user, clientId],
    [[{ entityType: U, entityName: null }, { entityType: C, entityName: null }], user, clientId],
    [[{ entityType: U, entityName: null }], user, ""],
    [[{ entityType: C, entityName: clientId }], "", clientId],
    [[{ entityType: C, entityName: null }], "", clientId],
  ];
  for (const [entity, u, c] of order) {
    const bound = quotas.get(clientQuotaEntityKey(entity))?.values.get(key);
    if (bound !== undefined) return { bound, sensorKey: JSON.stringify([u, c]) };
  }
  return null;
}

/**
 * The rate trackers of one quota kind (produce or fetch bytes), at most MAX_QUOTA_SENSORS of them
 * (the least recently used is dropped, as Kafka expires idle sensors).
 */
export class QuotaTracker {
  private readonly sensors = new Map<string, SampledRate>();

  constructor(
    private readonly clock: () => number,
    private readonly config: QuotaWindowConfig = KAFKA_QUOTA_WINDOW,
    private readonly maxSensors = MAX_QUOTA_SENSORS,
  ) {}

  private sensor(key: string, nowMs: number): SampledRate {
    let s = this.sensors.get(key);
    if (s) {
      this.sensors.delete(key);
    } else {
      s = new SampledRate(this.config, nowMs);
      if (this.sensors.size >= this.maxSensors) this.sensors.delete(this.sensors.keys().next().value!);
    }
    this.sensors.set(key, s);
    return s;
  }

  /** Records `bytes` against the quota and answers the throttle time, ms (0 when within it). */
  record(quota: ResolvedQuota, bytes: number): number {
    const now = this.clock();
    const s = this.sensor(quota.sensorKey, now);
    s.record(bytes, now);
    return throttleTimeMs(s, quota.bound, now);
  }

  /** Takes back bytes recorded for an answer that was not sent (a throttled fetch, as Kafka's unrecord). */
  unrecord(quota: ResolvedQuota, bytes: number): void {
    const now = this.clock();
    this.sensor(quota.sensorKey, now).record(-bytes, now);
  }

  get size(): number {
    return this.sensors.size;
  }
}

/** The connection_creation_rate of a client address: its own ip entity, else the default ip's. */
export function resolveIpQuota(quotas: ReadonlyMap<string, ClientQuotaEntry>, ip: string): ResolvedQuota | null {
  if (quotas.size === 0) return null;
  for (const name of [ip, null]) {
    const bound = quotas.get(clientQuotaEntityKey([{ entityType: "ip", entityName: name }]))?.values.get("connection_creation_rate");
    if (bound !== undefined) return { bound, sensorKey: ip };
  }
  return null;
}

/**
 * Connection creation rate per IP (KIP-612), as Kafka's ConnectionQuotas: each new connection
 * counts 1 against its address's quota; over it, the connection is not counted and is to be
 * closed after the throttle time, which is at most one sample window (Kafka bounds it so).
 */
export class ConnectionRateQuota {
  private readonly tracker: QuotaTracker;

  constructor(
    clock: () => number,
    private readonly config: QuotaWindowConfig = KAFKA_QUOTA_WINDOW,
  ) {
    this.tracker = new QuotaTracker(clock, config);
  }

  /** 0: accept; otherwise close the connection after this many ms. */
  onConnection(quotas: ReadonlyMap<string, ClientQuotaEntry>, ip: string): number {
    const q = resolveIpQuota(quotas, ip);
    if (!q) return 0;
    const throttleMs = this.tracker.record(q, 1);
    if (throttleMs <= 0) return 0;
    this.tracker.unrecord(q, 1);
    return Math.min(throttleMs, this.config.sampleWindowMs);
  }
}
