/** IncrementalAlterConfigs (key 44): versions 0-1, flexible from 1. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 44, valid: "0-1", flexible: "1+" };

export const IncrementalAlterConfigs = api(
  request({ ...meta, name: "IncrementalAlterConfigsRequest" }, [
    field("resources", arr(struct(
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("configs", arr(struct(
        field("name", "string", "0+"),
        field("configOperation", "int8", "0+"),
        field("value", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
    field("validateOnly", "bool", "0+"),
  ]),
  response({ ...meta, name: "IncrementalAlterConfigsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("responses", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
    )), "0+"),
  ]),
);
