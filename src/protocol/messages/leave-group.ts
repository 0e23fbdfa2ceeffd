/** LeaveGroup (key 13): versions 0-5, flexible from 4; v3+ leaves a batch of members. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 13, valid: "0-5", flexible: "4+" };

export const LeaveGroup = api(
  request({ ...meta, name: "LeaveGroupRequest" }, [
    field("groupId", "string", "0+"),
    field("memberId", "string", "0-2"),
    field("members", arr(struct(
      field("memberId", "string", "3+"),
      field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
      field("reason", "string", "5+", { nullable: "5+", default: null }),
    )), "3+"),
  ]),
  response({ ...meta, name: "LeaveGroupResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0+"),
    field("members", arr(struct(
      field("memberId", "string", "3+"),
      field("groupInstanceId", "string", "3+", { nullable: "3+" }),
      field("errorCode", "int16", "3+"),
    )), "3+"),
  ]),
);
