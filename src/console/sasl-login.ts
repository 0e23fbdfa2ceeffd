/**
 * Console login by a SASL exchange with the cluster: the console opens a connection to a SASL
 * listener and authenticates as the user with the password given (SaslHandshake v1, then
 * SaslAuthenticate), so the broker's own user store decides — Takhin's SCRAM credentials and
 * PLAIN users, or any Kafka cluster's. The connection is closed right after.
 *
 *   PLAIN          one message: authzid NUL user NUL password (RFC 4616)
 *   SCRAM-SHA-256  RFC 5802/7677: client-first "n,,n=USER,r=CNONCE"; server-first "r=,s=,i=";
 *   SCRAM-SHA-512  client-final "c=biws,r=NONCE,p=PROOF"; the server's "v=" signature is checked
 *
 * A wrong password is `false`; an unreachable broker or a mechanism it does not offer throws.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { BrokerConnection } from "../client/index.ts";
import { SaslAuthenticate } from "../protocol/messages/sasl-authenticate.ts";
import { SaslHandshake } from "../protocol/messages/sasl-handshake.ts";

export type LoginMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
export const LOGIN_MECHANISMS: LoginMechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

export class LoginUnavailableError extends Error {}

const enc = new TextEncoder();

function saslName(user: string): string {
  return user.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

export async function saslLogin(address: { host: string; port: number }, mechanism: LoginMechanism, user: string, password: string, timeoutMs = 10_000): Promise<boolean> {
  const c = new BrokerConnection(address.host, address.port, { clientId: "takhin-console-login", requestTimeoutMs: timeoutMs, maxConnectAttempts: 1 });
  try {
    try {
      await c.connect();
    } catch (e) {
      throw new LoginUnavailableError(`the login listener ${address.host}:${address.port} is unreachable: ${(e as Error).message}`);
    }
    const hs = await c.send(SaslHandshake, { mechanism }, { version: 1 });
    if (hs.body.errorCode !== 0) throw new LoginUnavailableError(`the cluster does not offer ${mechanism} (it offers ${hs.body.mechanisms.join(", ") || "none"})`);
    const auth = async (bytes: Uint8Array) => (await c.send(SaslAuthenticate, { authBytes: bytes })).body;
    if (mechanism === "PLAIN") return (await auth(enc.encode(`\0${user}\0${password}`))).errorCode === 0;
    const hash = mechanism === "SCRAM-SHA-256" ? "sha256" : "sha512";
    const cnonce = randomBytes(24).toString("base64url");
    const clientFirstBare = `n=${saslName(user)},r=${cnonce}`;
    const first = await auth(enc.encode(`n,,${clientFirstBare}`));
    if (first.errorCode !== 0) return false;
    const serverFirst = Buffer.from(first.authBytes).toString("utf8");
    const attrs = new Map(serverFirst.split(",").map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
    const nonce = attrs.get("r") ?? "";
    const salt = Buffer.from(attrs.get("s") ?? "", "base64");
    const iterations = Number(attrs.get("i"));
    if (!nonce.startsWith(cnonce) || !Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) return false;
    const salted = pbkdf2Sync(password, salt, iterations, hash === "sha256" ? 32 : 64, hash);
    const clientKey = createHmac(hash, salted).update("Client Key").digest();
    const storedKey = createHash(hash).update(clientKey).digest();
    const finalNoProof = `c=biws,r=${nonce}`;
    const authMessage = `${clientFirstBare},${serverFirst},${finalNoProof}`;
    const signature = createHmac(hash, storedKey).update(authMessage).digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    const fin = await auth(enc.encode(`${finalNoProof},p=${proof.toString("base64")}`));
    if (fin.errorCode !== 0) return false;
    const serverKey = createHmac(hash, salted).update("Server Key").digest();
    const expected = createHmac(hash, serverKey).update(authMessage).digest("base64");
    return Buffer.from(fin.authBytes).toString("utf8") === `v=${expected}`;
  } finally {
    c.close();
  }
}
