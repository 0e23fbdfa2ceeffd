/** CreatePartitions (37) v0-3: raises partition counts; delegates to topic-admin. */
import { createPartitions, type CreatePartitionsRequest as TopicRequest } from "../../cluster/topic-admin.ts";
import { CreatePartitions } from "../../protocol/messages/create-partitions.ts";
import type { HandlerFor } from "../registry.ts";

export const createPartitionsHandler: HandlerFor<typeof CreatePartitions> = {
  api: CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "CreatePartitions", version, clientId: ctx.clientId, validateOnly: req.validateOnly });
    return { throttleTimeMs: 0, results: createPartitions(ctx.broker, req.topics, req.validateOnly) };
  },
  errorResponse(req, _version, errorCode) {
    return { throttleTimeMs: 0, results: req.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) };
  },
};
