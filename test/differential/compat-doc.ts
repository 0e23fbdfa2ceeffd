/**
 * Renders docs/compatibility.md from the allow-list (allow-list.ts), so the document and the
 * suite cannot drift apart: the suite checks that the file equals this rendering, and
 * `bun test/differential/write-doc.ts` rewrites it after the list changes.
 */
import { ALLOWED, ANY, type Allowed } from "./allow-list.ts";

function cell(v: unknown): string {
  if (v === ANY) return "(varies)";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return "`" + s.replace(/\|/g, "\\|").replace(/`/g, "'") + "`";
}

function text(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function side(v: unknown, example: unknown, hasExample: boolean): string {
  if (v === ANY && hasExample) return `(varies) e.g. ${cell(example)}`;
  return cell(v);
}

function row(a: Allowed): string {
  const e = a.example;
  return `| ${a.id} | \`${text(a.scenario)}\` | \`${text(a.path)}\` | ${side(a.kafka, e?.kafka, !!e)} | ${side(a.takhin, e?.takhin, !!e)} | ${a.verdict} | ${text(a.reason)} |`;
}

export function renderCompatibilityDoc(allowed: Allowed[] = ALLOWED): string {
  const fixes = allowed.filter((a) => a.verdict === "to-fix");
  const count = (v: Allowed["verdict"]) => allowed.filter((a) => a.verdict === v).length;
  return [
    "# Compatibility with Apache Kafka 4.4",
    "",
    "<!-- Generated from test/differential/allow-list.ts by `bun test/differential/write-doc.ts`; edit the list, not this file. -->",
    "",
    "The differential suite (`bun test test/differential/`) runs one corpus of raw-protocol scenarios",
    "(test/differential/scenarios/: requests at several versions, good and bad input) against Apache",
    "Kafka 4.4.0 (the local peer, peer/kafka) and against Takhin, and compares the answers field by",
    "field after the normalisation below. Every difference it finds is listed here, with its verdict:",
    "",
    "- **intentional**: Takhin differs on purpose, for the reason given;",
    "- **setup**: the two brokers are configured differently where it does not matter;",
    "- **to-fix**: a real difference; the fix is named below. The suite asserts it as it is today, so it",
    "  stays green, fails on any new difference, and reports an entry that no longer matches (strictly",
    "  with `DIFFERENTIAL_STRICT=1`) once the fix lands.",
    "",
    `Today: ${allowed.length} known differences, ${count("intentional")} intentional, ${count("setup")} from the setup, ${count("to-fix")} to fix.`,
    "",
    "## Normalisation (what is not compared, and why)",
    "",
    "| field | becomes | why |",
    "|---|---|---|",
    "| clusterId | `<clusterId>` | random per cluster |",
    "| port (the broker's own) | `<port>` | each broker listens on its own free port (hosts are both 127.0.0.1 and compared; both brokers have node id 1) |",
    "| topicId (non-zero) | `<topicId>` | random per topic; the zero id is compared |",
    "| memberId, leader | `member#N` | generated ids, numbered by first appearance in the scenario, so who leads still compares |",
    "| producerId (>= 0), also inside stored batches | `pid#N` | allocated ids, numbered the same way |",
    "| errorMessage, batchIndexErrorMessage, documentation (non-empty) | `<text>` | free text: presence compared, wording not |",
    "| logAppendTimeMs (not -1), timestamps of LogAppendTime batches | `<time>` | the broker's clock |",
    "| logDir, totalBytes, usableBytes | `<dir>`, `<bytes>` | the machine's disk |",
    "| sessionId (non-zero) | `<session>` | fetch session ids are the broker's choice |",
    "| records | the decoded batches | offsets, epochs, sequences, attributes, timestamps, keys, values and headers compared one by one |",
    "| arrays with a natural key (name, topic, groupId, apiKey, partition index, ...) | objects keyed by it | order is not part of the protocol; config synonyms stay ordered (their order is the precedence) |",
    "",
    "Throttle times are compared as they are (0 on both without quotas). Topic and group names are fresh",
    "per scenario and run; Kafka's asynchronous metadata is awaited (Metadata and ListOffsets until the new",
    "partitions answer) before a scenario goes on; both brokers' group and producer-id coordinators are",
    "warmed up before the corpus starts.",
    "",
    "## Differences",
    "",
    "`scenario` and `field` are whole-string regular expressions over scenario names and diff paths",
    "(`<step label>.<field>[<key>=<value>]...`); `(varies)` means the entry accepts any value on that side.",
    "",
    "| id | scenario | field | Kafka | Takhin | verdict | reason |",
    "|---|---|---|---|---|---|---|",
    ...allowed.map(row),
    "",
    "## To fix",
    "",
    ...fixes.map((a) => `- **${a.id}**: ${text(a.fix ?? "(no fix named)")}`),
    "",
  ].join("\n");
}
