/**
 * Command-line arguments of `bun run broker` (src/main.ts):
 *
 *   takhin [--config <path> | --config=<path>] [--help | -h]
 *
 * Everything else is configured in the YAML file or with TAKHIN_* variables (config.ts). An
 * unknown flag, a missing value or a stray argument is a UsageError (usage printed, exit 2).
 */
import { describeKeys } from "./config.ts";

export class UsageError extends Error {
  override name = "UsageError";
}

export interface CliArgs {
  configFile?: string;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      out.help = true;
    } else if (a === "--config" || a === "-c") {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("-")) throw new UsageError(`${a} needs a path`);
      out.configFile = v;
      i++;
    } else if (a.startsWith("--config=")) {
      const v = a.slice("--config=".length);
      if (!v) throw new UsageError("--config= needs a path");
      out.configFile = v;
    } else if (a.startsWith("-")) {
      throw new UsageError(`unknown option ${a}`);
    } else {
      throw new UsageError(`unexpected argument ${a}`);
    }
  }
  return out;
}

export function usage(): string {
  const keys = describeKeys();
  const width = Math.max(...keys.map((k) => k.env.length));
  return [
    "usage: bun run broker [--config <path>] [--help]",
    "",
    "  --config <path>, --config=<path>   YAML file of the keys below (also TAKHIN_CONFIG)",
    "  --help, -h                         print this and exit",
    "",
    "Configuration keys (YAML key = lower case without the prefix; the environment wins over the file):",
    ...keys.map((k) => `  ${k.env.padEnd(width)}  ${k.describe}; ${k.accepts}`),
    "",
    "Exit codes: 0 stopped by SIGINT/SIGTERM or --help; 2 bad arguments, configuration or start",
    "(busy port, data directory locked or owned by another node id); 1 an unexpected failure.",
  ].join("\n");
}
