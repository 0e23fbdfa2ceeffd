/** FindCoordinator (key 10): versions 0-6, flexible from 3; v4+ batches keys and answers with a coordinators array. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 10, valid: "0-6", flexible: "3+" };

export const FindCoordinator = api(
  request({ ...meta, name: "FindCoordinatorRequest" }, [
    field("key", "string", "0-3"),
    field("keyType", "int8", "1+"),
    field("coordinatorKeys", arr("string"), "4+"),
  ]),
  response({ ...meta, name: "FindCoordinatorResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0-3"),
    field("errorMessage", "string", "1-3", { nullable: "1-3" }),
    field("nodeId", "int32", "0-3"),
    field("host", "string", "0-3"),
    field("port", "int32", "0-3"),
    field("coordinators", arr(struct(
      field("key", "string", "4+"),
      field("nodeId", "int32", "4+"),
      field("host", "string", "4+"),
      field("port", "int32", "4+"),
      field("errorCode", "int16", "4+"),
      field("errorMessage", "string", "4+", { nullable: "4+" }),
    )), "4+"),
  ]),
);
