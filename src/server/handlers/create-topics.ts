/** CreateTopics (19) v0-7: delegates to topic-admin; v5+ also returns the resulting configs, v7 the topic id. */
import { createTopics, type CreateTopicRequest } from "../../cluster/topic-admin.ts";
import { CreateTopics } from "../../protocol/messages/create-topics.ts";
import { ZERO_UUID } from "../../protocol/reader.ts";
import type { HandlerFor } from "../registry.ts";

export const createTopicsHandler: HandlerFor<typeof CreateTopics> = {
  api: CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "CreateTopics", version, clientId: ctx.clientId, validateOnly: req.validateOnly });
    const results = createTopics(ctx.broker, req.topics, req.validateOnly);
    return {
      throttleTimeMs: 0,
      topics: results.map((r) => ({
        name: r.name,
        topicId: r.topicId,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        topicConfigErrorCode: 0,
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.source,
          isSensitive: c.isSensitive,
        })),
      })),
    };
  },
  errorResponse(req, _version, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: -1,
        replicationFactor: -1,
        configs: [],
      })),
    };
  },
};
