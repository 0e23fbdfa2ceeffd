/** DescribeClientQuotas (key 48): versions 0-1, flexible from 1 (Kafka 4.4 serves 0-1). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 48, valid: "0-1", flexible: "1+" };

export const DescribeClientQuotas = api(
  request({ ...meta, name: "DescribeClientQuotasRequest" }, [
    field("components", arr(struct(
      field("entityType", "string", "0+"),
      /** 0 exact name, 1 default name, 2 any specified name. */
      field("matchType", "int8", "0+"),
      field("match", "string", "0+", { nullable: "0+" }),
    )), "0+"),
    field("strict", "bool", "0+"),
  ]),
  response({ ...meta, name: "DescribeClientQuotasResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("errorCode", "int16", "0+"),
    field("errorMessage", "string", "0+", { nullable: "0+" }),
    field("entries", arr(struct(
      field("entity", arr(struct(
        field("entityType", "string", "0+"),
        field("entityName", "string", "0+", { nullable: "0+" }),
      )), "0+"),
      field("values", arr(struct(
        field("key", "string", "0+"),
        field("value", "float64", "0+"),
      )), "0+"),
    )), "0+", { nullable: "0+" }),
  ]),
);
