/** AlterConfigs (key 33): versions 0-2, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 33, valid: "0-2", flexible: "2+" };

export const AlterConfigs = api(
  request({ ...meta, name: "AlterConfigsRequest" }, [
    field("resources", arr(struct(
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("configs", arr(struct(
        field("name", "string", "0+"),
        field("value", "string", "0+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
    field("validateOnly", "bool", "0+"),
  ]),
  response({ ...meta, name: "AlterConfigsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("responses", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
    )), "0+"),
  ]),
);
