/** DeleteTopics (key 20): versions 0-6, flexible from 4. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 20, valid: "0-6", flexible: "4+" };

export const DeleteTopics = api(
  request({ ...meta, name: "DeleteTopicsRequest" }, [
    // v6 replaces topicNames with topics (name or topic id); the wire order puts topics first.
    field("topics", arr(struct(
      field("name", "string", "6+", { nullable: "6+", default: null }),
      field("topicId", "uuid", "6+"),
    )), "6+"),
    field("topicNames", arr("string"), "0-5"),
    field("timeoutMs", "int32", "0+"),
  ]),
  response({ ...meta, name: "DeleteTopicsResponse" }, [
    field("throttleTimeMs", "int32", "1+"),
    field("responses", arr(struct(
      field("name", "string", "0+", { nullable: "6+" }),
      field("topicId", "uuid", "6+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "5+", { nullable: "5+", default: null }),
    )), "0+"),
  ]),
);
