/**
 * SaslHandshake (17) v0-1 on a listener without SASL: Takhin has no SASL yet, so, as a Kafka
 * PLAINTEXT listener does, it answers ILLEGAL_SASL_STATE with no mechanisms. A client configured for
 * SASL then fails with a clear error instead of a dropped connection; SaslAuthenticate stays unserved.
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
