/** DescribeAcls (key 29): versions 0-3, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 29, valid: "0-3", flexible: "2+" };

export const DescribeAcls = api(
  request({ ...meta, name: "DescribeAclsRequest" }, [
    field("resourceTypeFilter", "int8", "0+"),
    field("resourceNameFilter", "string", "0+", { nullable: "0+" }),
    field("patternTypeFilter", "int8", "1+", { default: 3 }),
    field("principalFilter", "string", "0+", { nullable: "0+" }),
    field("hostFilter", "string", "0+", { nullable: "0+" }),
    field("operation", "int8", "0+"),
    field("permissionType", "int8", "0+"),
  ]),
  response({ ...meta, name: "DescribeAclsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+" }),
    field("resources", arr(struct(
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("patternType", "int8", "1+", { default: 3 }),
      field("acls", arr(struct(
        field("principal", "string", "0+"),
        field("host", "string", "0+"),
        field("operation", "int8", "0+"),
        field("permissionType", "int8", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);
