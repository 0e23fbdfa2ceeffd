/** DescribeUserScramCredentials (50) v0: the users' SCRAM mechanisms and iterations (src/security/scram-admin.ts). */
import { ErrorCode } from "../../protocol/errors.ts";
import { DescribeUserScramCredentials } from "../../protocol/messages/describe-user-scram-credentials.ts";
import { describeScramUsers } from "../../security/scram-admin.ts";
import type { HandlerFor } from "../registry.ts";

export const describeUserScramCredentialsHandler: HandlerFor<typeof DescribeUserScramCredentials> = {
  api: DescribeUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const users = req.users === null ? null : req.users.map((u) => u.name);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: describeScramUsers(ctx.broker.metadata.image, users) };
  },
};
