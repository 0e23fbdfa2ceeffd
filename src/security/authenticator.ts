/**
 * The authentication state of one connection on a SASL listener (SASL_PLAINTEXT, SASL_SSL), as
 * Kafka's SaslServerAuthenticator keeps it:
 *
 *   handshake ──ApiVersions──▶ handshake (ApiVersions is answered by the broker as usual)
 *   handshake ──SaslHandshake v1, enabled mechanism──▶ authenticate ──SaslAuthenticate*──▶ authenticated
 *   handshake ──SaslHandshake v0, enabled mechanism──▶ raw ──length-framed tokens*──▶ authenticated
 *   authenticated ──SaslHandshake (KIP-368 re-authentication)──▶ authenticate ──▶ authenticated
 *   any ──failure──▶ failed (the answer waits the failed-login delay, then the connection closes)
 *
 * Before authentication only ApiVersions, SaslHandshake and (after a v1 handshake)
 * SaslAuthenticate are served; any other request closes the connection, as Kafka 4.4 does
 * (bench/security/kafka-sasl-probe.ts shows its answers) — ApiVersions after a v1 handshake is
 * answered ILLEGAL_SASL_STATE with no keys, then the connection closes. A
 * mechanism that is not enabled is answered UNSUPPORTED_SASL_MECHANISM with the enabled list and the
 * connection closes. After authentication a request arriving once the session has expired (KIP-368:
 * the lifetime told in SaslAuthenticate v1+, the shorter of connections_max_reauth_ms and the
 * token's expiry) closes the connection; re-authentication must keep the same principal.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { SecurityContext } from "./security-context.ts";
import { SaslAuthenticationError, type SaslServer } from "./sasl/sasl-server.ts";
import type { KafkaPrincipal } from "./principal.ts";

export const API_VERSIONS = 18;
export const SASL_HANDSHAKE = 17;
export const SASL_AUTHENTICATE = 36;

export type AuthState = "handshake" | "authenticate" | "raw" | "authenticated" | "failed";

/** What the connection does with a request before authentication decides. */
export type Admission = { kind: "pass" } | { kind: "intercept" } | { kind: "close"; reason: string };

export interface AuthAnswer {
  body: Record<string, unknown>;
  /** Set on failure: wait this long, send the answer, then close. */
  closeAfterMs?: number;
  /** Close right after sending (an unsupported mechanism). */
  closeAfterSend?: boolean;
}

export class ConnectionAuthenticator {
  state: AuthState = "handshake";
  private server: SaslServer | null = null;
  /** When the current session ends (epoch ms); null: never. */
  private sessionExpiresAtMs: number | null = null;
  private reauthenticating = false;
  private lastAuthenticateVersion = 0;

  constructor(
    private readonly security: SecurityContext,
    private readonly remoteAddress: string,
    private readonly principal: { get(): KafkaPrincipal; set(p: KafkaPrincipal): void },
    private readonly log: { info(msg: string, f?: Record<string, unknown>): void; warn(msg: string, f?: Record<string, unknown>): void },
    private readonly now: () => number = Date.now,
  ) {}

  get authenticated(): boolean {
    return this.state === "authenticated";
  }

  admit(apiKey: number): Admission {
    switch (this.state) {
      case "handshake":
        if (apiKey === API_VERSIONS) return { kind: "pass" };
        if (apiKey === SASL_HANDSHAKE) return { kind: "intercept" };
        return { kind: "close", reason: `Unexpected Kafka request of type ${apiKey} during SASL handshake` };
      case "authenticate":
        // Kafka 4.4 answers ApiVersions here with ILLEGAL_SASL_STATE and no keys, then closes.
        if (apiKey === SASL_AUTHENTICATE || apiKey === API_VERSIONS) return { kind: "intercept" };
        return { kind: "close", reason: `Unexpected Kafka request of type ${apiKey} during SASL authentication` };
      case "raw":
        return { kind: "close", reason: "a Kafka request where a SASL token was expected" };
      case "failed":
        return { kind: "close", reason: "authentication failed" };
      case "authenticated":
        if (apiKey === SASL_HANDSHAKE && this.lastAuthenticateVersion >= 1) return { kind: "intercept" };
        if (this.sessionExpiresAtMs !== null && this.now() >= this.sessionExpiresAtMs) return { kind: "close", reason: "the SASL session expired without re-authentication" };
        return { kind: "pass" };
    }
  }

  /** ApiVersions after a v1 handshake (Kafka: ILLEGAL_SASL_STATE, no keys, then the connection closes). */
  apiVersionsDuringAuthentication(): AuthAnswer {
    this.state = "failed";
    return { body: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, apiKeys: [], throttleTimeMs: 0 }, closeAfterSend: true };
  }

  /** SaslHandshake: the client names its mechanism. */
  handshake(mechanism: string, version: number): AuthAnswer {
    const mechanisms = [...this.security.mechanisms];
    if (!this.security.mechanisms.includes(mechanism)) {
      this.log.info("SASL handshake refused: mechanism not enabled", { mechanism, enabled: mechanisms.join(",") });
      this.security.failures.failed(this.remoteAddress);
      this.state = "failed";
      return { body: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms }, closeAfterSend: true };
    }
    this.reauthenticating = this.state === "authenticated";
    this.server = this.security.newServer(mechanism);
    this.state = version === 0 && !this.reauthenticating ? "raw" : "authenticate";
    return { body: { errorCode: ErrorCode.NONE, mechanisms } };
  }

  /** SaslAuthenticate: one token of the exchange. */
  authenticate(authBytes: Uint8Array, version: number): AuthAnswer {
    this.lastAuthenticateVersion = version;
    const r = this.step(authBytes);
    if (r.error !== null) {
      return { body: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: r.error, authBytes: new Uint8Array(0), sessionLifetimeMs: 0n }, closeAfterMs: r.delayMs };
    }
    // Kafka sends an empty error message (not null) on success.
    return { body: { errorCode: ErrorCode.NONE, errorMessage: "", authBytes: r.challenge, sessionLifetimeMs: BigInt(r.lifetimeMs) } };
  }

  /** A raw token after a v0 handshake: the reply to frame, or a failure (close after the delay). */
  rawToken(token: Uint8Array): { reply: Uint8Array } | { closeAfterMs: number } {
    const r = this.step(token);
    if (r.error !== null) return { closeAfterMs: r.delayMs };
    return { reply: r.challenge };
  }

  private step(token: Uint8Array): { error: null; challenge: Uint8Array; lifetimeMs: number } | { error: string; delayMs: number } {
    const server = this.server!;
    try {
      const s = server.evaluate(token);
      if (s.outcome === null) return { error: null, challenge: s.challenge, lifetimeMs: 0 };
      const p: KafkaPrincipal = { type: "User", name: s.outcome.userName };
      if (this.reauthenticating && this.principal.get().name !== p.name) {
        throw new SaslAuthenticationError(`Cannot change principals during re-authentication from User:${this.principal.get().name} to User:${p.name}`);
      }
      const now = this.now();
      const reauthMs = this.security.config.connectionsMaxReauthMs;
      let expires: number | null = reauthMs > 0 ? now + reauthMs : null;
      if (s.outcome.expiresAtMs !== null && reauthMs > 0) expires = Math.min(expires!, s.outcome.expiresAtMs);
      this.sessionExpiresAtMs = expires;
      this.principal.set(p);
      this.state = "authenticated";
      this.server = null;
      this.security.failures.succeeded();
      this.log.info(this.reauthenticating ? "SASL re-authentication succeeded" : "SASL authentication succeeded", { mechanism: server.mechanism, principal: `User:${p.name}` });
      this.reauthenticating = false;
      return { error: null, challenge: s.challenge, lifetimeMs: expires === null ? 0 : Math.max(0, expires - now) };
    } catch (e) {
      if (!(e instanceof SaslAuthenticationError)) throw e;
      this.state = "failed";
      this.server = null;
      const delayMs = this.security.failures.failed(this.remoteAddress);
      this.log.warn("SASL authentication failed", { mechanism: server.mechanism, remote: this.remoteAddress, reason: e.message, delayMs });
      return { error: e.message, delayMs };
    }
  }
}
