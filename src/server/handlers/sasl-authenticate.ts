/**
 * SaslAuthenticate (36) v0-2 where no SASL exchange is under way: on a SASL listener the
 * connection's authenticator (src/security/authenticator.ts) answers SaslAuthenticate during a
 * login, so a request that reaches this handler came on a listener without SASL or after the login
 * — Kafka answers ILLEGAL_SASL_STATE there.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { SaslAuthenticate } from "../../protocol/messages/sasl-authenticate.ts";
import type { HandlerFor } from "../registry.ts";

export const saslAuthenticateHandler: HandlerFor<typeof SaslAuthenticate> = {
  api: SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  handle() {
    // Kafka 4.4's words on every listener, a PLAINTEXT one included (probed: bench/security/tls-sasl.ts).
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: "SaslAuthenticate request received after successful authentication",
      authBytes: new Uint8Array(0),
      sessionLifetimeMs: 0n,
    };
  },
};
