/** DeleteTopics (20) v0-6: by name, or (v6+) by name or topic id; delegates to topic-admin. */
import { deleteTopics, type TopicRef } from "../../cluster/topic-admin.ts";
import { DeleteTopics } from "../../protocol/messages/delete-topics.ts";
import { ZERO_UUID } from "../../protocol/reader.ts";
import type { RequestOf } from "../../protocol/schema.ts";
import type { HandlerFor } from "../registry.ts";

function refs(req: RequestOf<typeof DeleteTopics>, version: number): TopicRef[] {
  if (version >= 6) return (req.topics ?? []).map((t) => ({ name: t.name ?? null, topicId: t.topicId ?? ZERO_UUID }));
  return (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
}

export const deleteTopicsHandler: HandlerFor<typeof DeleteTopics> = {
  api: DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req, version) {
    ctx.broker.log.debug("admin request", { api: "DeleteTopics", version, clientId: ctx.clientId });
    const results = deleteTopics(ctx.broker, refs(req, version));
    return { throttleTimeMs: 0, responses: results };
  },
  errorResponse(req, version, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: refs(req, version).map((r) => ({ name: r.name, topicId: r.topicId, errorCode, errorMessage: null })),
    };
  },
};
