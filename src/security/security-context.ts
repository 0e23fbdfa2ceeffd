/**
 * What the listeners need to authenticate clients, built once from the configuration at start:
 * the enabled SASL mechanisms and how to make a server for each (PLAIN users from
 * plain_sasl_jaas_config, SCRAM credentials from the metadata image, OAUTHBEARER rules and keys),
 * the failed-login tracker and the TLS context (tls.ts) when a listener uses TLS.
 */
import { ConfigError, type BrokerConfig } from "../config/config.ts";
import { LoginFailures } from "./login-failures.ts";
import { plainUsersOf, PlainServer } from "./sasl/plain.ts";
import { ScramServer, scramMechanismCode, type ScramCredential } from "./sasl/scram.ts";
import { OAuthBearerServer } from "./sasl/oauthbearer.ts";
import { loadJwks, type JwtRules } from "./sasl/jwt.ts";
import type { SaslServer } from "./sasl/sasl-server.ts";
import type { TlsContext } from "./tls.ts";

export const SUPPORTED_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;

export interface SecurityContext {
  /** sasl_enabled_mechanisms, in the configured order. */
  readonly mechanisms: readonly string[];
  newServer(mechanism: string): SaslServer;
  readonly failures: LoginFailures;
  readonly config: BrokerConfig;
  /** Set when some listener uses TLS. */
  tls: TlsContext | null;
  /** Reads the JWKS file again (SIGHUP); throws ConfigError when it is no longer valid. */
  reloadKeys(): void;
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
  return {
    mechanisms,
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
  };
}
