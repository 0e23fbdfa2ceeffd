/**
 * Who a request comes from: Kafka's KafkaPrincipal, a type and a name ("User:alice"). A PLAINTEXT
 * connection is User:ANONYMOUS, as in Kafka; authentication (SASL, a TLS client certificate) replaces
 * the connection's principal once it succeeds, and the authoriser decides on it.
 */
export interface KafkaPrincipal {
  /** "User" for every principal Kafka's own authenticators produce. */
  readonly type: string;
  readonly name: string;
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: "User", name: "ANONYMOUS" });

/** The principal as Kafka writes it in ACLs and super_users: "User:alice". */
export function principalString(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/** Parses "Type:name" (the name may contain ':'); null when there is no type. */
export function parsePrincipal(s: string): KafkaPrincipal | null {
  const i = s.indexOf(":");
  if (i <= 0) return null;
  return { type: s.slice(0, i), name: s.slice(i + 1) };
}
