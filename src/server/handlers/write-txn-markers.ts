/**
 * WriteTxnMarkers 1-2 (between brokers, and the admin client's abortTransaction): each marker's
 * COMMIT/ABORT control batch is appended to the partitions this broker leads
 * (context.txnMarkers.writeLocal, acks=-1); others answer NOT_LEADER_OR_FOLLOWER, unknown ones
 * UNKNOWN_TOPIC_OR_PARTITION. Bounded: at most MAX_MARKER_PARTITIONS partitions per request.
 */
import { MAX_MARKER_PARTITIONS } from "../../cluster/txn-marker-writer.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { WriteTxnMarkers } from "../../protocol/messages/write-txn-markers.ts";
import type { HandlerFor } from "../registry.ts";

export const writeTxnMarkersHandler: HandlerFor<typeof WriteTxnMarkers> = {
  api: WriteTxnMarkers,
  minVersion: 1,
  maxVersion: 2,
  async handle(ctx, req) {
    let total = 0;
    for (const m of req.markers) for (const t of m.topics) total += t.partitionIndexes.length;
    const tooMany = total > MAX_MARKER_PARTITIONS;
    const markers = await Promise.all(
      req.markers.map(async (m) => {
        const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
        const results = tooMany
          ? partitions.map((p) => ({ ...p, errorCode: ErrorCode.INVALID_REQUEST }))
          : await ctx.broker.txnMarkers.writeLocal({ producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, result: m.transactionResult ? "commit" : "abort", partitions }, partitions);
        const topics = new Map<string, { partitionIndex: number; errorCode: number }[]>();
        for (const r of results) {
          let list = topics.get(r.topic);
          if (!list) topics.set(r.topic, (list = []));
          list.push({ partitionIndex: r.partition, errorCode: r.errorCode });
        }
        return { producerId: m.producerId, topics: [...topics].map(([name, ps]) => ({ name, partitions: ps })) };
      }),
    );
    return { markers };
  },
  // No top-level error: every requested partition carries it.
  errorResponse(req, _version, errorCode) {
    return {
      markers: (req.markers ?? []).map((m) => ({
        producerId: m.producerId,
        topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
      })),
    };
  },
};
