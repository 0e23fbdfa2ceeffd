/** AlterUserScramCredentials (key 51): version 0, flexible. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 51, valid: "0", flexible: "0+" };

export const AlterUserScramCredentials = api(
  request({ ...meta, name: "AlterUserScramCredentialsRequest" }, [
    field("deletions", arr(struct(
      field("name", "string", "0+"),
      field("mechanism", "int8", "0+"),
    )), "0+"),
    field("upsertions", arr(struct(
      field("name", "string", "0+"),
      field("mechanism", "int8", "0+"),
      field("iterations", "int32", "0+"),
      field("salt", "bytes", "0+"),
      field("saltedPassword", "bytes", "0+"),
    )), "0+"),
  ]),
  response({ ...meta, name: "AlterUserScramCredentialsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("results", arr(struct(
      field("userName", "string", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
    )), "0+"),
  ]),
);
