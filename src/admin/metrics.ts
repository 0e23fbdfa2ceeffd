/**
 * /metrics: the broker's figures in the Prometheus text exposition format (0.0.4), or OpenMetrics
 * 1.0 when the scraper asks for it (Accept: application/openmetrics-text), formatted by prom-client.
 *
 * Nothing here is on the request path. Every series is computed when scraped, from:
 *   RequestCounters (request-counters.ts)  requests, failures, latency, errors, bytes per topic
 *   the Kafka listener                     open connections; the request memory budget in use
 *   the metadata image and partitions      partition sizes and offsets (this node's partitions),
 *                                          under-replicated / leaderless / offline partitions, brokers
 *   the group service                      consumer-group lag (bounded: METRICS_MAX_LAG_SERIES)
 *   the quorum (cluster)                   controller id, Raft term, commit and applied index
 *   prom-client's default metrics          process CPU, RSS, heap, event-loop delay
 *
 * Two registries (one per format) are built by the same function: prom-client renames counters in
 * an OpenMetrics registry, so the two must not share metric objects.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import { ErrorCode } from "../protocol/errors.ts";
import type { BrokerContext } from "../server/context.ts";
import { METRICS_MAX_LAG_SERIES, METRICS_MAX_PARTITION_SERIES } from "../limits.ts";
import { LATENCY_BUCKETS_S, type RequestCounters } from "./request-counters.ts";
import { SYNC_BUCKETS_S, SYNC_KINDS, syncHistogram } from "../storage/sync-stats.ts";

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels?: Labels;
  metricName?: string;
}

export interface MetricsSources {
  context: BrokerContext;
  counters: RequestCounters | null;
  connections: () => number;
}

const ERROR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/** Every metric family this module exports (the dashboard test checks its expressions against them). */
export const METRIC_FAMILIES: string[] = [];

/** A 100 ms timer's lateness: how long the event loop was busy (unref'd: it keeps no process alive). */
class LoopDelay {
  private maxMs = 0;
  private expected = performance.now() + 100;
  private timer: ReturnType<typeof setInterval> | null = null;
  private users = 0;
  acquire(): void {
    if (this.users++ > 0) return;
    this.expected = performance.now() + 100;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxMs = Math.max(this.maxMs, now - this.expected);
      this.expected = now + 100;
    }, 100);
    (this.timer as { unref?: () => void }).unref?.();
  }
  release(): void {
    if (--this.users > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }
  takeMaxSeconds(): number {
    const v = Math.max(0, this.maxMs) / 1000;
    this.maxMs = 0;
    return v;
  }
}
const loopDelay = new LoopDelay();

function buildRegistry(src: MetricsSources, contentType: string): Registry {
  const reg = new (Registry as unknown as new (contentType: string) => Registry)(contentType);
  const family = (name: string, help: string, type: "counter" | "gauge" | "histogram", values: () => Sample[]) => {
    if (!METRIC_FAMILIES.includes(name)) METRIC_FAMILIES.push(name);
    // prom-client renames a counter in an OpenMetrics registry (drops _total from `name`, adds it to each sample): get() reads the current name.
    const metric = {
      name,
      help,
      type,
      aggregator: "sum",
      get: async () => ({ name: metric.name, help, type, aggregator: "sum", values: values() }),
    };
    reg.registerMetric(metric as never);
  };
  const ctx = src.context;
  const c = src.counters;

  family("takhin_kafka_requests_total", "Kafka requests handled, by API and version.", "counter", () =>
    c ? [...c.slots()].map((s) => ({ value: s.requests, labels: { api: s.api, api_key: s.apiKey, version: s.version } })) : [],
  );
  family("takhin_kafka_request_failures_total", "Kafka requests whose handler threw (answered UNKNOWN_SERVER_ERROR or closed).", "counter", () =>
    c ? [...c.slots()].map((s) => ({ value: s.failures, labels: { api: s.api, api_key: s.apiKey, version: s.version } })) : [],
  );
  family("takhin_kafka_request_duration_seconds", "Time from decoded request to handler result, by API and version.", "histogram", () => {
    const out: Sample[] = [];
    if (!c) return out;
    for (const s of c.slots()) {
      const labels = { api: s.api, api_key: s.apiKey, version: s.version };
      let cum = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        cum += s.buckets[i];
        out.push({ metricName: "takhin_kafka_request_duration_seconds_bucket", labels: { ...labels, le }, value: cum });
      });
      cum += s.buckets[LATENCY_BUCKETS_S.length];
      out.push({ metricName: "takhin_kafka_request_duration_seconds_bucket", labels: { ...labels, le: "+Inf" }, value: cum });
      out.push({ metricName: "takhin_kafka_request_duration_seconds_sum", labels, value: s.sum });
      out.push({ metricName: "takhin_kafka_request_duration_seconds_count", labels, value: cum });
    }
    return out;
  });
  family("takhin_kafka_errors_total", "Error codes in Kafka responses (top level, and each partition of Produce and Fetch).", "counter", () =>
    c ? [...c.errorCounts()].map((e) => ({ value: e.count, labels: { code: e.code, error: ERROR_NAMES[e.code] ?? "UNKNOWN" } })) : [],
  );
  family("takhin_topic_bytes_in_total", "Record bytes produced to a topic (as sent by producers).", "counter", () =>
    c ? [...c.topicBytes].map(([topic, b]) => ({ value: b.in, labels: { topic } })) : [],
  );
  family("takhin_topic_bytes_out_total", "Record bytes fetched from a topic (consumers and followers).", "counter", () =>
    c ? [...c.topicBytes].map(([topic, b]) => ({ value: b.out, labels: { topic } })) : [],
  );
  family("takhin_connections", "Open Kafka client connections.", "gauge", () => [{ value: src.connections() }]);
  family("takhin_authentication_failures_total", "Failed logins (SASL, refused client certificates, unsupported SASL mechanisms) since start.", "counter", () => [{ value: ctx.security.failures.failedTotal }]);
  family("takhin_authentications_total", "Successful SASL logins and re-authentications since start.", "counter", () => [{ value: ctx.security.failures.succeededTotal }]);
  family("takhin_request_memory_used_bytes", "Request bytes held in memory now (queued_max_request_bytes budget).", "gauge", () => [{ value: ctx.requestMemory.used }]);
  family("takhin_request_memory_limit_bytes", "The request memory budget (queued_max_request_bytes).", "gauge", () => [{ value: ctx.requestMemory.limitBytes }]);

  // Partition series: one pass over the image per family would repeat work; one pass, cached per scrape tick.
  let cache: { at: number; rows: PartitionRow[]; truncated: number } | null = null;
  const partitions = () => {
    const now = performance.now();
    if (!cache || now - cache.at > 100) cache = { at: now, ...partitionRows(ctx) };
    return cache;
  };
  const perPartition = (name: string, help: string, pick: (r: PartitionRow) => number | null) =>
    family(name, help, "gauge", () =>
      partitions()
        .rows.filter((r) => pick(r) !== null)
        .map((r) => ({ value: pick(r)!, labels: { topic: r.topic, partition: r.partition } })),
    );
  perPartition("takhin_partition_size_bytes", "Bytes of a partition's log on this node.", (r) => r.sizeBytes);
  perPartition("takhin_partition_log_end_offset", "Log end offset of a partition on this node.", (r) => r.logEndOffset);
  perPartition("takhin_partition_log_start_offset", "Log start offset of a partition on this node.", (r) => r.logStartOffset);
  perPartition("takhin_partition_high_watermark", "High watermark of a partition on this node.", (r) => r.highWatermark);
  family("takhin_metrics_series_truncated", "Series left out of this scrape by the limits (METRICS_MAX_PARTITION_SERIES, METRICS_MAX_LAG_SERIES).", "gauge", () => [
    { value: partitions().truncated, labels: { kind: "partition" } },
    { value: lagRows(ctx).truncated, labels: { kind: "group_lag" } },
  ]);
  family("takhin_partitions", "Partitions in the cluster metadata.", "gauge", () => [{ value: ctx.metadata.image.partitionCount }]);
  family("takhin_topics", "Topics in the cluster metadata.", "gauge", () => [{ value: ctx.metadata.image.topicsByName.size }]);
  family("takhin_under_replicated_partitions", "Partitions whose ISR is smaller than their replica set (cluster metadata).", "gauge", () => [{ value: countPartitions(ctx, (p) => p.isr.length < p.replicas.length) }]);
  family("takhin_leaderless_partitions", "Partitions without a leader (cluster metadata).", "gauge", () => [{ value: countPartitions(ctx, (p) => p.leader < 0) }]);
  family("takhin_offline_partitions", "Partitions that cannot be served: leaderless in the metadata, or hosted here on a failed log directory.", "gauge", () => [
    { value: countPartitions(ctx, (p) => p.leader < 0) + partitions().rows.filter((r) => r.offline).length },
  ]);
  family("takhin_brokers", "Registered brokers by state.", "gauge", () => {
    let alive = 0;
    let fenced = 0;
    for (const b of ctx.metadata.image.brokers.values()) b.fenced ? fenced++ : alive++;
    return [
      { value: alive, labels: { state: "alive" } },
      { value: fenced, labels: { state: "fenced" } },
    ];
  });
  family("takhin_consumer_group_lag", "High watermark minus committed offset, per group and partition hosted here (computed on scrape).", "gauge", () =>
    lagRows(ctx).rows.map((r) => ({ value: r.lag, labels: { group: r.group, topic: r.topic, partition: r.partition } })),
  );
  family("takhin_consumer_group_lag_sum", "Sum of a group's lag over the partitions hosted here.", "gauge", () => {
    const sums = new Map<string, number>();
    for (const r of lagRows(ctx).rows) sums.set(r.group, (sums.get(r.group) ?? 0) + r.lag);
    return [...sums].map(([group, value]) => ({ value, labels: { group } }));
  });
  family("takhin_consumer_groups", "Consumer groups known to this node's coordinator, by state.", "gauge", () => {
    const by = new Map<string, number>();
    for (const g of ctx.groups.listGroups()) by.set(g.state, (by.get(g.state) ?? 0) + 1);
    return [...by].map(([state, value]) => ({ value, labels: { state } }));
  });
  family("takhin_controller_id", "Node id of the active controller as this node sees it (-1: none known).", "gauge", () => [{ value: ctx.quorum ? ctx.quorum.controllerId : ctx.nodeId }]);
  family("takhin_controller_active", "1 when this node is the active controller.", "gauge", () => [{ value: ctx.quorum ? (ctx.quorum.isActiveController ? 1 : 0) : 1 }]);
  family("takhin_raft_term", "Current Raft term of the metadata quorum (cluster mode).", "gauge", () => (ctx.quorum ? [{ value: ctx.quorum.term }] : []));
  family("takhin_raft_commit_index", "Committed index (high watermark) of the metadata log (cluster mode).", "gauge", () => (ctx.quorum ? [{ value: ctx.quorum.status().highWatermark }] : []));
  family("takhin_raft_applied_index", "Metadata log index applied to this node's image (cluster mode).", "gauge", () => (ctx.quorum ? [{ value: ctx.quorum.appliedIndex }] : []));
  family("takhin_storage_fsync_seconds", "Time an fsync/fdatasync waited on the disk, by kind of file (log, index, dir, wal: metadata and Raft logs).", "histogram", () => {
    const out: Sample[] = [];
    for (const kind of SYNC_KINDS) {
      const h = syncHistogram(kind);
      let cum = 0;
      SYNC_BUCKETS_S.forEach((le, i) => {
        cum += h.counts[i]!;
        out.push({ metricName: "takhin_storage_fsync_seconds_bucket", labels: { kind, le }, value: cum });
      });
      cum += h.counts[SYNC_BUCKETS_S.length]!;
      out.push({ metricName: "takhin_storage_fsync_seconds_bucket", labels: { kind, le: "+Inf" }, value: cum });
      out.push({ metricName: "takhin_storage_fsync_seconds_sum", labels: { kind }, value: h.sumSeconds });
      out.push({ metricName: "takhin_storage_fsync_seconds_count", labels: { kind }, value: cum });
    }
    return out;
  });
  const logs = ctx.partitions.logs;
  family("takhin_log_flushes_by_time_total", "Logs flushed because flush.ms passed (log maintenance).", "counter", () => [{ value: logs.maintenanceTotals.timeFlushes }]);
  family("takhin_log_retention_passes_total", "Retention passes over the open logs (every log_retention_check_interval_ms).", "counter", () => [{ value: logs.maintenanceTotals.retentionPasses }]);
  family("takhin_log_retention_deleted_segments_total", "Segments deleted by retention (retention.ms, retention.bytes, the log start offset).", "counter", () => [{ value: logs.maintenanceTotals.retentionDeletedSegments }]);
  const cleaner = logs.cleaner.totals;
  family("takhin_log_cleaner_cleanings_total", "Compactions of a log completed by the cleaner.", "counter", () => [{ value: cleaner.cleanings }]);
  family("takhin_log_cleaner_failures_total", "Compactions that failed (the log is left as it was).", "counter", () => [{ value: cleaner.failures }]);
  family("takhin_log_cleaner_read_bytes_total", "Bytes the cleaner read (dirty and cleanable segments).", "counter", () => [{ value: cleaner.bytesRead }]);
  family("takhin_log_cleaner_written_bytes_total", "Bytes the cleaner wrote (cleaned segments).", "counter", () => [{ value: cleaner.bytesWritten }]);
  family("takhin_log_cleaner_removed_records_total", "Records the cleaner removed (superseded values, expired tombstones).", "counter", () => [{ value: cleaner.recordsRemoved }]);
  const scrub = logs.scrubber.totals;
  family("takhin_log_scrub_bytes_total", "Bytes of sealed segments the scrubber verified (log_scrub_bytes_per_second).", "counter", () => [{ value: scrub.bytes }]);
  family("takhin_log_scrub_segments_total", "Sealed segments the scrubber verified to their end or to a corrupt batch.", "counter", () => [{ value: scrub.segments }]);
  family("takhin_log_scrub_passes_total", "Scrub passes that verified at least one segment.", "counter", () => [{ value: scrub.passes }]);
  family("takhin_log_index_repairs_total", "Offset index entries or files the scrubber found wrong and rebuilt.", "counter", () => [{ value: scrub.indexRepairs }]);
  family("takhin_log_corrupt_ranges_detected_total", "Corrupt ranges found in the logs, by who found them (read: the read path; scrub: the scrubber; repair: a repair that did not take).", "counter", () =>
    Object.entries(logs.corruptionTotals).map(([source, value]) => ({ value, labels: { source } })),
  );
  family("takhin_log_corrupt_ranges", "Corrupt ranges known now in this node's logs (not served; healed from a replica in a cluster).", "gauge", () => {
    let n = 0;
    for (const tp of logs.listPartitions()) n += logs.getLog(tp.topic, tp.partition)?.corrupt.size ?? 0;
    return [{ value: n }];
  });
  family("takhin_log_dir_full", "1 while the log directory is full (appends answer KAFKA_STORAGE_ERROR until space returns).", "gauge", () => [{ value: logs.diskSpace.full ? 1 : 0 }]);
  family("takhin_log_dir_free_bytes", "Free bytes on the log directory's filesystem (statfs, for unprivileged writers).", "gauge", () => [{ value: logs.diskSpace.freeBytes() }]);
  family("takhin_log_dir_full_episodes_total", "Times the log directory became full.", "counter", () => [{ value: logs.diskSpace.totals.episodes }]);
  family("takhin_log_dir_full_refused_appends_total", "Appends refused because the log directory was full.", "counter", () => [{ value: logs.diskSpace.totals.refusedAppends }]);
  family("takhin_metadata_offset", "Offset of the last metadata batch applied to this node's image.", "gauge", () => [{ value: ctx.metadata.image.offset }]);

  // Process CPU, RSS, heap, event-loop delay (prom-client's standard names: process_*, nodejs_*).
  collectDefaultMetrics({ register: reg });
  // prom-client's event-loop figures come from monitorEventLoopDelay, which reports nothing under
  // Bun (NaN, an uninitialised minimum): left out; takhin_event_loop_delay_seconds measures it instead.
  for (const m of reg.getMetricsAsArray()) if (m.name.startsWith("nodejs_eventloop_lag")) reg.removeSingleMetric(m.name);
  family("takhin_event_loop_delay_seconds", "Largest event-loop delay seen by a 100 ms timer since the last scrape.", "gauge", () => [{ value: loopDelay.takeMaxSeconds() }]);
  return reg;
}

interface PartitionRow {
  topic: string;
  partition: number;
  sizeBytes: number | null;
  logEndOffset: number | null;
  logStartOffset: number | null;
  highWatermark: number | null;
  offline: boolean;
}

function partitionRows(ctx: BrokerContext): { rows: PartitionRow[]; truncated: number } {
  const rows: PartitionRow[] = [];
  let truncated = 0;
  for (const t of ctx.metadata.image.topicsByName.values()) {
    for (let i = 0; i < t.partitions.length; i++) {
      const p = ctx.partitions.hosted(t.name, i);
      if (!p) continue;
      if (rows.length >= METRICS_MAX_PARTITION_SERIES) {
        truncated++;
        continue;
      }
      const off = p.offline;
      rows.push({
        topic: t.name,
        partition: i,
        offline: off,
        sizeBytes: off ? null : p.log.sizeBytes,
        logEndOffset: off ? null : p.logEndOffset,
        logStartOffset: off ? null : p.logStartOffset,
        highWatermark: off ? null : p.highWatermark,
      });
    }
  }
  return { rows, truncated };
}

function countPartitions(ctx: BrokerContext, pred: (p: { leader: number; isr: readonly number[]; replicas: readonly number[] }) => boolean): number {
  let n = 0;
  for (const t of ctx.metadata.image.topicsById.values()) for (const p of t.partitions) if (pred(p)) n++;
  return n;
}

let lagCache: { at: number; ctx: BrokerContext; value: { rows: { group: string; topic: string; partition: number; lag: number }[]; truncated: number } } | null = null;

/** Lag of every group on the partitions hosted here, at most METRICS_MAX_LAG_SERIES rows (cached ~100 ms within a scrape). */
function lagRows(ctx: BrokerContext) {
  const now = performance.now();
  if (lagCache && lagCache.ctx === ctx && now - lagCache.at < 100) return lagCache.value;
  const rows: { group: string; topic: string; partition: number; lag: number }[] = [];
  let truncated = 0;
  for (const g of ctx.groups.listGroups()) {
    const offsets = ctx.groups.fetchOffsets(g.groupId, null);
    for (const t of offsets.topics) {
      for (const p of t.partitions) {
        if (!p.entry) continue;
        const part = ctx.partitions.hosted(t.name, p.partition);
        if (!part || part.offline) continue;
        if (rows.length >= METRICS_MAX_LAG_SERIES) {
          truncated++;
          continue;
        }
        rows.push({ group: g.groupId, topic: t.name, partition: p.partition, lag: Math.max(0, part.highWatermark - Number(p.entry.offset)) });
      }
    }
  }
  lagCache = { at: now, ctx, value: { rows, truncated } };
  return lagCache.value;
}

export class BrokerMetrics {
  private readonly prometheus: Registry;
  private readonly openMetrics: Registry;

  constructor(src: MetricsSources) {
    this.prometheus = buildRegistry(src, Registry.PROMETHEUS_CONTENT_TYPE);
    this.openMetrics = buildRegistry(src, Registry.OPENMETRICS_CONTENT_TYPE);
    loopDelay.acquire();
  }

  /** Stops the event-loop delay timer (when the last BrokerMetrics closes). */
  close(): void {
    loopDelay.release();
  }

  /** The exposition for an Accept header: OpenMetrics when asked for, else the Prometheus text format. */
  async render(accept: string | null): Promise<{ body: string; contentType: string }> {
    const om = accept !== null && /application\/openmetrics-text/i.test(accept);
    const reg = om ? this.openMetrics : this.prometheus;
    return { body: await reg.metrics(), contentType: reg.contentType };
  }
}
