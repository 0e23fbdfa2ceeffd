/** DeleteGroups (key 42): versions 0-2, flexible from 2. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 42, valid: "0-2", flexible: "2+" };

export const DeleteGroups = api(
  request({ ...meta, name: "DeleteGroupsRequest" }, [
    field("groupsNames", arr("string"), "0+"),
  ]),
  response({ ...meta, name: "DeleteGroupsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("results", arr(struct(
      field("groupId", "string", "0+"),
      field("errorCode", "int16", "0+"),
    )), "0+"),
  ]),
);
