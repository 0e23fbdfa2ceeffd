/** DescribeGroups (key 15): versions 0-5, flexible from 5. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 15, valid: "0-5", flexible: "5+" };

export const DescribeGroups = api(
  request({ ...meta, name: "DescribeGroupsRequest" }, [
    field("groups", arr("string"), "0+"),
    field("includeAuthorizedOperations", "bool", "3+", { default: false }),
  ]),
  response({ ...meta, name: "DescribeGroupsResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("groups", arr(struct(
      field("errorCode", "int16", "0+"),
      // The spec's ErrorMessage arrives in v6, above our range.
      field("groupId", "string", "0+"),
      field("groupState", "string", "0+"),
      field("protocolType", "string", "0+"),
      field("protocolData", "string", "0+"),
      field("members", arr(struct(
        field("memberId", "string", "0+"),
        field("groupInstanceId", "string", "4+", { nullable: "4+", default: null }),
        field("clientId", "string", "0+"),
        field("clientHost", "string", "0+"),
        field("memberMetadata", "bytes", "0+"),
        field("memberAssignment", "bytes", "0+"),
      )), "0+"),
      field("authorizedOperations", "int32", "3+", { default: -2147483648 }),
    )), "0+"),
  ]),
);
