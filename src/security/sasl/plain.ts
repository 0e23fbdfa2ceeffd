/**
 * SASL PLAIN (RFC 4616): one client message `[authzid] NUL authcid NUL passwd`, checked against
 * the users of `plain_sasl_jaas_config` — Kafka's PlainLoginModule line
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required
 *     username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";
 *
 * whose `user_<name>="<password>"` options are the users (username/password are the broker's own
 * client login in Kafka and are not users by themselves). As Kafka, an authzid other than empty or
 * the authcid is refused. Passwords are compared in constant time (SHA-256 of both, then
 * timingSafeEqual), so the time does not depend on how much of a password matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../../config/config.ts";
import { EMPTY, SaslAuthenticationError, utf8, type SaslServer, type SaslStep } from "./sasl-server.ts";

export const INVALID_CREDENTIALS = "Authentication failed: Invalid username or password";

/** Parses a JAAS configuration line: the login module, its flag and key=value options. */
export function parseJaasOptions(key: string, raw: string): Map<string, string> {
  const bad = (why: string) => new ConfigError(`invalid value for ${key}: ${why} (expected: <LoginModule class> required key="value" ...;)`);
  let s = raw.trim();
  if (s.endsWith(";")) s = s.slice(0, -1);
  const m = /^([A-Za-z0-9_.$]+)\s+(required|requisite|sufficient|optional)\b/.exec(s);
  if (!m) throw bad("no login module and control flag");
  let i = m[0].length;
  const out = new Map<string, string>();
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const k = /^[A-Za-z0-9_.\-]+/.exec(s.slice(i));
    if (!k) throw bad(`unexpected ${JSON.stringify(s.slice(i, i + 10))}`);
    i += k[0].length;
    if (s[i] !== "=") throw bad(`option ${k[0]} has no value`);
    i++;
    let value = "";
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
      if (s[i] !== '"') throw bad(`unterminated value of ${k[0]}`);
      i++;
    } else {
      const v = /^[^\s;]*/.exec(s.slice(i))![0];
      value = v;
      i += v.length;
    }
    if (out.size >= 10_000) throw bad("more than 10000 options");
    out.set(k[0], value);
  }
  return out;
}

/** The users of a PlainLoginModule configuration (user_<name> options). */
export function plainUsersOf(raw: string | null): Map<string, string> {
  const users = new Map<string, string>();
  if (raw === null) return users;
  for (const [k, v] of parseJaasOptions("plain_sasl_jaas_config", raw)) if (k.startsWith("user_") && k.length > 5) users.set(k.slice(5), v);
  return users;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

export class PlainServer implements SaslServer {
  readonly mechanism = "PLAIN";
  private done = false;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  evaluate(token: Uint8Array): SaslStep {
    if (this.done) throw new SaslAuthenticationError("Authentication failed: PLAIN takes one message");
    this.done = true;
    const parts = utf8(token, "PLAIN").split("\u0000");
    if (parts.length !== 3) throw new SaslAuthenticationError("Authentication failed: Invalid SASL/PLAIN response: expected 3 tokens");
    const [authzid, user, password] = parts as [string, string, string];
    if (user.length === 0) throw new SaslAuthenticationError("Authentication failed: username not specified");
    if (password.length === 0) throw new SaslAuthenticationError("Authentication failed: password not specified");
    if (authzid.length > 0 && authzid !== user) throw new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username");
    const expected = this.users.get(user);
    // Compare against something even for an unknown user, so both take the same time.
    const ok = timingSafeEqual(digest(password), digest(expected ?? "\u0000unknown-user")) && expected !== undefined;
    if (!ok) throw new SaslAuthenticationError(INVALID_CREDENTIALS);
    return { challenge: EMPTY, outcome: { userName: user, expiresAtMs: null } };
  }
}
