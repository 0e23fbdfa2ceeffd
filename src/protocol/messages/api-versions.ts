/** ApiVersions (key 18): versions 0-4, flexible from 3. */
import { api, arr, field, request, response, struct } from "../schema.ts";

const meta = { apiKey: 18, valid: "0-4", flexible: "3+" };

export const ApiVersions = api(
  request({ ...meta, name: "ApiVersionsRequest" }, [
    field("clientSoftwareName", "string", "3+"),
    field("clientSoftwareVersion", "string", "3+"),
  ]),
  response({ ...meta, name: "ApiVersionsResponse" }, [
    field("errorCode", "int16", "0+"),
    field("apiKeys", arr(struct(
      field("apiKey", "int16", "0+"),
      field("minVersion", "int16", "0+"),
      field("maxVersion", "int16", "0+"),
    )), "0+"),
    field("throttleTimeMs", "int32", "1+"),
    field("supportedFeatures", arr(struct(
      field("name", "string", "3+"),
      field("minVersion", "int16", "3+"),
      field("maxVersion", "int16", "3+"),
    )), "3+", { tag: 0, tagged: "3+" }),
    field("finalizedFeaturesEpoch", "int64", "3+", { tag: 1, tagged: "3+", default: -1n }),
    field("finalizedFeatures", arr(struct(
      field("name", "string", "3+"),
      field("maxVersionLevel", "int16", "3+"),
      field("minVersionLevel", "int16", "3+"),
    )), "3+", { tag: 2, tagged: "3+" }),
    field("zkMigrationReady", "bool", "3+", { tag: 3, tagged: "3+", default: false }),
  ]),
);
