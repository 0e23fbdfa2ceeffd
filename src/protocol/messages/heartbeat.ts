/** Heartbeat (key 12): versions 0-4, flexible from 4. */
import { api, field, request, response } from "../schema.ts";

const meta = { apiKey: 12, valid: "0-4", flexible: "4+" };

export const Heartbeat = api(
  request({ ...meta, name: "HeartbeatRequest" }, [
    field("groupId", "string", "0+"),
    field("generationId", "int32", "0+"),
    field("memberId", "string", "0+"),
    field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
  ]),
  response({ ...meta, name: "HeartbeatResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0+"),
  ]),
);
