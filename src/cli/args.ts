/**
 * The CLI's argument grammar and its parser (ours: a few dozen lines cover what the commands need,
 * and no npm parser does help, exit code 2 and typed values the way we want without more code).
 *
 *   takhin <command> [<subcommand>] [--flag value | --flag=value | --switch]... [positional]...
 *
 * Flags may come before, between or after positionals; `--` ends the flags. A flag of kind
 * "strings" may repeat (each value is kept, in order). "int" values are decimal safe integers,
 * "int64" values are decimal 64-bit integers (bigint). Unknown flags, missing values, bad numbers
 * and missing or extra positionals are usage errors (exit 2). Every value is bounded by
 * CLI_MAX_ARG_BYTES; the argument count by CLI_MAX_ARGS.
 */
import { CLI_MAX_ARG_BYTES, CLI_MAX_ARGS } from "./limits.ts";

export type FlagKind = "string" | "strings" | "int" | "int64" | "bool";

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  help: string;
  /** The placeholder in help ("N", "host:port"). */
  value?: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  /** Takes every remaining positional (only the last may). */
  variadic?: boolean;
}

export type FlagValue = string | string[] | number | bigint | boolean;

export interface ParsedArgs {
  flags: Map<string, FlagValue>;
  positionals: string[];
}

/** A mistake in the command line: exit code 2 and the command's usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

const INT_RE = /^-?\d+$/;

function convert(spec: FlagSpec, raw: string): FlagValue {
  if (raw.length > CLI_MAX_ARG_BYTES) throw new UsageError(`--${spec.name}: value longer than ${CLI_MAX_ARG_BYTES} bytes`);
  if (spec.kind === "int") {
    const n = Number(raw);
    if (!INT_RE.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${spec.name}: "${raw}" is not an integer`);
    return n;
  }
  if (spec.kind === "int64") {
    if (!INT_RE.test(raw)) throw new UsageError(`--${spec.name}: "${raw}" is not an integer`);
    const n = BigInt(raw);
    if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw new UsageError(`--${spec.name}: "${raw}" is out of the 64-bit range`);
    return n;
  }
  return raw;
}

/** Parses `argv` (the words after the command path) against the command's flags and positionals. */
export function parseArgs(argv: string[], flags: FlagSpec[], positionals: PositionalSpec[]): ParsedArgs {
  if (argv.length > CLI_MAX_ARGS) throw new UsageError(`more than ${CLI_MAX_ARGS} arguments`);
  const byName = new Map(flags.map((f) => [f.name, f]));
  const out: ParsedArgs = { flags: new Map(), positionals: [] };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (onlyPositionals || !word.startsWith("--") || word === "-") {
      if (!onlyPositionals && word.startsWith("-") && word.length > 1 && !INT_RE.test(word)) {
        if (word === "-h") {
          out.flags.set("help", true);
          continue;
        }
        throw new UsageError(`unknown option ${word}`);
      }
      if (word.length > CLI_MAX_ARG_BYTES) throw new UsageError(`argument longer than ${CLI_MAX_ARG_BYTES} bytes`);
      out.positionals.push(word);
      continue;
    }
    if (word === "--") {
      onlyPositionals = true;
      continue;
    }
    const eq = word.indexOf("=");
    const name = word.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.kind === "bool") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.flags.set(name, true);
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = word.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ""}`);
      raw = argv[++i]!;
    }
    const value = convert(spec, raw);
    if (spec.kind === "strings") {
      const list = (out.flags.get(name) as string[] | undefined) ?? [];
      list.push(value as string);
      out.flags.set(name, list);
    } else {
      if (out.flags.has(name)) throw new UsageError(`--${name} given twice`);
      out.flags.set(name, value);
    }
  }
  if (out.flags.get("help")) return out;
  const required = positionals.filter((p) => p.required).length;
  const variadic = positionals.some((p) => p.variadic);
  if (out.positionals.length < required) throw new UsageError(`missing ${positionals[out.positionals.length]!.name}`);
  if (!variadic && out.positionals.length > positionals.length) throw new UsageError(`unexpected argument "${out.positionals[positionals.length]}"`);
  return out;
}
