/**
 * SASL OAUTHBEARER (RFC 7628) as Kafka speaks it: one client message
 *
 *   gs2-header kvsep "auth=Bearer " token kvsep *(key "=" value kvsep) kvsep     kvsep = %x01
 *
 * (the other key/value pairs are Kafka's SASL extensions, accepted and ignored). The token is a JWT
 * checked by jwt.ts — signed (JWKS) or, without a JWKS, Kafka's unsecured development tokens. A
 * refused token fails at once with SASL_AUTHENTICATION_FAILED and the reason (Kafka first sends an
 * RFC 7628 error challenge; clients report the failure either way).
 */
import { EMPTY, SaslAuthenticationError, utf8, type SaslServer, type SaslStep } from "./sasl-server.ts";
import { validateJwt, type JwtRules } from "./jwt.ts";

export class OAuthBearerServer implements SaslServer {
  readonly mechanism = "OAUTHBEARER";
  private done = false;

  constructor(
    private readonly rules: JwtRules,
    private readonly now: () => number = Date.now,
  ) {}

  evaluate(token: Uint8Array): SaslStep {
    if (this.done) throw new SaslAuthenticationError("Authentication failed: OAUTHBEARER takes one message");
    this.done = true;
    const text = utf8(token, "OAUTHBEARER");
    const m = /^(n|y),(a=[^,]*)?,\x01/.exec(text);
    if (!m || !text.endsWith("\x01\x01")) throw new SaslAuthenticationError("Authentication failed: invalid OAUTHBEARER client message");
    let bearer: string | null = null;
    for (const kv of text.slice(m[0].length, -2).split("\x01")) {
      const eq = kv.indexOf("=");
      if (eq < 1) throw new SaslAuthenticationError("Authentication failed: invalid OAUTHBEARER client message");
      if (kv.slice(0, eq) === "auth") {
        const v = kv.slice(eq + 1);
        const b = /^Bearer\s+(\S+)$/i.exec(v);
        if (!b) throw new SaslAuthenticationError("Authentication failed: the auth value is not a Bearer token");
        bearer = b[1]!;
      }
    }
    if (bearer === null) throw new SaslAuthenticationError("Authentication failed: no auth=Bearer token");
    let result: { subject: string; expiresAtMs: number };
    try {
      result = validateJwt(bearer, this.rules, this.now());
    } catch (e) {
      if (e instanceof SaslAuthenticationError) throw new SaslAuthenticationError(`Authentication failed: ${e.message}`);
      throw e;
    }
    const authzid = m[2] ? m[2].slice(2) : "";
    if (authzid.length > 0 && authzid !== result.subject) throw new SaslAuthenticationError("Authentication failed: the authorization id is not the token's subject");
    return { challenge: EMPTY, outcome: { userName: result.subject, expiresAtMs: result.expiresAtMs } };
  }
}
