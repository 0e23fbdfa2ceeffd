/** CreateAcls (key 30): versions 0-3, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 30, valid: "0-3", flexible: "2+" };

export const CreateAcls = api(
  request({ ...meta, name: "CreateAclsRequest" }, [
    field("creations", arr(struct(
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("resourcePatternType", "int8", "1+", { default: 3 }),
      field("principal", "string", "0+"),
      field("host", "string", "0+"),
      field("operation", "int8", "0+"),
      field("permissionType", "int8", "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "CreateAclsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("results", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
    )), "0+"),
  ]),
);
