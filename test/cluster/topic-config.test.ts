/** Topic configs: validation messages, the effective typed config, and the described sources and synonyms. */
import { describe, expect, test } from "bun:test";
import {
  ConfigSource,
  ConfigType,
  InvalidConfigError,
  TOPIC_CONFIGS,
  describeTopicConfigs,
  effectiveTopicConfig,
  validateTopicConfigs,
} from "../../src/cluster/topic-config.ts";

function invalid(overrides: Record<string, string | null>): string {
  try {
    validateTopicConfigs(overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidConfigError);
    return (e as Error).message;
  }
  throw new Error("expected InvalidConfigError");
}

describe("validation", () => {
  test("unknown names and bad values are rejected with the key in the message", () => {
    expect(invalid({ "no.such.config": "1" })).toContain("no.such.config");
    expect(invalid({ "retention.ms": "abc" })).toContain("retention.ms");
    expect(invalid({ "retention.ms": "-2" })).toContain("retention.ms");
    expect(invalid({ "segment.bytes": "1000" })).toContain("segment.bytes");
    expect(invalid({ "segment.bytes": "4294967296" })).toContain("segment.bytes");
    expect(invalid({ "cleanup.policy": "compact,shred" })).toContain("cleanup.policy");
    expect(invalid({ "cleanup.policy": "" })).toContain("cleanup.policy");
    expect(invalid({ "compression.type": "brotli" })).toContain("compression.type");
    expect(invalid({ "message.timestamp.type": "createtime" })).toContain("message.timestamp.type");
    expect(invalid({ "min.cleanable.dirty.ratio": "1.5" })).toContain("min.cleanable.dirty.ratio");
    expect(invalid({ preallocate: "yes" })).toContain("preallocate");
    expect(invalid({ "min.insync.replicas": "0" })).toContain("min.insync.replicas");
    expect(invalid({ "flush.messages": "0" })).toContain("flush.messages");
    expect(invalid({ "retention.ms": null })).toContain("retention.ms");
    expect(invalid({ "remote.storage.enable": "yes" })).toContain("remote.storage.enable");
    expect(invalid({ "remote.storage.enable": "true", "retention.ms": "1000", "local.retention.ms": "2000" })).toContain("local.retention.ms");
    expect(invalid({ "min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5" })).toContain("min.compaction.lag.ms");
  });

  test("valid values pass, including lists and Long.MAX_VALUE", () => {
    validateTopicConfigs({
      "cleanup.policy": "compact, delete",
      "retention.ms": "-1",
      "retention.bytes": "-1",
      "flush.ms": "9223372036854775807",
      "max.message.bytes": "2000000",
      "min.cleanable.dirty.ratio": "0.25",
      preallocate: "TRUE",
      "segment.bytes": "1048576",
      "leader.replication.throttled.replicas": "0:0,1:0",
    });
  });
});

describe("effective config", () => {
  test("Kafka 4.0 defaults without overrides", () => {
    const e = effectiveTopicConfig({ configs: {} });
    expect(e.retentionMs).toBe(604_800_000);
    expect(e.retentionBytes).toBe(-1);
    expect(e.segmentBytes).toBe(1_073_741_824);
    expect(e.segmentMs).toBe(604_800_000);
    expect(e.maxMessageBytes).toBe(1_048_588);
    expect(e.cleanupPolicyDelete).toBe(true);
    expect(e.cleanupPolicyCompact).toBe(false);
    expect(e.compressionType).toBe("producer");
    expect(e.messageTimestampType).toBe("CreateTime");
    expect(e.messageTimestampAfterMaxMs).toBe(3_600_000);
    expect(e.messageTimestampBeforeMaxMs).toBe(Infinity);
    expect(e.flushMessages).toBe(Infinity);
    expect(e.flushMs).toBe(Infinity);
    expect(e.indexIntervalBytes).toBe(4096);
    expect(e.minInsyncReplicas).toBe(1);
    expect(e.minCleanableDirtyRatio).toBe(0.5);
    expect(e.preallocate).toBe(false);
    expect(e.uncleanLeaderElectionEnable).toBe(false);
  });

  test("overrides win; broker values apply next, converted from hours", () => {
    const e = effectiveTopicConfig({ "retention.ms": "1000", "cleanup.policy": "compact", preallocate: "true" }, { "log.roll.hours": "2" });
    expect(e.retentionMs).toBe(1000);
    expect(e.cleanupPolicyCompact).toBe(true);
    expect(e.cleanupPolicyDelete).toBe(false);
    expect(e.preallocate).toBe(true);
    expect(e.segmentMs).toBe(7_200_000);
  });
});

describe("described configs", () => {
  test("every config is described with its type; overrides are DYNAMIC_TOPIC_CONFIG", () => {
    const all = describeTopicConfigs({ "retention.ms": "1000" });
    expect(all.map((c) => c.name)).toEqual(TOPIC_CONFIGS.map((d) => d.name));
    const r = all.find((c) => c.name === "retention.ms")!;
    expect(r).toMatchObject({ value: "1000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG, type: ConfigType.LONG, readOnly: false, isSensitive: false });
    expect(all.find((c) => c.name === "cleanup.policy")).toMatchObject({ value: "delete", source: ConfigSource.DEFAULT_CONFIG, type: ConfigType.LIST });
    expect(all.find((c) => c.name === "preallocate")!.type).toBe(ConfigType.BOOLEAN);
    expect(all.find((c) => c.name === "min.cleanable.dirty.ratio")!.type).toBe(ConfigType.DOUBLE);
    expect(all.find((c) => c.name === "segment.bytes")!.type).toBe(ConfigType.INT);
  });

  test("synonyms: the override, then broker configs that have a value", () => {
    const [r] = describeTopicConfigs({ "retention.ms": "1000" }, { names: ["retention.ms"], includeSynonyms: true });
    // Kafka 4.4 lists no DEFAULT_CONFIG synonym for the hours-based broker defaults (and flush.ms's scheduler interval)...
    expect(r.synonyms).toEqual([{ name: "retention.ms", value: "1000", source: ConfigSource.DYNAMIC_TOPIC_CONFIG }]);
    for (const name of ["retention.ms", "segment.ms", "segment.jitter.ms", "flush.ms"]) {
      expect(describeTopicConfigs({}, { names: [name], includeSynonyms: true })[0].synonyms).toEqual([]);
    }
    // ...but one set on the broker is listed, followed by the default (as Kafka 4.4 lists them).
    const [set] = describeTopicConfigs({}, { names: ["retention.ms"], includeSynonyms: true, brokerValues: { "log.retention.hours": "24" } });
    expect(set.synonyms).toEqual([
      { name: "log.retention.hours", value: "24", source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: "log.retention.hours", value: "168", source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(set.value).toBe("86400000");
    const [d] = describeTopicConfigs({}, { names: ["max.message.bytes"], includeSynonyms: true, includeDocumentation: true });
    expect(d.synonyms).toEqual([{ name: "message.max.bytes", value: "1048588", source: ConfigSource.DEFAULT_CONFIG }]);
    expect(d.documentation).toBeString();
    const [noSyn] = describeTopicConfigs({}, { names: ["max.message.bytes"] });
    expect(noSyn.synonyms).toEqual([]);
    expect(noSyn.documentation).toBeNull();
  });
});
