/** DescribeCluster (key 60): versions 0-2, flexible from 0 (v2: fenced brokers on request, KIP-1073). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 60, valid: "0-2", flexible: "0+" };

export const DescribeCluster = api(
  request({ ...meta, name: "DescribeClusterRequest" }, [
    field("includeClusterAuthorizedOperations", "bool", "0+"),
    field("endpointType", "int8", "1+", { default: 1 }),
    field("includeFencedBrokers", "bool", "2+"),
  ]),
  response({ ...meta, name: "DescribeClusterResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    field("endpointType", "int8", "1+", { default: 1 }),
    field("clusterId", "string", "0+"),
    field("controllerId", "int32", "0+", { default: -1 }),
    field("brokers", arr(struct(
      field("brokerId", "int32", "0+"),
      field("host", "string", "0+"),
      field("port", "int32", "0+"),
      field("rack", "string", "0+", { nullable: "0+", default: null }),
      field("isFenced", "bool", "2+"),
    )), "0+"),
    field("clusterAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
  ]),
);
