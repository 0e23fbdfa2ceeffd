/**
 * OffsetDelete 0: deletes a group's committed offsets for partitions of topics no member
 * subscribes to (GROUP_SUBSCRIBED_TO_TOPIC otherwise); an unknown group gets GROUP_ID_NOT_FOUND.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetDelete } from "../../protocol/messages/offset-delete.ts";
import type { HandlerFor } from "../registry.ts";

export const offsetDeleteHandler: HandlerFor<typeof OffsetDelete> = {
  api: OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const r = ctx.broker.groups.deleteOffsets(req.groupId, req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })));
    return {
      errorCode: r.groupError,
      throttleTimeMs: 0,
      // As Kafka: a partition of a topic this cluster does not have is UNKNOWN_TOPIC_OR_PARTITION.
      topics: r.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.partition < (ctx.broker.topics.get(t.name)?.partitions ?? 0) ? p.errorCode : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) })),
    };
  },
};
