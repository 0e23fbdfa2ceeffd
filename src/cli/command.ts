/**
 * The CLI's command model: a tree of groups ("topic") and leaves ("topic create"), each leaf with
 * its flags, positionals and a run function; the global flags every command takes; help text; the
 * context a command runs in (output, the Kafka client, made on first use and closed at exit).
 *
 * Exit codes: 0 success, 1 a Kafka or runtime error (its name and message on stderr), 2 a usage
 * error (the message and the command's usage on stderr).
 */
import { KafkaClient } from "../client/index.ts";
import { type FlagSpec, type FlagValue, type PositionalSpec, UsageError } from "./args.ts";
import { CLI_REQUEST_TIMEOUT_MS } from "./limits.ts";
import type { Output } from "./output.ts";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export const DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

/** A failure to report with a name (a Kafka error code name where there is one) and exit 1. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Context {
  out: Output;
  flags: Map<string, FlagValue>;
  positionals: string[];
  json: boolean;
  bootstrap: string;
  /** The client, connected on first use (Metadata with no topics). */
  client(): Promise<KafkaClient>;
  /** Input lines for `produce` (stdin unless --file). */
  stdin: ReadableStream<Uint8Array>;
  /** Resolves when the user interrupts (SIGINT/SIGTERM); `--follow` stops on it. */
  interrupted: Promise<void>;
}

export interface Leaf {
  name: string;
  summary: string;
  /** Extra lines of help after the flags. */
  details?: string;
  flags: FlagSpec[];
  positionals: PositionalSpec[];
  run(ctx: Context): Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Leaf[];
}

export type Command = Leaf | Group;

export const isGroup = (c: Command): c is Group => "commands" in c;

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "bootstrap", kind: "string", value: "host:port[,...]", help: `brokers to start from (default $TAKHIN_BOOTSTRAP or ${DEFAULT_BOOTSTRAP})` },
  { name: "json", kind: "bool", help: "print JSON (stable field names) instead of tables" },
  { name: "timeout-ms", kind: "int", value: "MS", help: `per-request timeout (default ${CLI_REQUEST_TIMEOUT_MS})` },
  { name: "help", kind: "bool", help: "show this help" },
];

function flagLines(flags: FlagSpec[]): string[] {
  const cells = flags.map((f) => [`--${f.name}${f.value ? ` ${f.value}` : ""}`, f.help + (f.kind === "strings" ? " (repeatable)" : "")]);
  const w = Math.max(...cells.map((c) => c[0]!.length));
  return cells.map(([a, b]) => `  ${a!.padEnd(w)}  ${b}`);
}

export function leafUsage(path: string, leaf: Leaf): string {
  const pos = leaf.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`) + (p.variadic ? "..." : "")).join(" ");
  const lines = [`Usage: takhin ${path} [options]${pos ? ` ${pos}` : ""}`, "", leaf.summary];
  if (leaf.flags.length > 0) lines.push("", "Options:", ...flagLines(leaf.flags));
  lines.push("", "Global options:", ...flagLines(GLOBAL_FLAGS));
  if (leaf.details) lines.push("", leaf.details);
  return lines.join("\n") + "\n";
}

export function groupUsage(group: Group): string {
  const w = Math.max(...group.commands.map((c) => c.name.length));
  return [
    `Usage: takhin ${group.name} <command> [options]`,
    "",
    group.summary,
    "",
    "Commands:",
    ...group.commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    `Run "takhin ${group.name} <command> --help" for a command's options.`,
  ].join("\n") + "\n";
}

export function topUsage(commands: Command[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: takhin <command> [options]",
    "",
    "Operate a Kafka-compatible cluster (Takhin or Apache Kafka) over the Kafka protocol.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    "Global options:",
    ...flagLines(GLOBAL_FLAGS),
    "",
    'Run "takhin <command> --help" for more. Exit codes: 0 ok, 1 error, 2 usage error.',
  ].join("\n") + "\n";
}

/** Flag accessors with the types the specs promise. */
export function str(ctx: Context, name: string): string | undefined {
  return ctx.flags.get(name) as string | undefined;
}
export function strs(ctx: Context, name: string): string[] {
  return (ctx.flags.get(name) as string[] | undefined) ?? [];
}
export function int(ctx: Context, name: string): number | undefined {
  return ctx.flags.get(name) as number | undefined;
}
export function int64(ctx: Context, name: string): bigint | undefined {
  return ctx.flags.get(name) as bigint | undefined;
}
export function bool(ctx: Context, name: string): boolean {
  return ctx.flags.get(name) === true;
}

/** `k=v` pairs (configs, headers): the first "=" splits; an empty key is a usage error. */
export function keyValues(list: string[], what: string): [string, string][] {
  return list.map((kv) => {
    const i = kv.indexOf("=");
    if (i <= 0) throw new UsageError(`${what} "${kv}" is not key=value`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  });
}

export function makeClient(bootstrap: string, timeoutMs: number): Promise<KafkaClient> {
  return KafkaClient.connect({ bootstrap, clientId: "takhin-cli", requestTimeoutMs: timeoutMs, maxConnectAttempts: 2 });
}
