/** AlterClientQuotas (key 49): versions 0-1, flexible from 1 (Kafka 4.4 serves 0-1). */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 49, valid: "0-1", flexible: "1+" };

const entity = arr(struct(
  field("entityType", "string", "0+"),
  field("entityName", "string", "0+", { nullable: "0+" }),
));

export const AlterClientQuotas = api(
  request({ ...meta, name: "AlterClientQuotasRequest" }, [
    field("entries", arr(struct(
      field("entity", entity, "0+"),
      field("ops", arr(struct(
        field("key", "string", "0+"),
        field("value", "float64", "0+"),
        field("remove", "bool", "0+"),
      )), "0+"),
    )), "0+"),
    field("validateOnly", "bool", "0+"),
  ]),
  response({ ...meta, name: "AlterClientQuotasResponse" }, [
    field("throttleTimeMs", "int32", "0+"),
    field("entries", arr(struct(
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("entity", entity, "0+"),
    )), "0+"),
  ]),
);
