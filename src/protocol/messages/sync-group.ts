/** SyncGroup (key 14): versions 0-5, flexible from 4. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 14, valid: "0-5", flexible: "4+" };

export const SyncGroup = api(
  request({ ...meta, name: "SyncGroupRequest" }, [
    field("groupId", "string", "0+"),
    field("generationId", "int32", "0+"),
    field("memberId", "string", "0+"),
    field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
    field("protocolType", "string", "5+", { nullable: "5+", default: null }),
    field("protocolName", "string", "5+", { nullable: "5+", default: null }),
    field("assignments", arr(struct(
      field("memberId", "string", "0+"),
      field("assignment", "bytes", "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "SyncGroupResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0+"),
    field("protocolType", "string", "5+", { nullable: "5+", default: null }),
    field("protocolName", "string", "5+", { nullable: "5+", default: null }),
    field("assignment", "bytes", "0+"),
  ]),
);
