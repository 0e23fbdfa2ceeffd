/** ConsumerGroupDescribe (key 69, KIP-848): versions 0-1, flexible from 0. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 69, valid: "0-1", flexible: "0+" };

const topicPartitions = struct(
  field("topicId", "uuid", "0+"),
  field("topicName", "string", "0+"),
  field("partitions", arr("int32"), "0+"),
);

const assignment = struct(
  field("topicPartitions", arr(topicPartitions), "0+"),
);

export const ConsumerGroupDescribe = api(
  request({ ...meta, name: "ConsumerGroupDescribeRequest" }, [
    field("groupIds", arr("string"), "0+"),
    field("includeAuthorizedOperations", "bool", "0+"),
  ]),
  response({ ...meta, name: "ConsumerGroupDescribeResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("groups", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field("groupId", "string", "0+"),
      field("groupState", "string", "0+"),
      field("groupEpoch", "int32", "0+"),
      field("assignmentEpoch", "int32", "0+"),
      field("assignorName", "string", "0+"),
      field("members", arr(struct(
        field("memberId", "string", "0+"),
        field("instanceId", "string", "0+", { nullable: "0+", default: null }),
        field("rackId", "string", "0+", { nullable: "0+", default: null }),
        field("memberEpoch", "int32", "0+"),
        field("clientId", "string", "0+"),
        field("clientHost", "string", "0+"),
        field("subscribedTopicNames", arr("string"), "0+"),
        field("subscribedTopicRegex", "string", "0+", { nullable: "0+", default: null }),
        field("assignment", assignment, "0+"),
        field("targetAssignment", assignment, "0+"),
        field("memberType", "int8", "1+", { default: -1 }),
      )), "0+"),
      field("authorizedOperations", "int32", "0+", { default: -2147483648 }),
    )), "0+"),
  ]),
);
