/** Test keys and tokens for OAUTHBEARER: RS256 and ES256 key pairs, their JWKS, signed and unsecured JWTs. */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export function makeKey(kid: string, alg: "RS256" | "ES256"): SigningKey {
  const pair = alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, alg, privateKey: pair.privateKey, publicJwk: { ...pair.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" } };
}

export function writeJwks(dir: string, keys: SigningKey[]): string {
  const path = join(dir, "jwks.json");
  writeFileSync(path, JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
  return path;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

export function signedJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const head = `${b64({ alg: key.alg, typ: "JWT", kid: key.kid })}.${b64(claims)}`;
  const sig = key.alg === "RS256" ? sign("RSA-SHA256", Buffer.from(head), key.privateKey) : sign("SHA256", Buffer.from(head), { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${head}.${sig.toString("base64url")}`;
}

export function unsecuredJwt(claims: Record<string, unknown>): string {
  return `${b64({ alg: "none" })}.${b64(claims)}.`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
