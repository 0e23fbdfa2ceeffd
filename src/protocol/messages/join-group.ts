/** JoinGroup (key 11): versions 0-9, flexible from 6. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 11, valid: "0-9", flexible: "6+" };

export const JoinGroup = api(
  request({ ...meta, name: "JoinGroupRequest" }, [
    field("groupId", "string", "0+"),
    field("sessionTimeoutMs", "int32", "0+"),
    // Absent in v0: the handler should fall back to sessionTimeoutMs.
    field("rebalanceTimeoutMs", "int32", "1+", { default: -1 }),
    field("memberId", "string", "0+"),
    field("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
    field("protocolType", "string", "0+"),
    field("protocols", arr(struct(
      field("name", "string", "0+"),
      field("metadata", "bytes", "0+"),
    )), "0+"),
    field("reason", "string", "8+", { nullable: "8+", default: null }),
  ]),
  response({ ...meta, name: "JoinGroupResponse" }, [
    field("throttleTimeMs", "int32", "2+"),
    field("errorCode", "int16", "0+"),
    field("generationId", "int32", "0+", { default: -1 }),
    field("protocolType", "string", "7+", { nullable: "7+", default: null }),
    field("protocolName", "string", "0+", { nullable: "7+" }),
    field("leader", "string", "0+"),
    field("skipAssignment", "bool", "9+", { default: false }),
    field("memberId", "string", "0+"),
    field("members", arr(struct(
      field("memberId", "string", "0+"),
      field("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
      field("metadata", "bytes", "0+"),
    )), "0+"),
  ]),
);
