/** DescribeConfigs (key 32): versions 0-4, flexible from 4. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 32, valid: "0-4", flexible: "4+" };

export const DescribeConfigs = api(
  request({ ...meta, name: "DescribeConfigsRequest" }, [
    field("resources", arr(struct(
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("configurationKeys", arr("string"), "0+", { nullable: "0+" }),
    )), "0+"),
    field("includeSynonyms", "bool", "1+", { default: false }),
    field("includeDocumentation", "bool", "3+", { default: false }),
  ]),
  response({ ...meta, name: "DescribeConfigsResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("results", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("resourceType", "int8", "0+"),
      field("resourceName", "string", "0+"),
      field("configs", arr(struct(
        field("name", "string", "0+"),
        field("value", "string", "0+", { nullable: "0+" }),
        field("readOnly", "bool", "0+"),
        // v0 only (Kafka 4 dropped v0): replaced by configSource from v1.
        field("isDefault", "bool", "0"),
        field("configSource", "int8", "1+", { default: -1 }),
        field("isSensitive", "bool", "0+"),
        field("synonyms", arr(struct(
          field("name", "string", "1+"),
          field("value", "string", "1+", { nullable: "0+" }),
          field("source", "int8", "1+"),
        )), "1+"),
        field("configType", "int8", "3+"),
        field("documentation", "string", "3+", { nullable: "0+" }),
      )), "0+"),
    )), "0+"),
  ]),
);
