/**
 * DescribeQuorum (55): the metadata quorum as `kafka-metadata-quorum describe --status` and
 * `--replication` show it — leader id and epoch (Raft term), high watermark (committed entries),
 * the voters with their log end offsets and last fetch / caught-up times, and in v2 the voters'
 * controller listeners.
 *
 * In a cluster the request is forwarded to the active controller like the other admin APIs
 * (cluster-node.ts FORWARDED_APIS; Kafka brokers forward DescribeQuorum too): only the Raft leader
 * tracks its followers. A node that answers while not leading (a lost leadership between the
 * forward and the answer) says NOT_LEADER_OR_FOLLOWER for the partition, as Kafka's controller does.
 * Another topic or partition is answered UNKNOWN_TOPIC_OR_PARTITION for that partition (Kafka 4.4's answer,
 * checked against the local Kafka).
 * One node with no cluster keys is answered as the one-voter quorum a combined single Kafka node
 * is: itself the leader at epoch 1, its metadata log end as high watermark; it has no controller
 * listener, so its entry in `nodes` lists none.
 * There are no observers: every broker of a Takhin cluster is a voter (combined nodes only).
 */
import { clusterConfigOf } from "../../cluster/cluster-config.ts";
import type { QuorumStatus } from "../../cluster/metadata-quorum.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeQuorum } from "../../protocol/messages/describe-quorum.ts";
import type { RequestContext } from "../context.ts";
import type { Handler } from "../registry.ts";

/** The metadata log's topic name and partition, as Kafka names them. */
export const METADATA_TOPIC = "__cluster_metadata";
const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

interface DescribeQuorumRequest {
  topics: { topicName: string; partitions: { partitionIndex: number }[] }[];
}

function replicaStates(status: QuorumStatus) {
  return status.voters.map((v) => ({
    replicaId: v.nodeId,
    replicaDirectoryId: ZERO_UUID,
    logEndOffset: BigInt(v.logEndOffset),
    lastFetchTimestamp: BigInt(v.lastFetchTimestampMs),
    lastCaughtUpTimestamp: BigInt(v.lastCaughtUpTimestampMs),
  }));
}

function standaloneStatus(ctx: RequestContext): QuorumStatus {
  const hw = ctx.broker.metadata.image.offset + 1;
  return { leaderId: ctx.broker.nodeId, leaderEpoch: 1, highWatermark: hw, voters: [{ nodeId: ctx.broker.nodeId, logEndOffset: hw, lastFetchTimestampMs: Date.now(), lastCaughtUpTimestampMs: Date.now() }] };
}

export const describeQuorumHandler: Handler<DescribeQuorumRequest> = {
  api: DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const quorum = ctx.broker.quorum;
    // Each partition asked is answered; anything but __cluster_metadata-0 gets Kafka 4.4's per-partition
    // UNKNOWN_TOPIC_OR_PARTITION (its other fields 0, as Kafka leaves them). No partition asked: no topics.
    const wanted = req.topics.some((t) => t.topicName === METADATA_TOPIC && t.partitions.some((p) => p.partitionIndex === 0));
    const unknown = (partitionIndex: number) => ({ partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "This server does not host this topic-partition.", leaderId: 0, leaderEpoch: 0, highWatermark: 0n, currentVoters: [], observers: [] });
    const answer = (metadataPartition: unknown, nodes: unknown[]) => ({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: req.topics.map((t) => ({ topicName: t.topicName, partitions: t.partitions.map((p) => (t.topicName === METADATA_TOPIC && p.partitionIndex === 0 ? metadataPartition : unknown(p.partitionIndex))) })),
      nodes,
    });
    const partition = { partitionIndex: 0, errorCode: ErrorCode.NONE as number, errorMessage: null as string | null, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, currentVoters: [] as ReturnType<typeof replicaStates>, observers: [] };
    if (quorum && !quorum.isActiveController) {
      partition.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      partition.errorMessage = `node ${ctx.broker.nodeId} is not the quorum leader (controller ${quorum.controllerId})`;
      return answer(partition, []);
    }
    if (!wanted) return answer(null, []);
    const status = quorum ? quorum.status() : standaloneStatus(ctx);
    let nodes: { nodeId: number; listeners: { name: string; host: string; port: number }[] }[];
    if (quorum) {
      const name = clusterConfigOf(ctx.broker.config).controllerListenerNames[0] ?? "CONTROLLER";
      nodes = quorum.voters.map((v) => ({ nodeId: v.id, listeners: [{ name, host: v.host, port: v.port }] }));
    } else {
      nodes = [{ nodeId: ctx.broker.nodeId, listeners: [] }];
    }
    return answer({ ...partition, leaderId: status.leaderId, leaderEpoch: status.leaderEpoch, highWatermark: BigInt(status.highWatermark), currentVoters: replicaStates(status) }, nodes);
  },
};
