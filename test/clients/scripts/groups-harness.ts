/**
 * Shared by the consumer-group tests: an in-process broker with test-sized group settings (a short
 * initial rebalance delay, a low minimum session timeout), a child-process broker (`bun
 * src/main.ts`) that can be SIGKILLed, and small helpers for records and client subprocesses.
 */
import { join } from "node:path";
import type { GroupConfig } from "../../../src/coordinator/group-config.ts";
import type { Broker } from "../../../src/server/broker.ts";
import { startTestBroker, tempDir, type TestBroker } from "../../helpers/broker.ts";

export const TEST_GROUP_CONFIG: Partial<GroupConfig> = {
  initialRebalanceDelayMs: 100,
  minSessionTimeoutMs: 1000,
  offsetsTopicPartitions: 8,
};

export async function startGroupBroker(groups: Partial<GroupConfig> = {}, dataDir = tempDir("takhin-groups-")): Promise<TestBroker> {
  return startTestBroker({ numPartitions: 1 }, dataDir, { groups: { ...TEST_GROUP_CONFIG, ...groups } });
}


/** A broker in its own process (`bun src/main.ts`), for kill -9. Resolves once it logs readiness. */
export { spawnBroker } from "../../helpers/broker-process.ts";

/** API keys of the group APIs (FindCoordinator 10 through OffsetDelete 47) whose versions are recorded. */
const GROUP_API_KEYS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 47];

/**
 * A request middleware on the broker by which every group request is noted by client (its client id without a
 * trailing "-<n>") and API: which versions each real client used. Returns the table, filled as
 * requests arrive.
 */
export function recordGroupApiVersions(broker: Broker): Map<string, Map<string, Set<number>>> {
  const seen = new Map<string, Map<string, Set<number>>>();
  broker.context.middleware.use({
    name: "record-group-api-versions",
    handle(ctx, _req, next) {
      if (GROUP_API_KEYS.includes(ctx.apiKey)) {
        const client = (ctx.clientId ?? "(none)").replace(/-\d+$/, "");
        let apis = seen.get(client);
        if (!apis) seen.set(client, (apis = new Map()));
        let versions = apis.get(ctx.api.name);
        if (!versions) apis.set(ctx.api.name, (versions = new Set()));
        versions.add(ctx.apiVersion);
      }
      return next();
    },
  });
  return seen;
}

/** One line per client: "client: JoinGroup v5, SyncGroup v3, ...". */
export function formatApiVersions(seen: Map<string, Map<string, Set<number>>>): string {
  return [...seen]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([client, apis]) => `${client}: ${[...apis].map(([api, vs]) => `${api} v${[...vs].sort((a, b) => a - b).join("/")}`).join(", ")}`)
    .join("\n");
}
