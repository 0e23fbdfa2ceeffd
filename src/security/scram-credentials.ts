/** SCRAM credentials as the SASL servers read them, from the metadata image (UserScramCredential records). */
import { scramKey, type MetadataImage } from "../metadata/image.ts";
import type { ScramCredential } from "./sasl/scram.ts";

export function scramCredentialOf(image: MetadataImage, mechanism: number, user: string): ScramCredential | null {
  const e = image.scramCredentials.get(scramKey(mechanism, user));
  if (!e) return null;
  return { salt: Buffer.from(e.salt, "base64"), storedKey: Buffer.from(e.storedKey, "base64"), serverKey: Buffer.from(e.serverKey, "base64"), iterations: e.iterations };
}
