/** DescribeCluster: the cluster id, the controller and the live brokers, from the metadata image. */
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeCluster } from "../../protocol/messages/describe-cluster.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS } from "../authorized-operations.ts";
import type { Handler } from "../registry.ts";
import { liveBrokers } from "../../metadata/brokers.ts";

/** endpointType 1 asks for broker endpoints; 2 for controller endpoints (KIP-919). */
const BROKER_ENDPOINTS = 1;

interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  endpointType: number;
}

export const describeClusterHandler: Handler<DescribeClusterRequest> = {
  api: DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req) {
    const b = ctx.broker;
    const base = { throttleTimeMs: 0, endpointType: req.endpointType, clusterId: b.clusterId, controllerId: b.metadata.controllerId };
    if (req.endpointType !== BROKER_ENDPOINTS) {
      return {
        ...base,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `endpoint type ${req.endpointType} is not served; this node answers for brokers (1)`,
        brokers: [],
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: liveBrokers(b.metadata.image, { nodeId: b.nodeId, host: b.advertisedHost, port: b.advertisedPort }).map((x) => ({ brokerId: x.nodeId, host: x.host, port: x.port, rack: x.rack })),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
};
