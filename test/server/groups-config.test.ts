/**
 * The group settings as broker configuration: offsets_retention_minutes, offsets_topic_num_partitions,
 * group_initial_rebalance_delay_ms and group_min/max_session_timeout_ms, from TAKHIN_* variables and
 * YAML, validated at start and used by the coordinator. Retention end to end: an Empty group's offsets
 * are answered until the sweep runs past the configured retention, then OffsetFetch answers -1.
 * The sweep is run with a later clock instead of waiting for a real minute.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { OFFSETS_TOPIC } from "../../src/coordinator/group-config.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { LeaveGroup } from "../../src/protocol/messages/leave-group.ts";
import { OffsetCommit } from "../../src/protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../src/protocol/messages/offset-fetch.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { startBroker, type Broker } from "../../src/server/broker.ts";
import { createLogger } from "../../src/util/log.ts";
import { RawClient, removeDir, tempDir } from "../helpers/broker.ts";

const ENV = {
  TAKHIN_OFFSETS_RETENTION_MINUTES: "1",
  TAKHIN_OFFSETS_TOPIC_NUM_PARTITIONS: "3",
  TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
  TAKHIN_GROUP_MIN_SESSION_TIMEOUT_MS: "2000",
  TAKHIN_GROUP_MAX_SESSION_TIMEOUT_MS: "7000",
};

let broker: Broker;
let dataDir: string;
beforeAll(async () => {
  dataDir = tempDir("takhin-groups-config-");
  broker = await startBroker({
    env: ENV,
    overrides: { host: "127.0.0.1", kafkaPort: 0, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, dataDir },
    log: createLogger({ level: "error", format: "text", sink: () => {} }),
  });
  broker.context.topics.create("orders", 1);
});
afterAll(async () => {
  await broker.stop(1000);
  removeDir(dataDir);
});

function joinBody(groupId: string, memberId: string, sessionTimeoutMs: number) {
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 255, 255, 255, 255]) }],
    reason: null,
  };
}

async function fetchOffset(c: RawClient, groupId: string): Promise<bigint> {
  const r = await c.call(OffsetFetch, 7, { groupId, topics: [{ name: "orders", partitionIndexes: [0] }], groups: [], requireStable: false });
  return r.topics[0].partitions[0].committedOffset;
}

describe("group settings from the environment", () => {
  test("loadConfig reads the keys from TAKHIN_* and YAML and names a bad one", () => {
    const c = loadConfig({ env: ENV });
    expect([c.offsetsRetentionMinutes, c.offsetsTopicNumPartitions, c.groupInitialRebalanceDelayMs, c.groupMinSessionTimeoutMs, c.groupMaxSessionTimeoutMs]).toEqual([1, 3, 0, 2000, 7000]);
    const dir = tempDir("takhin-groups-yaml-");
    try {
      const file = join(dir, "takhin.yaml");
      writeFileSync(file, "offsets_retention_minutes: 30\noffsets_topic_num_partitions: 7\ngroup_initial_rebalance_delay_ms: 250\n");
      const y = loadConfig({ env: {}, file });
      expect([y.offsetsRetentionMinutes, y.offsetsTopicNumPartitions, y.groupInitialRebalanceDelayMs]).toEqual([30, 7, 250]);
    } finally {
      removeDir(dir);
    }
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig({ env });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error("accepted a bad value");
    };
    expect(bad({ TAKHIN_OFFSETS_RETENTION_MINUTES: "0" })).toContain("offsets_retention_minutes");
    expect(bad({ TAKHIN_OFFSETS_TOPIC_NUM_PARTITIONS: "many" })).toContain("offsets_topic_num_partitions");
    expect(bad({ TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "-1" })).toContain("group_initial_rebalance_delay_ms");
    expect(bad({ TAKHIN_GROUP_MIN_SESSION_TIMEOUT_MS: "9000", TAKHIN_GROUP_MAX_SESSION_TIMEOUT_MS: "8000" })).toContain("group_min_session_timeout_ms");
  });

  test("the broker uses them: __consumer_offsets partitions, session timeout bounds, offsets expire after the retention", async () => {
    const c = await RawClient.connect(broker.kafkaPort);
    try {
      expect((await c.call(FindCoordinator, 3, { key: "ret", keyType: 0, coordinatorKeys: [] })).errorCode).toBe(0);
      expect(broker.context.topics.get(OFFSETS_TOPIC)?.partitions).toBe(3);

      expect((await c.call(JoinGroup, 5, joinBody("ret", "", 1999))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
      expect((await c.call(JoinGroup, 5, joinBody("ret", "", 7001))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
      const first = await c.call(JoinGroup, 5, joinBody("ret", "", 7000));
      expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const memberId = first.memberId as string;
      // No initial rebalance delay: the lone member's join is answered at once.
      const joined = await c.call(JoinGroup, 5, joinBody("ret", memberId, 7000));
      expect(joined).toMatchObject({ errorCode: 0, generationId: 1, leader: memberId });
      const synced = await c.call(SyncGroup, 3, { groupId: "ret", generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId, assignment: new Uint8Array(0) }] });
      expect(synced.errorCode).toBe(0);
      const commit = await c.call(OffsetCommit, 7, {
        groupId: "ret",
        generationIdOrMemberEpoch: 1,
        memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: "orders", partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      expect(commit.topics[0].partitions[0].errorCode).toBe(0);

      const groups = broker.context.groups;
      // A group with a member keeps its offsets however old they are.
      groups.expireOffsets(Date.now() + 10 * 60_000);
      expect(await fetchOffset(c, "ret")).toBe(42n);

      expect((await c.call(LeaveGroup, 3, { groupId: "ret", memberId: "", members: [{ memberId, groupInstanceId: null, reason: null }] })).errorCode).toBe(0);
      expect(groups.coordinator.get("ret")?.state).toBe("Empty");
      const emptiedAt = Date.now();
      groups.expireOffsets(emptiedAt + 30_000);
      expect(await fetchOffset(c, "ret")).toBe(42n);
      groups.expireOffsets(emptiedAt + 61_000);
      expect(await fetchOffset(c, "ret")).toBe(-1n);
      expect(groups.coordinator.get("ret")).toBeUndefined();
    } finally {
      c.close();
    }
  });
});
