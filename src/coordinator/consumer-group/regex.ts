/**
 * Subscriptions by regular expression (ConsumerGroupHeartbeat v1 subscribed_topic_regex). Kafka
 * evaluates them with Google RE2/J; Takhin uses JavaScript's RegExp, whose syntax is a superset of
 * RE2's for what topic names need, and refuses what RE2 lacks so a pattern means the same on both:
 * backreferences (\1, \k<name>), lookaround ((?=, (?!, (?<=, (?<!), possessive quantifiers and
 * atomic groups. A refused or unparsable pattern is answered INVALID_REGULAR_EXPRESSION, as Kafka
 * answers a pattern RE2/J cannot compile. A pattern must match the whole topic name (RE2/J's
 * matches(), which Kafka uses), so it is anchored here. A repeated group that holds a quantifier or
 * an alternation is refused too (backtrackingRisk: Takhin's difference from Kafka).
 */
import { MAX_TOPIC_REGEX_LENGTH } from "./config.ts";

export type RegexResult = { ok: true; regex: RegExp } | { ok: false; message: string };

/** Constructs RE2 does not have, found outside character classes. */
function unsupportedConstruct(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const n = pattern[i + 1];
      if (!inClass && n !== undefined && /[1-9]/.test(n)) return "backreferences are not supported";
      if (!inClass && n === "k" && pattern[i + 2] === "<") return "named backreferences are not supported";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (pattern[i + 1] === "]") i++;
      continue;
    }
    if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!")) return "lookahead is not supported";
      if (rest === "<=" || rest === "<!") return "lookbehind is not supported";
      if (rest.startsWith(">")) return "atomic groups are not supported";
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && pattern[i + 1] === "+") return "possessive quantifiers are not supported";
  }
  return null;
}

/**
 * Whether a quantified group holds a quantifier or an alternation ((a+)+, (a|aa)*): RE2 matches those
 * in linear time, a backtracking RegExp may take exponential time on a 249-character topic name, so
 * they are refused (a difference from Kafka, which accepts them) rather than let one pattern stall
 * the broker.
 */
function backtrackingRisk(pattern: string): boolean {
  const groups: boolean[] = []; // per open group: holds a quantifier or an alternation
  let inClass = false;
  let lastGroupRisky = false;
  const isQuantifier = (c: string | undefined) => c === "*" || c === "+" || c === "?" || c === "{";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      i++;
      lastGroupRisky = false;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (pattern[i + 1] === "]") i++;
      lastGroupRisky = false;
      continue;
    }
    if (c === "(") {
      groups.push(false);
      if (pattern[i + 1] === "?") i++; // (?: (?i) ...: the ? is not a quantifier
      continue;
    }
    if (c === ")") {
      const risky = groups.pop() ?? false;
      lastGroupRisky = risky;
      if (risky && groups.length > 0) groups[groups.length - 1] = true;
      if (isQuantifier(pattern[i + 1]) && risky) return true;
      if (isQuantifier(pattern[i + 1]) && groups.length > 0) groups[groups.length - 1] = true;
      continue;
    }
    if (c === "|" || isQuantifier(c)) {
      if (groups.length > 0) groups[groups.length - 1] = true;
      if (isQuantifier(c) && lastGroupRisky) return true;
    }
    lastGroupRisky = false;
  }
  return false;
}

/** Compiles a subscription pattern, or says why it is refused. */
export function compileTopicRegex(pattern: string): RegexResult {
  if (pattern.length === 0) return { ok: false, message: "the regular expression is empty" };
  if (pattern.length > MAX_TOPIC_REGEX_LENGTH) return { ok: false, message: `the regular expression is longer than ${MAX_TOPIC_REGEX_LENGTH} characters` };
  const bad = unsupportedConstruct(pattern);
  if (bad) return { ok: false, message: `SubscribedTopicRegex \`${pattern}\` is not a valid regular expression: ${bad}.` };
  if (backtrackingRisk(pattern)) return { ok: false, message: `SubscribedTopicRegex \`${pattern}\` is not supported: a repeated group holds a quantifier or an alternation.` };
  try {
    // RE2/J's Pattern.matches(): the whole name. (?:...) keeps alternations inside the anchors.
    return { ok: true, regex: new RegExp(`^(?:${pattern})$`, "u") };
  } catch (e) {
    return { ok: false, message: `SubscribedTopicRegex \`${pattern}\` is not a valid regular expression: ${(e as Error).message}.` };
  }
}
