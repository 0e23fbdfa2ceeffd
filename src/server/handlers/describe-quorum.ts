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
    const t = req.topics;
    // Kafka's controller accepts exactly its one partition (no multi-raft); anything else is UNKNOWN_TOPIC_OR_PARTITION at the top.
    if (t.length !== 1 || t[0]!.topicName !== METADATA_TOPIC || t[0]!.partitions.length !== 1 || t[0]!.partitions[0]!.partitionIndex !== 0) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `DescribeQuorum describes ${METADATA_TOPIC}-0 only`, topics: [], nodes: [] };
    }
    const quorum = ctx.broker.quorum;
    const partition = { partitionIndex: 0, errorCode: ErrorCode.NONE as number, errorMessage: null as string | null, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, currentVoters: [] as ReturnType<typeof replicaStates>, observers: [] };
    if (quorum && !quorum.isActiveController) {
      partition.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      partition.errorMessage = `node ${ctx.broker.nodeId} is not the quorum leader (controller ${quorum.controllerId})`;
      return { errorCode: ErrorCode.NONE, errorMessage: null, topics: [{ topicName: METADATA_TOPIC, partitions: [partition] }], nodes: [] };
    }
    const status = quorum ? quorum.status() : standaloneStatus(ctx);
    let nodes: { nodeId: number; listeners: { name: string; host: string; port: number }[] }[];
    if (quorum) {
      const name = clusterConfigOf(ctx.broker.config).controllerListenerNames[0] ?? "CONTROLLER";
      nodes = quorum.voters.map((v) => ({ nodeId: v.id, listeners: [{ name, host: v.host, port: v.port }] }));
    } else {
      nodes = [{ nodeId: ctx.broker.nodeId, listeners: [] }];
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [{ topicName: METADATA_TOPIC, partitions: [{ ...partition, leaderId: status.leaderId, leaderEpoch: status.leaderEpoch, highWatermark: BigInt(status.highWatermark), currentVoters: replicaStates(status) }] }],
      nodes,
    };
  },
};
