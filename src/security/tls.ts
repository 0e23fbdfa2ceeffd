/**
 * TLS for SSL and SASL_SSL listeners, with Bun's TLS (Bun.listen's tls option).
 *
 * Files (PEM only): ssl_keystore_location holds the server's private key and its certificate
 * chain (Kafka's PEM keystore), the key optionally encrypted with ssl_key_password;
 * ssl_truststore_location holds the CA certificates client certificates must chain to.
 * ssl_client_auth: none (no certificate asked), requested (asked; one that does not verify closes
 * the connection, none at all is User:ANONYMOUS), required (a verified certificate or no
 * connection). ssl_enabled_protocols: TLSv1.2 and/or TLSv1.3 — older versions are always off.
 *
 * The principal of an SSL connection is its client certificate's subject mapped by
 * ssl_principal_mapping_rules (principal-mapping.ts); User:ANONYMOUS without a certificate. On
 * SASL_SSL the SASL login decides the principal, as in Kafka.
 *
 * Reload without restart: `reload()` reads the files again and, when they are valid, the listeners
 * bind a new socket with them (connections already open keep their session); an invalid file is
 * logged and the old certificates stay. The broker calls it on SIGHUP (src/main.ts) and when the
 * keystore or truststore file changes (polled every TLS_FILE_POLL_MS).
 */
import { constants, createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { ConfigError, type BrokerConfig } from "../config/config.ts";
import { applyMappingRules, parseMappingRules, rfc2253, type MappingRule } from "./principal-mapping.ts";
import { ANONYMOUS, type KafkaPrincipal } from "./principal.ts";

export const TLS_FILE_POLL_MS = 1000;

interface Material {
  cert: string;
  key: string;
  ca: string | undefined;
  /** Subject and expiry of the server certificate, for the log. */
  subject: string;
  validTo: string;
}

function readMaterial(config: BrokerConfig): Material {
  const keystore = config.sslKeystoreLocation;
  if (keystore === null) throw new ConfigError("ssl_keystore_location is required for SSL and SASL_SSL listeners (a PEM file with the private key and the certificate chain)");
  let pem: string;
  try {
    pem = readFileSync(keystore, "utf8");
  } catch (e) {
    throw new ConfigError(`ssl_keystore_location: cannot read ${keystore}: ${(e as Error).message}`);
  }
  const keyMatch = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(pem);
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!keyMatch) throw new ConfigError(`ssl_keystore_location: ${keystore} has no PEM private key`);
  if (!certs) throw new ConfigError(`ssl_keystore_location: ${keystore} has no PEM certificate`);
  try {
    createPrivateKey({ key: keyMatch[0], passphrase: config.sslKeyPassword ?? undefined });
  } catch (e) {
    throw new ConfigError(`ssl_keystore_location: the private key in ${keystore} cannot be read${config.sslKeyPassword === null ? " (encrypted? set ssl_key_password)" : " with ssl_key_password"}: ${(e as Error).message}`);
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certs[0]!);
  } catch (e) {
    throw new ConfigError(`ssl_keystore_location: the first certificate in ${keystore} is not valid: ${(e as Error).message}`);
  }
  if (!leaf.checkPrivateKey(createPrivateKey({ key: keyMatch[0], passphrase: config.sslKeyPassword ?? undefined }))) {
    throw new ConfigError(`ssl_keystore_location: the private key in ${keystore} does not belong to its first certificate`);
  }
  let ca: string | undefined;
  if (config.sslTruststoreLocation !== null) {
    try {
      ca = readFileSync(config.sslTruststoreLocation, "utf8");
    } catch (e) {
      throw new ConfigError(`ssl_truststore_location: cannot read ${config.sslTruststoreLocation}: ${(e as Error).message}`);
    }
    if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new ConfigError(`ssl_truststore_location: ${config.sslTruststoreLocation} has no PEM certificate`);
  } else if (config.sslClientAuth !== "none") {
    throw new ConfigError(`ssl_client_auth ${config.sslClientAuth} needs ssl_truststore_location (the CA certificates client certificates chain to)`);
  }
  return { cert: certs.join("\n"), key: keyMatch[0], ca, subject: rfc2253(leaf.subject), validTo: leaf.validTo };
}

function secureOptionsOf(raw: string): number {
  const wanted = new Set(raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
  for (const v of wanted) {
    if (v !== "TLSv1.2" && v !== "TLSv1.3") throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ssl_enabled_protocols: ${v} is not served (accepts TLSv1.2, TLSv1.3)`);
  }
  if (wanted.size === 0) throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ssl_enabled_protocols: no protocol`);
  let opts = constants.SSL_OP_NO_SSLv2 | constants.SSL_OP_NO_SSLv3 | constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1;
  if (!wanted.has("TLSv1.2")) opts |= constants.SSL_OP_NO_TLSv1_2;
  if (!wanted.has("TLSv1.3")) opts |= constants.SSL_OP_NO_TLSv1_3;
  return opts;
}

/** What a TLS socket tells about its peer (Bun's TLSSocket). */
export interface PeerInfo {
  authorized: boolean;
  getPeerCertificate(): { raw?: Uint8Array } | null | undefined;
}

export class TlsContext {
  private material: Material;
  private readonly secureOptions: number;
  private readonly rules: MappingRule[];
  private readonly listeners: (() => void)[] = [];
  private watching: string[] = [];

  constructor(
    private readonly config: BrokerConfig,
    private readonly log: { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void },
  ) {
    this.secureOptions = secureOptionsOf(config.sslEnabledProtocols);
    this.rules = parseMappingRules(config.sslPrincipalMappingRules);
    this.material = readMaterial(config);
  }

  get clientAuth(): "none" | "requested" | "required" {
    return this.config.sslClientAuth;
  }

  get certificateSubject(): string {
    return this.material.subject;
  }

  /** Bun's tls option for a listener, from the current files. */
  options(): Bun.TLSOptions {
    const m = this.material;
    const auth = this.config.sslClientAuth;
    return {
      cert: m.cert,
      key: m.key,
      ...(this.config.sslKeyPassword !== null ? { passphrase: this.config.sslKeyPassword } : {}),
      ...(m.ca !== undefined ? { ca: m.ca } : {}),
      requestCert: auth !== "none",
      rejectUnauthorized: auth === "required",
      secureOptions: this.secureOptions,
      ...(this.config.sslCipherSuites !== null ? { ciphers: this.config.sslCipherSuites } : {}),
    };
  }

  /**
   * The principal of a TLS connection once its handshake is done, or an error text when it must
   * close (ssl_client_auth requested and the certificate offered does not verify).
   */
  principalOf(socket: PeerInfo): { principal: KafkaPrincipal } | { refuse: string } {
    if (this.config.sslClientAuth === "none") return { principal: ANONYMOUS };
    const cert = socket.getPeerCertificate();
    const raw = cert?.raw;
    if (!raw || raw.length === 0) {
      if (this.config.sslClientAuth === "required") return { refuse: "no client certificate" };
      return { principal: ANONYMOUS };
    }
    if (!socket.authorized) return { refuse: "the client certificate does not verify against ssl_truststore_location" };
    const subject = rfc2253(new X509Certificate(raw).subject);
    return { principal: { type: "User", name: applyMappingRules(this.rules, subject) } };
  }

  /** Called after a successful reload (the listeners bind again with the new files). */
  onReload(f: () => void): void {
    this.listeners.push(f);
  }

  /** Reads the files again; true when they were valid and are now in use. */
  reload(reason: string): boolean {
    let next: Material;
    try {
      next = readMaterial(this.config);
    } catch (e) {
      this.log.warn("TLS certificates not reloaded; the previous ones stay in use", { reason, error: (e as Error).message });
      return false;
    }
    this.material = next;
    this.log.info("TLS certificates reloaded", { reason, subject: next.subject, validTo: next.validTo });
    for (const f of this.listeners) f();
    return true;
  }

  /** Polls the keystore and truststore files and reloads when one changes. */
  watch(): void {
    const files = [this.config.sslKeystoreLocation, this.config.sslTruststoreLocation].filter((f): f is string => f !== null);
    for (const f of files) {
      watchFile(f, { interval: TLS_FILE_POLL_MS, persistent: false }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) this.reload(`${f} changed`);
      });
    }
    this.watching = files;
  }

  close(): void {
    for (const f of this.watching) unwatchFile(f);
    this.watching = [];
  }
}
