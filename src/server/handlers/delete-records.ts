/**
 * DeleteRecords 0-2: moves each partition's log start offset up (-1 means the high watermark).
 * As in Kafka, a partition answered with an error has lowWatermark -1, and the coordinators'
 * internal topics are refused (INVALID_TOPIC_EXCEPTION): deleting there would drop committed offsets.
 */
import { clientWriteRefusal } from "../../cluster/internal-topics.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { DeleteRecords } from "../../protocol/messages/delete-records.ts";
import type { HandlerFor } from "../registry.ts";

export const deleteRecordsHandler: HandlerFor<typeof DeleteRecords> = {
  api: DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const refused = clientWriteRefusal(t.name, "delete records of");
        if (refused) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: refused.errorCode };
        const partition = ctx.broker.partitions.get(t.name, p.partitionIndex);
        if (!partition) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        if (partition.offline) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
        const target = p.offset === -1n ? partition.highWatermark : Number(p.offset);
        if (target < 0 || target > partition.highWatermark) {
          return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
        }
        const low = partition.log.deleteRecordsBefore(target);
        return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(low), errorCode: ErrorCode.NONE };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};
