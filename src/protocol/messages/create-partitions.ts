/** CreatePartitions (key 37): versions 0-3, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 37, valid: "0-3", flexible: "2+" };

export const CreatePartitions = api(
  request({ ...meta, name: "CreatePartitionsRequest" }, [
    field("topics", arr(struct(
      field("name", "string", "0+"),
      field("count", "int32", "0+"),
      field("assignments", arr(struct(
        field("brokerIds", arr("int32"), "0+"),
      )), "0+", { nullable: "0+" }),
    )), "0+"),
    field("timeoutMs", "int32", "0+"),
    field("validateOnly", "bool", "0+"),
  ]),
  response({ ...meta, name: "CreatePartitionsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("results", arr(struct(
      field("name", "string", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
    )), "0+"),
  ]),
);
