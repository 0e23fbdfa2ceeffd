/**
 * The configuration of an embedded broker: the user's `config` (README keys, validated by
 * src/config like environment variables, so a bad key or value throws ConfigError naming it) on top
 * of the embedded defaults:
 *
 *   every HTTP surface off       each `*_port` key but kafka_port that accepts -1 (Admin API,
 *                                Schema Registry, HTTP Proxy, the console when it has one) is -1
 *   group_initial_rebalance_delay_ms 0, offsets_topic_num_partitions 1   (fast first rebalances)
 *
 * The user's keys win over the defaults; the host, port and data directory are start options.
 */
import { ConfigError, describeClusterKeys, describeKeys } from "../config/config.ts";

export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  group_initial_rebalance_delay_ms: "0",
  offsets_topic_num_partitions: "1",
  transaction_state_log_num_partitions: "1",
});

/** The ports that -1 turns off (the HTTP surfaces). */
export function offSurfaceKeys(): string[] {
  return describeKeys()
    .filter((k) => k.key.endsWith("_port") && k.key !== "kafka_port" && k.accepts.startsWith("an integer from -1 "))
    .map((k) => k.key);
}

/** TAKHIN_* variables for loadConfig: the embedded defaults, then the user's keys. */
export function embeddedEnv(config: Record<string, string | number | boolean> = {}): Record<string, string> {
  const known = new Set([...describeKeys(), ...describeClusterKeys()].map((k) => k.key));
  const env: Record<string, string> = {};
  const set = (key: string, value: string) => {
    if (known.has(key)) env["TAKHIN_" + key.toUpperCase()] = value;
  };
  for (const key of offSurfaceKeys()) set(key, "-1");
  for (const [key, value] of Object.entries(EMBEDDED_DEFAULTS)) set(key, value);
  for (const [key, value] of Object.entries(config)) {
    if (!known.has(key)) throw new ConfigError(`unknown configuration key ${key} (the README's configuration table lists them)`);
    set(key, String(value));
  }
  return env;
}
