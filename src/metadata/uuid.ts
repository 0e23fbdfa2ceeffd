/** Random Kafka uuids in their 22-character base64url form. */
import { uuidToString, ZERO_UUID } from "../protocol/reader.ts";

/**
 * A random uuid as Kafka makes them: never the zero uuid (and not the reserved metadata topic id
 * 1), and never a string starting with '-', which command-line tools would take for an option.
 */
export function randomUuidString(): string {
  // Each try fails with probability < 2^-5; the bound is never reached in practice.
  for (let i = 0; i < 64; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const s = uuidToString(bytes);
    const reserved = bytes.every((b, j) => b === (j === 15 ? 1 : 0));
    if (s !== ZERO_UUID && !reserved && !s.startsWith("-")) return s;
  }
  throw new Error("could not draw a usable random uuid");
}
