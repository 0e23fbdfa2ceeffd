/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka speaks them, server side.
 *
 *   client-first  = gs2-header client-first-bare      gs2-header = "n,," | "n,a=" authzid ","
 *   client-first-bare = "n=" saslname ",r=" c-nonce ["," extensions]   (Kafka: tokenauth=true, ...)
 *   server-first  = "r=" c-nonce s-nonce ",s=" base64(salt) ",i=" iterations
 *   client-final  = "c=" base64(gs2-header) ",r=" nonce ",p=" base64(ClientProof)
 *   server-final  = "v=" base64(ServerSignature)
 *
 *   SaltedPassword = Hi(password, salt, i)  (PBKDF2 with HMAC-H)   ClientKey = HMAC(SaltedPassword, "Client Key")
 *   StoredKey = H(ClientKey)   ServerKey = HMAC(SaltedPassword, "Server Key")
 *   AuthMessage = client-first-bare "," server-first "," client-final-without-proof
 *   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage);  ServerSignature = HMAC(ServerKey, AuthMessage)
 *
 * The broker keeps only salt, StoredKey, ServerKey and iterations per user and mechanism (the
 * UserScramCredential metadata record). The proof check recomputes H(ClientKey) and compares it
 * with StoredKey in constant time. Kafka's bounds on iterations: 4096 to 16384.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { EMPTY, SaslAuthenticationError, utf8, type SaslServer, type SaslStep } from "./sasl-server.ts";

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** Kafka's ScramMechanism codes (DescribeUserScramCredentials / AlterUserScramCredentials, records). */
export const SCRAM_MECHANISMS: Readonly<Record<number, { name: ScramMechanismName; hash: "sha256" | "sha512"; keyBytes: number }>> = {
  1: { name: "SCRAM-SHA-256", hash: "sha256", keyBytes: 32 },
  2: { name: "SCRAM-SHA-512", hash: "sha512", keyBytes: 64 },
};

export function scramMechanismCode(name: string): number | null {
  for (const [code, m] of Object.entries(SCRAM_MECHANISMS)) if (m.name === name) return Number(code);
  return null;
}

export const SCRAM_MIN_ITERATIONS = 4096;
export const SCRAM_MAX_ITERATIONS = 16384;

export interface ScramCredential {
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
  readonly iterations: number;
}

function hmac(hash: string, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** StoredKey and ServerKey from a salted password (what AlterUserScramCredentials receives). */
export function credentialFromSaltedPassword(mechanism: number, salt: Uint8Array, saltedPassword: Uint8Array, iterations: number): ScramCredential {
  const m = SCRAM_MECHANISMS[mechanism]!;
  const clientKey = hmac(m.hash, saltedPassword, "Client Key");
  return {
    salt,
    storedKey: createHash(m.hash).update(clientKey).digest(),
    serverKey: hmac(m.hash, saltedPassword, "Server Key"),
    iterations,
  };
}

/** Hi(password, salt, i): the salted password. */
export function saltedPassword(mechanism: number, password: string, salt: Uint8Array, iterations: number): Buffer {
  const m = SCRAM_MECHANISMS[mechanism]!;
  return pbkdf2Sync(Buffer.from(password.normalize("NFKC"), "utf8"), salt, iterations, m.keyBytes, m.hash);
}

export const SCRAM_INVALID_CREDENTIALS = (mechanism: string) => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;

/** saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed. */
function decodeSaslName(s: string): string | null {
  if (/=(?!2C|3D)/.test(s)) return null;
  return s.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/** Splits "k=v,k=v" attributes; null when malformed. */
function attributes(s: string): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 1) return null;
    const k = part.slice(0, eq);
    if (out.has(k)) return null;
    out.set(k, part.slice(eq + 1));
  }
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class ScramServer implements SaslServer {
  private state: "first" | "final" | "done" = "first";
  private user = "";
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";
  private gs2Header = "";
  private credential: ScramCredential | null = null;
  private readonly m: { name: ScramMechanismName; hash: "sha256" | "sha512"; keyBytes: number };

  constructor(
    private readonly code: number,
    /** The credential of a user for this mechanism, null when there is none. */
    private readonly lookup: (user: string) => ScramCredential | null,
  ) {
    this.m = SCRAM_MECHANISMS[code]!;
  }

  get mechanism(): string {
    return this.m.name;
  }

  private fail(why = SCRAM_INVALID_CREDENTIALS(this.m.name)): never {
    this.state = "done";
    throw new SaslAuthenticationError(why);
  }

  evaluate(token: Uint8Array): SaslStep {
    const text = utf8(token, this.m.name);
    if (this.state === "first") return this.first(text);
    if (this.state === "final") return this.final(text);
    return this.fail("Authentication failed: the SCRAM exchange is over");
  }

  private first(text: string): SaslStep {
    // gs2-header: cbind flag (no channel binding on Kafka), optional authzid, then the bare message.
    const m = /^(n|y),(a=[^,]*)?,/.exec(text);
    if (!m) return this.fail(`Authentication failed: invalid SCRAM client first message`);
    this.gs2Header = m[0];
    this.clientFirstBare = text.slice(m[0].length);
    const attrs = attributes(this.clientFirstBare);
    const name = attrs?.get("n");
    const cnonce = attrs?.get("r");
    if (!attrs || name === undefined || cnonce === undefined || cnonce.length === 0 || /[^\x21-\x7e]|,/.test(cnonce)) return this.fail(`Authentication failed: invalid SCRAM client first message`);
    if (this.clientFirstBare.indexOf("n=") !== 0) return this.fail(`Authentication failed: invalid SCRAM client first message`);
    const user = decodeSaslName(name);
    if (user === null || user.length === 0) return this.fail(`Authentication failed: invalid SCRAM client first message`);
    const authzid = m[2] ? decodeSaslName(m[2].slice(2)) : null;
    if (authzid !== null && authzid.length > 0 && authzid !== user) return this.fail("Authentication failed: Authorization id does not match user name");
    if (attrs.get("tokenauth") === "true") return this.fail("Authentication failed: delegation tokens are not supported");
    const credential = this.lookup(user);
    if (!credential) return this.fail();
    this.user = user;
    this.credential = credential;
    this.nonce = cnonce + randomBytes(24).toString("base64").replace(/[+/=]/g, "x");
    this.serverFirst = `r=${this.nonce},s=${Buffer.from(credential.salt).toString("base64")},i=${credential.iterations}`;
    this.state = "final";
    return { challenge: Buffer.from(this.serverFirst, "utf8"), outcome: null };
  }

  private final(text: string): SaslStep {
    const pIndex = text.lastIndexOf(",p=");
    if (pIndex < 0) return this.fail(`Authentication failed: invalid SCRAM client final message`);
    const withoutProof = text.slice(0, pIndex);
    const proofText = text.slice(pIndex + 3);
    const attrs = attributes(withoutProof);
    if (!attrs || !BASE64.test(proofText)) return this.fail(`Authentication failed: invalid SCRAM client final message`);
    const c = attrs.get("c");
    if (c !== Buffer.from(this.gs2Header, "utf8").toString("base64")) return this.fail("Authentication failed: invalid channel binding");
    // Kafka checks that the nonce ends with the server's (librdkafka sends its client nonce again in front).
    if (!(attrs.get("r") ?? "").endsWith(this.nonce)) return this.fail("Authentication failed: Invalid client nonce in the final client message.");
    const proof = Buffer.from(proofText, "base64");
    const cred = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.m.hash, cred.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return this.fail();
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computed = createHash(this.m.hash).update(clientKey).digest();
    if (computed.length !== cred.storedKey.length || !timingSafeEqual(computed, cred.storedKey)) return this.fail();
    this.state = "done";
    const serverSignature = hmac(this.m.hash, cred.serverKey, authMessage);
    return { challenge: Buffer.from(`v=${serverSignature.toString("base64")}`, "utf8"), outcome: { userName: this.user, expiresAtMs: null } };
  }
}

export { EMPTY };
