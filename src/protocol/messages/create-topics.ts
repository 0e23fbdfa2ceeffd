/** CreateTopics (key 19): versions 0-7, flexible from 5. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 19, valid: "0-7", flexible: "5+" };

export const CreateTopics = api(
  request({ ...meta, name: "CreateTopicsRequest" }, [
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("numPartitions", "int32", "0+"),
      field("replicationFactor", "int16", "0+"),
      field("assignments", arr(struct(
        field("partitionIndex", "int32", "0+"),
        field("brokerIds", arr("int32"), "0+"),
      )), "0+"),
      field("configs", arr(struct(
        field("name", "string", "0+"),
        field("value", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
    field("timeoutMs", "int32", "0+", { default: 60000 }),
    field("validateOnly", "bool", "1+", { default: false }),
  ]),
  response({ ...meta, name: "CreateTopicsResponse" }, [
    field("throttleTimeMs", "int32", "2+"),
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("topicId", "uuid", "7+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "1+", { nullable: "0+" }),
      field("topicConfigErrorCode", "int16", "5+", { tag: 0, tagged: "5+", default: 0 }),
      field("numPartitions", "int32", "5+", { default: -1 }),
      field("replicationFactor", "int16", "5+", { default: -1 }),
      field("configs", arr(struct(
        field("name", "string", "5+"),
        field("value", "string", "5+", { nullable: "5+" }),
        field("readOnly", "bool", "5+"),
        field("configSource", "int8", "5+", { default: -1 }),
        field("isSensitive", "bool", "5+"),
      )), "5+", { nullable: "5+" }),
    )), "0+"),
  ]),
);
