/**
 * DescribeConfigs (32) v0-4: topic, broker and group configs with value, source (v1+; v0 has isDefault),
 * synonyms when asked (v1+), type and documentation (v3+); delegates to topic-admin.
 */
import { describeConfigs, type DescribeConfigsResource } from "../../cluster/topic-admin.ts";
import { ConfigSource } from "../../cluster/topic-config.ts";
import { DescribeConfigs } from "../../protocol/messages/describe-configs.ts";
import type { HandlerFor } from "../registry.ts";

export const describeConfigsHandler: HandlerFor<typeof DescribeConfigs> = {
  api: DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "DescribeConfigs", version, clientId: ctx.clientId });
    const results = describeConfigs(ctx.broker, req.resources, req.includeSynonyms, req.includeDocumentation);
    return {
      throttleTimeMs: 0,
      results: results.map((r) => ({
        errorCode: r.errorCode,
        // Kafka answers "" (not null) on success.
        errorMessage: r.errorCode === 0 ? "" : r.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === ConfigSource.DEFAULT_CONFIG,
          configSource: c.source,
          isSensitive: c.isSensitive,
          synonyms: c.synonyms,
          configType: c.type,
          documentation: c.documentation,
        })),
      })),
    };
  },
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      results: req.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
    };
  },
};
