/** Produce (key 0): versions 0-11, flexible from 9. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 0, valid: "0-11", flexible: "9+" };

export const Produce = api(
  request({ ...meta, name: "ProduceRequest" }, [
    field("transactionalId", "string", "3+", { nullable: "3+", default: null }),
    field("acks", "int16", "0+"),
    field("timeoutMs", "int32", "0+"),
    field("topicData", arr(struct(
      field("name", "string", "0+"),
      field("partitionData", arr(struct(
        field("index", "int32", "0+"),
        field("records", "records", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "ProduceResponse" }, [
    field("responses", arr(struct(
      field("name", "string", "0+"),
      field("partitionResponses", arr(struct(
        field("index", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("baseOffset", "int64", "0+"),
        field("logAppendTimeMs", "int64", "2+", { default: -1n }),
        field("logStartOffset", "int64", "5+", { default: -1n }),
        field("recordErrors", arr(struct(
          field("batchIndex", "int32", "8+"),
          field("batchIndexErrorMessage", "string", "8+", { nullable: "8+", default: null }),
        )), "8+"),
        field("errorMessage", "string", "8+", { nullable: "8+", default: null }),
        field("currentLeader", struct(
          field("leaderId", "int32", "10+", { default: -1 }),
          field("leaderEpoch", "int32", "10+", { default: -1 }),
        ), "10+", { tag: 0, tagged: "10+" }),
      )), "0+"),
    )), "0+"),
    field("throttleTimeMs", "int32", "1+"),
    field("nodeEndpoints", arr(struct(
      field("nodeId", "int32", "10+"),
      field("host", "string", "10+"),
      field("port", "int32", "10+"),
      field("rack", "string", "10+", { nullable: "10+", default: null }),
    )), "10+", { tag: 0, tagged: "10+" }),
  ]),
);
