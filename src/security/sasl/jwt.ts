/**
 * JSON Web Tokens for OAUTHBEARER (RFC 7519, RFC 7515 compact form), checked the way Kafka's
 * validators check them:
 *
 *   token := base64url(header) "." base64url(claims) "." base64url(signature)
 *
 * Signed tokens (Kafka's OAuthBearerValidatorCallbackHandler): alg RS256 or ES256 only, the key
 * chosen by the header's kid among a JWKS file's keys (the only key when the token names none), the
 * signature verified (ES256 signatures are r||s, IEEE P1363); exp required, nbf/iat not in the
 * future, both with the allowed clock skew; the subject claim (sub by default) names the user;
 * aud and iss checked when configured.
 * Unsecured tokens (Kafka's OAuthBearerUnsecuredValidatorCallbackHandler, for development): alg
 * "none", an empty signature, the same claim checks.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../config/config.ts";
import { SaslAuthenticationError } from "./sasl-server.ts";

export interface JwtRules {
  /** null: unsecured tokens (alg none). */
  readonly keys: JwksKeys | null;
  readonly subClaimName: string;
  readonly clockSkewSeconds: number;
  readonly expectedAudience: readonly string[] | null;
  readonly expectedIssuer: string | null;
}

export interface JwksKeys {
  /** Keys by kid ("" for a key without one). */
  readonly byKid: ReadonlyMap<string, { key: KeyObject; alg: "RS256" | "ES256" }>;
}

const MAX_JWKS_KEYS = 256;

/** Reads a JWKS file (a path or a file: URL) and keeps its RSA and P-256 public keys. */
export function loadJwks(location: string): JwksKeys {
  const path = location.startsWith("file:") ? fileURLToPath(location) : location;
  if (/^https?:/i.test(location)) throw new ConfigError(`sasl_oauthbearer_jwks_endpoint_url: only a local JWKS file (a path or file: URL) is served, got ${location}`);
  let doc: { keys?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`sasl_oauthbearer_jwks_endpoint_url: cannot read the JWKS file ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.keys)) throw new ConfigError(`sasl_oauthbearer_jwks_endpoint_url: ${path} has no "keys" list`);
  const byKid = new Map<string, { key: KeyObject; alg: "RS256" | "ES256" }>();
  for (const jwk of doc.keys.slice(0, MAX_JWKS_KEYS) as Record<string, unknown>[]) {
    if (typeof jwk !== "object" || jwk === null || (jwk.use !== undefined && jwk.use !== "sig")) continue;
    let alg: "RS256" | "ES256";
    if (jwk.kty === "RSA" && (jwk.alg === undefined || jwk.alg === "RS256")) alg = "RS256";
    else if (jwk.kty === "EC" && jwk.crv === "P-256" && (jwk.alg === undefined || jwk.alg === "ES256")) alg = "ES256";
    else continue;
    try {
      const key = createPublicKey({ key: jwk as never, format: "jwk" });
      byKid.set(typeof jwk.kid === "string" ? jwk.kid : "", { key, alg });
    } catch (e) {
      throw new ConfigError(`sasl_oauthbearer_jwks_endpoint_url: a key in ${path} is not valid: ${(e as Error).message}`);
    }
  }
  if (byKid.size === 0) throw new ConfigError(`sasl_oauthbearer_jwks_endpoint_url: ${path} has no RS256 or ES256 signing key`);
  return { byKid };
}

function b64url(part: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new SaslAuthenticationError(`invalid_token: the ${what} is not base64url`);
  return Buffer.from(part, "base64url");
}

function json(part: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(b64url(part, what).toString("utf8"));
  } catch (e) {
    if (e instanceof SaslAuthenticationError) throw e;
    throw new SaslAuthenticationError(`invalid_token: the ${what} is not JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new SaslAuthenticationError(`invalid_token: the ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** Checks a token; returns its subject and expiry (epoch ms). Throws SaslAuthenticationError. */
export function validateJwt(token: string, rules: JwtRules, nowMs: number): { subject: string; expiresAtMs: number } {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SaslAuthenticationError("invalid_token: a JWT has three dot-separated parts");
  const header = json(parts[0]!, "header");
  const claims = json(parts[1]!, "claims");
  const alg = header.alg;
  if (rules.keys === null) {
    if (alg !== "none") throw new SaslAuthenticationError(`invalid_token: unsecured tokens must have alg none, got ${JSON.stringify(alg)}`);
    if (parts[2] !== "") throw new SaslAuthenticationError("invalid_token: an unsecured token has an empty signature");
  } else {
    if (alg !== "RS256" && alg !== "ES256") throw new SaslAuthenticationError(`invalid_token: alg ${JSON.stringify(alg)} is not accepted (RS256, ES256)`);
    const kid = typeof header.kid === "string" ? header.kid : null;
    const entry = kid !== null ? rules.keys.byKid.get(kid) : rules.keys.byKid.size === 1 ? [...rules.keys.byKid.values()][0] : undefined;
    if (!entry) throw new SaslAuthenticationError(`invalid_token: no key ${kid === null ? "(the token names none)" : JSON.stringify(kid)} in the JWKS`);
    if (entry.alg !== alg) throw new SaslAuthenticationError(`invalid_token: key ${JSON.stringify(kid)} is for ${entry.alg}, the token says ${alg}`);
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`, "ascii");
    const signature = b64url(parts[2]!, "signature");
    const ok = alg === "RS256" ? verify("RSA-SHA256", signed, entry.key, signature) : verify("SHA256", signed, { key: entry.key, dsaEncoding: "ieee-p1363" }, signature);
    if (!ok) throw new SaslAuthenticationError("invalid_token: the signature does not verify");
  }
  const skewMs = rules.clockSkewSeconds * 1000;
  const exp = claims.exp;
  if (typeof exp !== "number" || !Number.isFinite(exp)) throw new SaslAuthenticationError("invalid_token: the token has no exp claim");
  if (exp * 1000 + skewMs <= nowMs) throw new SaslAuthenticationError(`invalid_token: the token expired at ${new Date(exp * 1000).toISOString()}`);
  for (const c of ["nbf", "iat"] as const) {
    const v = claims[c];
    if (v !== undefined && (typeof v !== "number" || v * 1000 - skewMs > nowMs)) throw new SaslAuthenticationError(`invalid_token: the ${c} claim is in the future`);
  }
  const sub = claims[rules.subClaimName];
  if (typeof sub !== "string" || sub.trim().length === 0) throw new SaslAuthenticationError(`invalid_token: the token has no ${rules.subClaimName} claim`);
  if (rules.expectedIssuer !== null && claims.iss !== rules.expectedIssuer) throw new SaslAuthenticationError(`invalid_token: the issuer ${JSON.stringify(claims.iss)} is not ${rules.expectedIssuer}`);
  if (rules.expectedAudience !== null) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => typeof a === "string" && rules.expectedAudience!.includes(a))) throw new SaslAuthenticationError("invalid_token: the token's audience is not an expected one");
  }
  return { subject: sub, expiresAtMs: exp * 1000 };
}
