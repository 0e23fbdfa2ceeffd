/**
 * SaslHandshake (17) v0-1 where no SASL exchange can start: on a SASL listener the connection's
 * authenticator (src/security/authenticator.ts) answers SaslHandshake — the login and KIP-368
 * re-authentication — so a request reaching this handler came on a listener without SASL
 * (PLAINTEXT, SSL), or re-authenticates a connection that logged in with SaslAuthenticate v0. As a
 * Kafka broker does there, it answers ILLEGAL_SASL_STATE with no mechanisms.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { SaslHandshake } from "../../protocol/messages/sasl-handshake.ts";
import type { HandlerFor } from "../registry.ts";

export const saslHandshakeHandler: HandlerFor<typeof SaslHandshake> = {
  api: SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
};
