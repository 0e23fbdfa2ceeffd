/** DescribeUserScramCredentials (key 50): version 0, flexible. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 50, valid: "0", flexible: "0+" };

export const DescribeUserScramCredentials = api(
  request({ ...meta, name: "DescribeUserScramCredentialsRequest" }, [
    field("users", arr(struct(field("name", "string", "0+"))), "0+", { nullable: "0+" }),
  ]),
  response({ ...meta, name: "DescribeUserScramCredentialsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+" }),
    field("results", arr(struct(
      field("user", "string", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("credentialInfos", arr(struct(
        field("mechanism", "int8", "0+"),
        field("iterations", "int32", "0+"),
      )), "0+"),
    )), "0+"),
  ]),
);
