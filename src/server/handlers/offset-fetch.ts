/**
 * OffsetFetch 1-9: committed offsets of a group (v8+: of several groups). A partition without a
 * committed offset answers offset -1 with empty metadata; null topics (v2+) means every partition
 * the group has committed. require_stable (v7+, KIP-447): a partition with a pending transactional
 * commit (TxnOffsetCommit before its marker) answers UNSTABLE_OFFSET_COMMIT with offset -1, and the
 * client asks again; without it the last committed offset is answered.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetFetch } from "../../protocol/messages/offset-fetch.ts";
import type { BrokerContext } from "../context.ts";
import type { HandlerFor } from "../registry.ts";

type Topics = { name: string; partitionIndexes: number[] }[] | null;

function fetchGroup(b: BrokerContext, groupId: string, topics: Topics, requireStable: boolean, member?: { memberId: string | null; memberEpoch: number }) {
  const found = b.groups.fetchOffsets(groupId, topics === null ? null : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })), requireStable, member);
  return {
    errorCode: found.errorCode,
    topics: found.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) =>
        p.unstable
          ? { partitionIndex: p.partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT }
          : {
              partitionIndex: p.partition,
              committedOffset: p.entry?.offset ?? -1n,
              committedLeaderEpoch: p.entry?.leaderEpoch ?? -1,
              metadata: p.entry?.metadata ?? "",
              errorCode: ErrorCode.NONE,
            },
      ),
    })),
  };
}

export const offsetFetchHandler: HandlerFor<typeof OffsetFetch> = {
  api: OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(ctx, req, version) {
    const b = ctx.broker;
    const requireStable = version >= 7 && req.requireStable;
    if (version >= 8) {
      return { throttleTimeMs: 0, groups: req.groups.map((g) => ({ groupId: g.groupId, ...fetchGroup(b, g.groupId, g.topics, requireStable, g) })) };
    }
    const r = fetchGroup(b, req.groupId, version >= 2 ? req.topics : (req.topics ?? []), requireStable);
    return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
  },
};
