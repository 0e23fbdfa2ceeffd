/**
 * Client byte-rate quotas enforced on Produce (0) and Fetch (1), as Kafka does (KIP-13, KIP-219):
 *
 * - Produce: the request's record bytes are recorded against the producer_byte_rate quota of its
 *   (user, client-id) (src/security/quotas.ts resolves it by Kafka's precedence); the request is
 *   handled as usual and, when over the quota, its answer carries throttle_time_ms.
 * - Fetch (from consumers; follower fetches are exempt, as in Kafka): the answer's record bytes
 *   are recorded against consumer_byte_rate; when over, the bytes are taken back and the answer is
 *   sent without data (Kafka's throttled FetchResponse: no partitions) carrying throttle_time_ms.
 *
 * Either way the connection is muted for the throttle time (ConnectionInfo.mutedUntilMs; the
 * connection reads no further request from that socket until it passes, connection.ts) — other
 * connections are not delayed. The user is the principal's name (ANONYMOUS on PLAINTEXT) and a
 * missing client id is "", as in Kafka. With no client quota in the metadata the middleware only
 * checks that the map is empty.
 */
import type { RequestMiddleware } from "../server/middleware.ts";
import type { ConnectionInfo } from "../server/context.ts";
import { NO_RESPONSE } from "../server/registry.ts";
import { QuotaTracker, resolveClientQuota, type QuotaWindowConfig, KAFKA_QUOTA_WINDOW } from "./quotas.ts";

const PRODUCE = 0;
const FETCH = 1;

function recordsBytes(records: Uint8Array | Uint8Array[] | null | undefined): number {
  if (!records) return 0;
  if (Array.isArray(records)) return records.reduce((n, r) => n + r.byteLength, 0);
  return records.byteLength;
}

function produceRecordBytes(req: any): number {
  let n = 0;
  for (const t of req.topicData ?? []) for (const p of t.partitionData ?? []) n += recordsBytes(p.records);
  return n;
}

function fetchRecordBytes(res: any): number {
  let n = 0;
  for (const t of res.responses ?? []) for (const p of t.partitions ?? []) n += recordsBytes(p.records);
  return n;
}

function mute(conn: ConnectionInfo, throttleMs: number, nowMs: number): void {
  conn.mutedUntilMs = Math.max(conn.mutedUntilMs ?? 0, nowMs + throttleMs);
}

export function quotaEnforcement(window: QuotaWindowConfig = KAFKA_QUOTA_WINDOW, clock: () => number = Date.now): RequestMiddleware {
  const produce = new QuotaTracker(clock, window);
  const fetch = new QuotaTracker(clock, window);
  return {
    name: "quotas",
    handle(ctx, request: any, next) {
      if (ctx.apiKey !== PRODUCE && ctx.apiKey !== FETCH) return next();
      const quotas = ctx.broker.metadata.image.clientQuotas;
      if (quotas.size === 0) return next();
      const user = ctx.connection.principal.name;
      const clientId = ctx.clientId ?? "";
      if (ctx.apiKey === PRODUCE) {
        const q = resolveClientQuota(quotas, "producer_byte_rate", user, clientId);
        if (!q) return next();
        const throttleMs = produce.record(q, produceRecordBytes(request));
        if (throttleMs <= 0) return next();
        mute(ctx.connection, throttleMs, clock());
        const withThrottle = (res: any) => (res === NO_RESPONSE ? res : { ...res, throttleTimeMs: Math.max(res.throttleTimeMs ?? 0, throttleMs) });
        const result = next();
        return result instanceof Promise ? result.then(withThrottle) : withThrottle(result);
      }
      const replicaId = request.replicaState?.replicaId >= 0 ? request.replicaState.replicaId : (request.replicaId ?? -1);
      if (replicaId >= 0) return next();
      const q = resolveClientQuota(quotas, "consumer_byte_rate", user, clientId);
      if (!q) return next();
      const decide = (res: any) => {
        if (res === NO_RESPONSE) return res;
        const bytes = fetchRecordBytes(res);
        const throttleMs = fetch.record(q, bytes);
        if (throttleMs <= 0) return res;
        fetch.unrecord(q, bytes);
        mute(ctx.connection, throttleMs, clock());
        return { ...res, throttleTimeMs: Math.max(res.throttleTimeMs ?? 0, throttleMs), responses: [] };
      };
      const result = next();
      return result instanceof Promise ? result.then(decide) : decide(result);
    },
  };
}
