/**
 * Identities and ACLs on the HTTP surfaces (Admin API, HTTP Proxy, Schema Registry): the same
 * principals the Kafka listeners authenticate, authorised by the same ACLs.
 *
 * Authentication (`http_authentication_method`: NONE, or a comma list of BASIC and BEARER):
 *   Authorization: Basic base64(user:password)  a PLAIN user of plain_sasl_jaas_config or a SCRAM
 *                                               user of the metadata image -> User:<user>
 *   Authorization: Bearer <JWT>                 validated as OAUTHBEARER validates tokens (the JWKS
 *                                               of sasl_oauthbearer_jwks_endpoint_url, issuer,
 *                                               audience, expiry; never unsecured) -> User:<sub>
 * With a method configured, a request without valid credentials is refused 401 with a
 * WWW-Authenticate challenge; with NONE every request is User:ANONYMOUS. Health probes stay open
 * (an orchestrator has no credentials). The Authorization header is bounded (HTTP_AUTH_MAX_HEADER_BYTES).
 *
 * Authorisation: each surface maps a request to the ACL checks it needs (its own authorization.ts);
 * when authorizer_enabled is on, every check must pass for the principal from the client's address,
 * else 403. Lists are filtered by the surface. Each surface writes refusals in its own error body.
 * mTLS is not offered: the HTTP surfaces listen without TLS (docs/security.md).
 */
import type { Context, MiddlewareHandler } from "hono";
import { ConfigError } from "../config/config.ts";
import { AclOp } from "./acl.ts";
import type { Authorizer } from "./authorizer.ts";
import { clientHost } from "./authorizer.ts";
import { ANONYMOUS, principalString, type KafkaPrincipal } from "./principal.ts";
import type { SecurityContext } from "./security-context.ts";

/** Longest Authorization header read (a JWT with a large claim set fits; more is refused 401). */
export const HTTP_AUTH_MAX_HEADER_BYTES = 16 * 1024;

export type HttpAuthMethod = "BASIC" | "BEARER";

/** Parses http_authentication_method: NONE (or empty) is no authentication. */
export function parseHttpAuthMethods(raw: string): HttpAuthMethod[] {
  const out: HttpAuthMethod[] = [];
  for (const p of raw.split(",").map((s) => s.trim().toUpperCase()).filter((s) => s !== "")) {
    if (p === "NONE") continue;
    if (p !== "BASIC" && p !== "BEARER") throw new ConfigError(`invalid value ${JSON.stringify(raw)} for http_authentication_method: ${p} is not one of NONE, BASIC, BEARER`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** One ACL check a request needs. */
export interface AclCheck {
  operation: number;
  resourceType: number;
  resourceName: string;
}

export type Refusal = (c: Context, status: 401 | 403, message: string) => Response;

export interface HttpSecurityOptions {
  security: SecurityContext;
  authorizer: Authorizer;
  /** Paths answered without credentials or ACLs (health probes). */
  open: (path: string) => boolean;
  /** The checks of a request (its method and path; the body is not read). */
  checks: (c: Context) => AclCheck[];
  refuse: Refusal;
}

export type AuthResult = { ok: true; principal: KafkaPrincipal } | { ok: false; message: string };

/** The principal of an Authorization header under `methods`. */
export function authenticate(header: string | undefined, methods: readonly HttpAuthMethod[], security: SecurityContext, nowMs = Date.now()): AuthResult {
  if (methods.length === 0) return { ok: true, principal: ANONYMOUS };
  if (header === undefined || header === "") return { ok: false, message: `Authentication required (${methods.join(" or ")})` };
  if (header.length > HTTP_AUTH_MAX_HEADER_BYTES) return { ok: false, message: `Authorization header over ${HTTP_AUTH_MAX_HEADER_BYTES} bytes` };
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toUpperCase();
  const value = space < 0 ? "" : header.slice(space + 1).trim();
  if (scheme === "BASIC" && methods.includes("BASIC")) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return { ok: false, message: "Malformed Basic credentials" };
    const user = decoded.slice(0, colon);
    if (security.checkPassword(user, decoded.slice(colon + 1)) === null) return { ok: false, message: "Authentication failed: invalid username or password" };
    return { ok: true, principal: { type: "User", name: user } };
  }
  if (scheme === "BEARER" && methods.includes("BEARER")) {
    try {
      return { ok: true, principal: { type: "User", name: security.checkBearer(value, nowMs) } };
    } catch (e) {
      return { ok: false, message: `Authentication failed: ${(e as Error).message}` };
    }
  }
  return { ok: false, message: `Authentication scheme ${JSON.stringify(scheme)} is not accepted (${methods.join(", ")})` };
}

/** The client's address as the ACLs match hosts ("*" when the server does not say). */
export function requestHost(c: Context): string {
  const ip = (c.env as { requestIP?: (r: Request) => { address: string } | null } | undefined)?.requestIP?.(c.req.raw);
  return ip ? clientHost(ip.address) : "*";
}

const OPERATION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(AclOp).map(([k, v]) => [v, k]));
const RESOURCE_NAMES: Record<number, string> = { 2: "Topic", 3: "Group", 4: "Cluster", 5: "TransactionalId" };

/** The principal a request was authenticated as (set by the middleware; ANONYMOUS without one). */
export function principalOf(c: Context): KafkaPrincipal {
  return (c.get("principal" as never) as KafkaPrincipal | undefined) ?? ANONYMOUS;
}

/** Whether the request's principal passes one ACL check (always when authorizer_enabled is off). */
export function allowed(c: Context, authorizer: Authorizer, check: AclCheck): boolean {
  return authorizer.authorize(principalOf(c), requestHost(c), check.operation, check.resourceType, check.resourceName);
}

/** The middleware: authenticates, then runs the surface's ACL checks. */
export function httpSecurity(o: HttpSecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    if (o.open(c.req.path)) return next();
    const methods = o.security.httpMethods;
    const auth = authenticate(c.req.header("authorization"), methods, o.security);
    if (!auth.ok) {
      const res = o.refuse(c, 401, auth.message);
      res.headers.set("WWW-Authenticate", methods.map((m) => `${m === "BASIC" ? "Basic" : "Bearer"} realm="takhin"`).join(", "));
      return res;
    }
    c.set("principal" as never, auth.principal as never);
    if (o.authorizer.enabled) {
      const host = requestHost(c);
      for (const check of o.checks(c)) {
        if (!o.authorizer.authorize(auth.principal, host, check.operation, check.resourceType, check.resourceName)) {
          const what = `${OPERATION_NAMES[check.operation] ?? check.operation} on ${RESOURCE_NAMES[check.resourceType] ?? check.resourceType}:${check.resourceName}`;
          return o.refuse(c, 403, `${principalString(auth.principal)} is not authorized to ${what}`);
        }
      }
    }
    return next();
  };
}
