/**
 * ApiVersions: the registry's list of served APIs and version ranges. From v3 the client names its
 * software (KIP-511); a name or version Kafka would refuse (not letters, digits, '.' and '-',
 * starting and ending with a letter or digit) is answered INVALID_REQUEST with no keys, as Kafka does.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiVersions } from "../../protocol/messages/api-versions.ts";
import type { Handler } from "../registry.ts";

interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

/** Kafka's ApiVersionsRequest.isValid pattern for client_software_name and client_software_version. */
const SOFTWARE_FIELD = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler: Handler<ApiVersionsRequest> = {
  api: ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req, version) {
    const valid = version < 3 || (SOFTWARE_FIELD.test(req.clientSoftwareName) && SOFTWARE_FIELD.test(req.clientSoftwareVersion));
    return {
      errorCode: valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      apiKeys: valid ? ctx.broker.registry.versions() : [],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
};
