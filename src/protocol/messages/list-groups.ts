/** ListGroups (key 16): versions 0-5, flexible from 3. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 16, valid: "0-5", flexible: "3+" };

export const ListGroups = api(
  request({ ...meta, name: "ListGroupsRequest" }, [
    field("statesFilter", arr("string"), "4+"),
    field("typesFilter", arr("string"), "5+"),
  ]),
  response({ ...meta, name: "ListGroupsResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("errorCode", "int16", "0+"),
    field("groups", arr(struct(
      field("groupId", "string", "0+"),
      field("protocolType", "string", "0+"),
      field("groupState", "string", "4+"),
      field("groupType", "string", "5+"),
    )), "0+"),
  ]),
);
