/**
 * DescribeCluster: the cluster id, the controller and the live brokers, from the metadata image; v2
 * adds the registered but fenced brokers when asked (includeFencedBrokers), each with isFenced.
 * Asked for controller endpoints (2) it answers MISMATCHED_ENDPOINT_TYPE, for any other type
 * UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker does (controllers are asked through their own listener).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeCluster } from "../../protocol/messages/describe-cluster.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS } from "../authorized-operations.ts";
import type { HandlerFor } from "../registry.ts";
import { KAFKA_LISTENER } from "../../metadata/brokers.ts";
import { brokersFor } from "../advertised.ts";
import type { MetadataImage } from "../../metadata/image.ts";

/** endpointType 1 asks for broker endpoints; 2 for controller endpoints (KIP-919). */
const BROKER_ENDPOINTS = 1;
const CONTROLLER_ENDPOINTS = 2;

/** Registered brokers that are fenced, in the live-broker form (their registered Kafka endpoint). */
function fencedBrokers(image: MetadataImage): { brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }[] {
  const out = [];
  for (const b of image.brokers.values()) {
    if (!b.fenced) continue;
    const ep = b.endPoints.find((e) => e.name === KAFKA_LISTENER) ?? b.endPoints[0];
    if (ep) out.push({ brokerId: b.id, host: ep.host, port: ep.port, rack: b.rack, isFenced: true });
  }
  return out;
}

export const describeClusterHandler: HandlerFor<typeof DescribeCluster> = {
  api: DescribeCluster,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const b = ctx.broker;
    if (req.endpointType !== BROKER_ENDPOINTS) {
      // As Kafka's broker: the answer names what it serves (brokers, no controller id).
      const controllers = req.endpointType === CONTROLLER_ENDPOINTS;
      return {
        throttleTimeMs: 0,
        endpointType: BROKER_ENDPOINTS,
        clusterId: b.clusterId,
        controllerId: -1,
        errorCode: controllers ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: controllers ? "the request asks for controller endpoints, but this is a broker" : `unknown endpoint type ${req.endpointType}`,
        brokers: [],
        clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
      };
    }
    return {
      throttleTimeMs: 0,
      endpointType: req.endpointType,
      clusterId: b.clusterId,
      controllerId: b.metadata.controllerId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: [
        ...brokersFor(ctx).map((x) => ({ brokerId: x.nodeId, host: x.host, port: x.port, rack: x.rack, isFenced: false })),
        ...(req.includeFencedBrokers ? fencedBrokers(b.metadata.image) : []),
      ].sort((x, y) => x.brokerId - y.brokerId),
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
};
