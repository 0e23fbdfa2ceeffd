/**
 * Security protocols of listeners, as Kafka names them, and `listener_security_protocol_map`
 * (Kafka's listener.security.protocol.map):
 *
 *   listener_security_protocol_map := entry ("," entry)*   entry := NAME ":" PROTOCOL
 *   PROTOCOL := PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
 *
 * Unset, it is Kafka's default: each protocol's name maps to itself
 * (PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL), so a listener named
 * after a protocol needs no entry. The wire codes are those of Kafka's SecurityProtocol id, which
 * BrokerRegistration / RegisterBrokerRecord endpoints carry.
 */
import { ConfigError } from "../config/config.ts";

export type SecurityProtocol = "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

/** Kafka's SecurityProtocol ids. */
export const SECURITY_PROTOCOL_ID: Readonly<Record<SecurityProtocol, number>> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

export function usesTls(p: SecurityProtocol): boolean {
  return p === "SSL" || p === "SASL_SSL";
}

export function usesSasl(p: SecurityProtocol): boolean {
  return p === "SASL_PLAINTEXT" || p === "SASL_SSL";
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_ENTRIES = 32;

/** Parses the map (null: Kafka's default); throws ConfigError naming the key. */
export function parseSecurityProtocolMap(raw: string | null): Map<string, SecurityProtocol> {
  const out = new Map<string, SecurityProtocol>();
  if (raw === null) {
    for (const p of SECURITY_PROTOCOLS) out.set(p, p);
    return out;
  }
  const bad = (why: string) => new ConfigError(`invalid value ${JSON.stringify(raw)} for listener_security_protocol_map: ${why}`);
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length > MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
  for (const part of parts) {
    const colon = part.indexOf(":");
    if (colon < 0) throw bad(`entry ${JSON.stringify(part)} is not NAME:PROTOCOL`);
    const name = part.slice(0, colon).trim();
    const proto = part.slice(colon + 1).trim().toUpperCase();
    if (!NAME.test(name)) throw bad(`listener name ${JSON.stringify(name)} must be letters, digits and _ starting with a letter`);
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(proto)) throw bad(`unknown security protocol ${JSON.stringify(proto)}; accepts ${SECURITY_PROTOCOLS.join(", ")}`);
    const upper = name.toUpperCase();
    if (out.has(upper)) throw bad(`listener ${upper} given twice`);
    out.set(upper, proto as SecurityProtocol);
  }
  return out;
}
