/**
 * What the listeners need to authenticate clients, built once from the configuration at start:
 * the enabled SASL mechanisms and how to make a server for each (PLAIN users from
 * plain_sasl_jaas_config, SCRAM credentials from the metadata image, OAUTHBEARER rules and keys),
 * the failed-login tracker and the TLS context (tls.ts) when a listener uses TLS.
 */
import { ConfigError, type BrokerConfig } from "../config/config.ts";
import { LoginFailures } from "./login-failures.ts";
import { plainUsersOf, PlainServer } from "./sasl/plain.ts";
import { createHash, timingSafeEqual } from "node:crypto";
import { credentialFromSaltedPassword, saltedPassword, ScramServer, scramMechanismCode, type ScramCredential } from "./sasl/scram.ts";
import { OAuthBearerServer } from "./sasl/oauthbearer.ts";
import { loadJwks, validateJwt, type JwtRules } from "./sasl/jwt.ts";
import type { SaslServer } from "./sasl/sasl-server.ts";
import type { TlsContext } from "./tls.ts";
import { parseHttpAuthMethods, type HttpAuthMethod } from "./http-auth.ts";

export const SUPPORTED_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;

export interface SecurityContext {
  /** sasl_enabled_mechanisms, in the configured order. */
  readonly mechanisms: readonly string[];
  newServer(mechanism: string): SaslServer;
  readonly failures: LoginFailures;
  readonly config: BrokerConfig;
  /** http_authentication_method: the HTTP surfaces' accepted methods (empty: none, every request ANONYMOUS). */
  readonly httpMethods: readonly HttpAuthMethod[];
  /** Set when some listener uses TLS. */
  tls: TlsContext | null;
  /** Reads the JWKS file again (SIGHUP); throws ConfigError when it is no longer valid. */
  reloadKeys(): void;
  /**
   * The HTTP surfaces' Basic authentication: whether `password` is `user`'s — a PLAIN user of
   * plain_sasl_jaas_config, else a SCRAM-SHA-512 or SCRAM-SHA-256 credential of the metadata image
   * (the password salted as SCRAM does and its StoredKey compared). The mechanism that matched, or null.
   */
  checkPassword(user: string, password: string): string | null;
  /** The HTTP surfaces' Bearer authentication: the token's subject (as OAUTHBEARER validates it); throws when invalid or not configured. */
  checkBearer(token: string, nowMs: number): string;
}

export function parseMechanisms(raw: string): string[] {
  const out: string[] = [];
  for (const p of raw.split(",").map((s) => s.trim().toUpperCase())) {
    if (p.length === 0) continue;
    if (!(SUPPORTED_MECHANISMS as readonly string[]).includes(p)) {
      throw new ConfigError(`invalid value ${JSON.stringify(raw)} for sasl_enabled_mechanisms: ${p} is not served (accepts ${SUPPORTED_MECHANISMS.join(", ")})`);
    }
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new ConfigError(`invalid value ${JSON.stringify(raw)} for sasl_enabled_mechanisms: no mechanism`);
  return out;
}

export function createSecurityContext(config: BrokerConfig, scram: (mechanismCode: number, user: string) => ScramCredential | null): SecurityContext {
  const mechanisms = parseMechanisms(config.saslEnabledMechanisms);
  const plainUsers = plainUsersOf(config.plainSaslJaasConfig);
  const loadRules = (): JwtRules => ({
    keys: config.saslOauthbearerJwksEndpointUrl === null ? null : loadJwks(config.saslOauthbearerJwksEndpointUrl),
    subClaimName: config.saslOauthbearerSubClaimName,
    clockSkewSeconds: config.saslOauthbearerClockSkewSeconds,
    expectedAudience: config.saslOauthbearerExpectedAudience === null ? null : config.saslOauthbearerExpectedAudience.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
    expectedIssuer: config.saslOauthbearerExpectedIssuer,
  });
  let rules = mechanisms.includes("OAUTHBEARER") ? loadRules() : null;
  const httpMethods = parseHttpAuthMethods(config.httpAuthenticationMethod);
  return {
    mechanisms,
    httpMethods,
    config,
    failures: new LoginFailures(config.connectionFailedAuthenticationDelayMs),
    tls: null,
    newServer(mechanism: string): SaslServer {
      if (mechanism === "PLAIN") return new PlainServer(plainUsers);
      if (mechanism === "OAUTHBEARER") return new OAuthBearerServer(rules!);
      const code = scramMechanismCode(mechanism)!;
      return new ScramServer(code, (user) => scram(code, user));
    },
    reloadKeys() {
      if (rules !== null) rules = loadRules();
    },
    checkPassword(user, password) {
      const plain = plainUsers.get(user);
      if (plain !== undefined) return equalText(plain, password) ? "PLAIN" : null;
      for (const mechanism of ["SCRAM-SHA-512", "SCRAM-SHA-256"]) {
        const code = scramMechanismCode(mechanism)!;
        const cred = scram(code, user);
        if (cred && passwordCache.matches(code, user, password, cred)) return mechanism;
      }
      return null;
    },
    checkBearer(token, nowMs) {
      // Bearer tokens are checked with the OAUTHBEARER rules, which need a key set even when the mechanism is not enabled.
      const r = rules ?? (config.saslOauthbearerJwksEndpointUrl === null ? null : (rules = loadRules()));
      // Never unsecured (alg none) tokens over HTTP, even where OAUTHBEARER accepts them for testing.
      if (r === null || r.keys === null) throw new Error("bearer tokens are not accepted: sasl_oauthbearer_jwks_endpoint_url is not set");
      return validateJwt(token, r, nowMs).subject;
    },
  };
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * SCRAM password checks for HTTP Basic: salting a password costs thousands of hash rounds, so a
 * match is remembered (by a digest of mechanism, user and password, with the StoredKey it matched,
 * so a changed credential is checked again), at most PASSWORD_CACHE_ENTRIES, oldest dropped first.
 */
const PASSWORD_CACHE_ENTRIES = 1024;
const passwordCache = {
  entries: new Map<string, Uint8Array>(),
  matches(code: number, user: string, password: string, cred: ScramCredential): boolean {
    const key = createHash("sha256").update(`${code}\0${user}\0${password}`).digest("hex");
    const known = this.entries.get(key);
    if (known && Buffer.compare(Buffer.from(known), Buffer.from(cred.storedKey)) === 0) return true;
    const derived = credentialFromSaltedPassword(code, cred.salt, saltedPassword(code, password, cred.salt, cred.iterations), cred.iterations);
    const ok = derived.storedKey.length === cred.storedKey.length && timingSafeEqual(derived.storedKey, cred.storedKey);
    if (ok) {
      if (this.entries.size >= PASSWORD_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, cred.storedKey);
    }
    return ok;
  },
};
