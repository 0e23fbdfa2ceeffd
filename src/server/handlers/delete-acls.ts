/** DeleteAcls (31) v1-3 (Kafka 4.4 serves 1-3): removes the bindings matching each filter; delegates to security/acl-admin.ts. */
import { DeleteAcls } from "../../protocol/messages/delete-acls.ts";
import { deleteAcls } from "../../security/acl-admin.ts";
import type { HandlerFor } from "../registry.ts";

export const deleteAclsHandler: HandlerFor<typeof DeleteAcls> = {
  api: DeleteAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(ctx, req) {
    const filters = req.filters.map((f) => ({
      resourceType: f.resourceTypeFilter,
      resourceName: f.resourceNameFilter,
      patternType: f.patternTypeFilter,
      principal: f.principalFilter,
      host: f.hostFilter,
      operation: f.operation,
      permissionType: f.permissionType,
    }));
    return { throttleTimeMs: 0, filterResults: deleteAcls(ctx.broker.metadata, ctx.broker.authorizer.enabled, filters) };
  },
  errorResponse(req, _version, errorCode) {
    return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) };
  },
};
