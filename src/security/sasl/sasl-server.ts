/**
 * The server side of one SASL exchange: a mechanism (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) reads
 * the client's tokens one at a time and answers a challenge, until it completes with the
 * authenticated user name or fails with a SaslAuthenticationError whose message the client is sent
 * (SaslAuthenticate's error_message, with SASL_AUTHENTICATION_FAILED) — the message never tells an
 * unknown user from a wrong password.
 */
export class SaslAuthenticationError extends Error {
  override name = "SaslAuthenticationError";
}

export interface SaslOutcome {
  /** The authenticated user: the principal becomes User:<name>. */
  readonly userName: string;
  /** When the credential stops being valid (an OAUTHBEARER token's exp), epoch ms; null: no end. */
  readonly expiresAtMs: number | null;
}

export interface SaslStep {
  /** Bytes to send back (SaslAuthenticate auth_bytes; an empty array for none). */
  readonly challenge: Uint8Array;
  /** Set when the exchange completed successfully. */
  readonly outcome: SaslOutcome | null;
}

export interface SaslServer {
  readonly mechanism: string;
  /** Evaluates the next client token; throws SaslAuthenticationError on failure. */
  evaluate(token: Uint8Array): SaslStep;
}

export const EMPTY = new Uint8Array(0);

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A token as UTF-8 text; a byte sequence that is not UTF-8 fails the exchange. */
export function utf8(token: Uint8Array, mechanism: string): string {
  try {
    return decoder.decode(token);
  } catch {
    throw new SaslAuthenticationError(`Authentication failed: invalid ${mechanism} message (not UTF-8)`);
  }
}
