/** CreateAcls (30) v1-3 (Kafka 4.4 serves 1-3): new ACL bindings; delegates to security/acl-admin.ts. */
import { CreateAcls } from "../../protocol/messages/create-acls.ts";
import { createAcls } from "../../security/acl-admin.ts";
import type { HandlerFor } from "../registry.ts";

export const createAclsHandler: HandlerFor<typeof CreateAcls> = {
  api: CreateAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(ctx, req) {
    const creations = req.creations.map((c) => ({ ...c, patternType: c.resourcePatternType }));
    return { throttleTimeMs: 0, results: createAcls(ctx.broker.metadata, ctx.broker.authorizer.enabled, creations) };
  },
  errorResponse(req, _version, errorCode) {
    return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode, errorMessage: null })) };
  },
};
