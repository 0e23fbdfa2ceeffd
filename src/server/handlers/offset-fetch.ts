/**
 * OffsetFetch 1-9: committed offsets of a group (v8+: of several groups). A partition without a
 * committed offset answers offset -1 with empty metadata; null topics (v2+) means every partition
 * the group has committed. require_stable has nothing to wait for without transactions.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetFetch } from "../../protocol/messages/offset-fetch.ts";
import type { BrokerContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

type Topics = { name: string; partitionIndexes: number[] }[] | null;

function fetchGroup(b: BrokerContext, groupId: string, topics: Topics) {
  const found = b.groups.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })));
  return {
    errorCode: found.errorCode,
    topics: found.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.entry?.offset ?? -1n,
        committedLeaderEpoch: p.entry?.leaderEpoch ?? -1,
        metadata: p.entry?.metadata ?? "",
        errorCode: ErrorCode.NONE,
      })),
    })),
  };
}

export const offsetFetchHandler: HandlerFor<typeof OffsetFetch> = {
  api: OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, req, version) {
    const b = ctx.broker;
    if (version >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(b, g.groupId, g.topics) })) };
    }
    const r = fetchGroup(b, req.groupId, version >= 2 ? req.topics : (req.topics ?? []));
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
  },
};
