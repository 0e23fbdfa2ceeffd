/** DescribeAcls (29) v1-3 (Kafka 4.4 serves 1-3): the bindings matching a filter; delegates to security/acl-admin.ts. */
import { DescribeAcls } from "../../protocol/messages/describe-acls.ts";
import { describeAcls } from "../../security/acl-admin.ts";
import type { HandlerFor } from "../registry.ts";

export const describeAclsHandler: HandlerFor<typeof DescribeAcls> = {
  api: DescribeAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(ctx, req) {
    const filter = {
      resourceType: req.resourceTypeFilter,
      resourceName: req.resourceNameFilter,
      patternType: req.patternTypeFilter,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation,
      permissionType: req.permissionType,
    };
    return { throttleTimeMs: 0, ...describeAcls(ctx.broker.metadata.image.acls, ctx.broker.authorizer.enabled, filter) };
  },
};
