/** ElectLeaders (key 43): versions 0-2, flexible from 2 (Kafka 4.4's ElectLeadersRequest/Response.json). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 43, valid: "0-2", flexible: "2+" };

export const ElectLeaders = api(
  request({ ...meta, name: "ElectLeadersRequest" }, [
    /** 0 = PREFERRED, 1 = UNCLEAN; v0 is always PREFERRED. */
    field("electionType", "int8", "1+"),
    /** null asks for every partition. */
    field("topicPartitions", arr(struct(
      field("topic", "string", "0+"),
      field("partitions", arr("int32"), "0+"),
    )), "0+", { nullable: "0+" }),
    field("timeoutMs", "int32", "0+", { default: 60000 }),
  ]),
  response({ ...meta, name: "ElectLeadersResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "1+"),
    field("replicaElectionResults", arr(struct(
      field("topic", "string", "0+"),
      field("partitionResult", arr(struct(
        field("partitionId", "int32", "0+"),
        field("errorCode", "int16", "0+"),
        field("errorMessage", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
  ]),
);
