/**
 * Replication settings of a cluster node. `replica_lag_time_max_ms` (Kafka's
 * replica.lag.time.max.ms, default 30000) comes from the start options (embedders, tests) or the
 * environment variable TAKHIN_REPLICA_LAG_TIME_MAX_MS (processes); it is not in the YAML key table
 * yet (docs/cluster.md).
 */
import { ConfigError } from "../../config/config.ts";
import { DEFAULT_REPLICA_LAG_TIME_MAX_MS } from "./leader-state.ts";

export interface ReplicationStartOptions {
  replicaLagTimeMaxMs?: number;
}

export const REPLICA_LAG_TIME_MAX_MS_ENV = "TAKHIN_REPLICA_LAG_TIME_MAX_MS";
const MAX_LAG_MS = 2 ** 31 - 1;

export function replicationOptionsOf(given: ReplicationStartOptions | undefined, env: Record<string, string | undefined>): Required<ReplicationStartOptions> {
  let lag = given?.replicaLagTimeMaxMs;
  const raw = env[REPLICA_LAG_TIME_MAX_MS_ENV];
  if (lag === undefined && raw !== undefined && raw !== "") {
    if (!/^\d{1,10}$/.test(raw)) throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ${REPLICA_LAG_TIME_MAX_MS_ENV}: not a whole number of milliseconds`);
    lag = Number(raw);
  }
  lag ??= DEFAULT_REPLICA_LAG_TIME_MAX_MS;
  if (!Number.isSafeInteger(lag) || lag < 1 || lag > MAX_LAG_MS) throw new ConfigError(`replica_lag_time_max_ms must be 1-${MAX_LAG_MS}, got ${lag}`);
  return { replicaLagTimeMaxMs: lag };
}
