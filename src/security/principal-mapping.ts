/**
 * ssl_principal_mapping_rules (Kafka's ssl.principal.mapping.rules): how a client certificate's
 * subject becomes a user name.
 *
 *   rules := rule ("," rule)*     rule := "DEFAULT" | "RULE:" pattern "/" replacement "/" ["L" | "U"]
 *
 * The subject is written as RFC 2253 ("CN=alice,OU=eng,O=Acme": the last RDN of the certificate
 * first, as Java's X500Principal.getName() writes it). Rules are tried in order; the first whose
 * pattern matches the whole subject gives the name (pattern replaced by replacement, $1 for groups,
 * then lower- or upper-cased with L / U); DEFAULT gives the whole subject. No rule matching: the whole
 * subject, as Kafka. A "/" inside a pattern or replacement is written "\/"; a "," inside a pattern
 * is fine (rules are read one after the other, not split on commas).
 */
import { ConfigError } from "../config/config.ts";

export type MappingRule = { kind: "default" } | { kind: "rule"; pattern: RegExp; global: RegExp; replacement: string; caseFlag: "" | "L" | "U" };

const MAX_RULES = 64;

export function parseMappingRules(raw: string): MappingRule[] {
  const bad = (why: string) => new ConfigError(`invalid value ${JSON.stringify(raw)} for ssl_principal_mapping_rules: ${why}`);
  const rules: MappingRule[] = [];
  let i = 0;
  const s = raw;
  const readPart = (): string => {
    let out = "";
    while (i < s.length && s[i] !== "/") {
      if (s[i] === "\\" && s[i + 1] === "/") {
        out += "/";
        i += 2;
        continue;
      }
      out += s[i++];
    }
    if (s[i] !== "/") throw bad("a RULE needs pattern/replacement/");
    i++;
    return out;
  };
  while (i < s.length) {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (rules.length >= MAX_RULES) throw bad(`more than ${MAX_RULES} rules`);
    if (s.startsWith("DEFAULT", i)) {
      rules.push({ kind: "default" });
      i += 7;
    } else if (s.startsWith("RULE:", i)) {
      i += 5;
      const pattern = readPart();
      const replacement = readPart();
      let caseFlag: "" | "L" | "U" = "";
      if (s[i] === "L" || s[i] === "U") caseFlag = s[i++] as "L" | "U";
      let re: RegExp, global: RegExp;
      try {
        re = new RegExp(`^(?:${pattern})$`);
        global = new RegExp(pattern, "g");
      } catch (e) {
        throw bad(`pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
      }
      rules.push({ kind: "rule", pattern: re, global, replacement, caseFlag });
    } else {
      throw bad(`expected DEFAULT or RULE: at ${JSON.stringify(s.slice(i, i + 16))}`);
    }
    while (i < s.length && s[i] === " ") i++;
    if (i < s.length && s[i] !== ",") throw bad(`expected "," at ${JSON.stringify(s.slice(i, i + 16))}`);
  }
  if (rules.length === 0) throw bad("no rule");
  return rules;
}

export function applyMappingRules(rules: readonly MappingRule[], subject: string): string {
  for (const r of rules) {
    if (r.kind === "default") return subject;
    if (!r.pattern.test(subject)) continue;
    r.global.lastIndex = 0;
    // Java's replaceAll: every match of the pattern replaced (for an anchored pattern, the whole).
    let name = subject.replace(r.global, r.replacement);
    if (r.caseFlag === "L") name = name.toLowerCase();
    if (r.caseFlag === "U") name = name.toUpperCase();
    return name;
  }
  return subject;
}

/** RFC 2253 escaping of an attribute value. */
function escapeValue(v: string): string {
  let out = v.replace(/([,+"\\<>;=])/g, "\\$1");
  if (out.startsWith("#") || out.startsWith(" ")) out = "\\" + out;
  if (out.endsWith(" ") && !out.endsWith("\\ ")) out = out.slice(0, -1) + "\\ ";
  return out;
}

/**
 * The RFC 2253 form of a subject given as node's X509Certificate.subject ("CN=alice\nOU=eng", the
 * certificate's RDN order, one attribute per line; a multi-valued RDN's parts joined by "+").
 */
export function rfc2253(subjectLines: string): string {
  const rdns = subjectLines.split("\n").filter((l) => l.length > 0);
  return rdns
    .reverse()
    .map((rdn) =>
      rdn
        .split("+")
        .map((ava) => {
          const eq = ava.indexOf("=");
          return eq < 0 ? ava : `${ava.slice(0, eq)}=${escapeValue(ava.slice(eq + 1))}`;
        })
        .join("+"),
    )
    .join(",");
}
