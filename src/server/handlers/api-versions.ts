/** ApiVersions: the registry's list of served APIs and version ranges. */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiVersions } from "../../protocol/messages/api-versions.ts";
import type { Handler } from "../registry.ts";

export const apiVersionsHandler: Handler = {
  api: ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.broker.registry.versions(),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
};
