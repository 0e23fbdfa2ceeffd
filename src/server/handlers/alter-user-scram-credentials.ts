/**
 * AlterUserScramCredentials (51) v0: SCRAM users set and removed (src/security/scram-admin.ts),
 * committed as metadata records; forwarded to the active controller in a cluster (cluster-node.ts).
 */
import { AlterUserScramCredentials } from "../../protocol/messages/alter-user-scram-credentials.ts";
import { alterScramUsers } from "../../security/scram-admin.ts";
import type { HandlerFor } from "../registry.ts";

export const alterUserScramCredentialsHandler: HandlerFor<typeof AlterUserScramCredentials> = {
  api: AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const m = ctx.broker.metadata;
    return { throttleTimeMs: 0, results: alterScramUsers(m.image, req, (records) => m.commit(records)) };
  },
  errorResponse(req, _version, errorCode) {
    const names = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    return { throttleTimeMs: 0, results: names.map((userName) => ({ userName, errorCode, errorMessage: null })) };
  },
};
