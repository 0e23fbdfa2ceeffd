/** ConsumerGroupHeartbeat (key 68, KIP-848): versions 0-1, flexible from 0. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 68, valid: "0-1", flexible: "0+" };

const topicPartitions = struct(
  field("topicId", "uuid", "0+"),
  field("partitions", arr("int32"), "0+"),
);

export const ConsumerGroupHeartbeat = api(
  request({ ...meta, name: "ConsumerGroupHeartbeatRequest" }, [
    field("groupId", "string", "0+"),
    field("memberId", "string", "0+"),
    field("memberEpoch", "int32", "0+"),
    field("instanceId", "string", "0+", { nullable: "0+", default: null }),
    field("rackId", "string", "0+", { nullable: "0+", default: null }),
    field("rebalanceTimeoutMs", "int32", "0+", { default: -1 }),
    field("subscribedTopicNames", arr("string"), "0+", { nullable: "0+", default: null }),
    field("subscribedTopicRegex", "string", "1+", { nullable: "1+", default: null }),
    field("serverAssignor", "string", "0+", { nullable: "0+", default: null }),
    field("topicPartitions", arr(topicPartitions), "0+", { nullable: "0+", default: null }),
  ]),
  response({ ...meta, name: "ConsumerGroupHeartbeatResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    field("memberId", "string", "0+", { nullable: "0+", default: null }),
    field("memberEpoch", "int32", "0+"),
    field("heartbeatIntervalMs", "int32", "0+"),
    field("assignment", struct(
      field("topicPartitions", arr(topicPartitions), "0+"),
    ), "0+", { nullable: "0+", default: null }),
  ]),
);
