/**
 * The `takhin` command line: finds the command for argv, parses its flags (args.ts), runs it in a
 * Context and turns the outcome into an exit code: 0 ok; 1 a Kafka error (its code name, e.g.
 * UNKNOWN_TOPIC_OR_PARTITION, and message on stderr) or another runtime error; 2 a usage error (the
 * message and the command's usage on stderr). See docs/cli.md.
 */
import { ClientError, KafkaError, parseAddress, type KafkaClient } from "../client/index.ts";
import { parseArgs, UsageError } from "./args.ts";
import { clusterCommands } from "./cluster.ts";
import {
  CliError,
  DEFAULT_BOOTSTRAP,
  EXIT_ERROR,
  EXIT_OK,
  EXIT_USAGE,
  GLOBAL_FLAGS,
  groupUsage,
  isGroup,
  type Command,
  type Context,
  type Leaf,
  leafUsage,
  makeClient,
  topUsage,
} from "./command.ts";
import { consumeCommand } from "./consume.ts";
import { groupCommands } from "./group.ts";
import { CLI_REQUEST_TIMEOUT_MS } from "./limits.ts";
import { type Output, stdOutput } from "./output.ts";
import { produceCommand } from "./produce.ts";
import { aclCommands } from "./acl.ts";
import { userCommands } from "./user.ts";
import { consoleCommand } from "./console.ts";
import { topicCommands } from "./topic.ts";

export const COMMANDS: Command[] = [clusterCommands, topicCommands, produceCommand, consumeCommand, groupCommands, aclCommands, userCommands, consoleCommand];

export interface RunOptions {
  out?: Output;
  env?: Record<string, string | undefined>;
  stdin?: ReadableStream<Uint8Array>;
  interrupted?: Promise<void>;
}

/** Finds the leaf for argv: [leaf, its path, the remaining words] or a usage text to print. */
function resolve(argv: string[]): { leaf: Leaf; path: string; rest: string[] } | { help: string; error: string | null } {
  const [first, second] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") return { help: topUsage(COMMANDS), error: first === undefined ? "no command given" : null };
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) return { help: topUsage(COMMANDS), error: `unknown command "${first}"` };
  if (!isGroup(cmd)) return { leaf: cmd, path: cmd.name, rest: argv.slice(1) };
  if (second === undefined || second === "--help" || second === "-h") return { help: groupUsage(cmd), error: second === undefined ? `"${cmd.name}" needs a command` : null };
  const leaf = cmd.commands.find((c) => c.name === second);
  if (!leaf) return { help: groupUsage(cmd), error: `unknown command "${cmd.name} ${second}"` };
  return { leaf, path: `${cmd.name} ${leaf.name}`, rest: argv.slice(2) };
}

function describeError(error: unknown): string {
  if (error instanceof KafkaError) return `${error.codeName}: ${error.what}${error.serverMessage ? `: ${error.serverMessage}` : ""}`;
  if (error instanceof CliError) return `${error.errorName}: ${error.message}`;
  if (error instanceof ClientError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Runs the CLI on argv (without "bun" and the script) and returns the exit code. */
export async function runCli(argv: string[], opts: RunOptions = {}): Promise<number> {
  const out = opts.out ?? stdOutput();
  const env = opts.env ?? process.env;
  const found = resolve(argv);
  if ("help" in found) {
    if (found.error) {
      out.err(`takhin: ${found.error}`);
      out.err(found.help.trimEnd());
      return EXIT_USAGE;
    }
    out.write(found.help);
    await out.flush();
    return EXIT_OK;
  }
  const { leaf, path, rest } = found;
  let client: KafkaClient | null = null;
  try {
    const parsed = parseArgs(rest, [...leaf.flags, ...GLOBAL_FLAGS], leaf.positionals);
    if (parsed.flags.get("help") === true) {
      out.write(leafUsage(path, leaf));
      await out.flush();
      return EXIT_OK;
    }
    const bootstrap = (parsed.flags.get("bootstrap") as string | undefined) ?? env.TAKHIN_BOOTSTRAP ?? DEFAULT_BOOTSTRAP;
    const timeoutMs = (parsed.flags.get("timeout-ms") as number | undefined) ?? CLI_REQUEST_TIMEOUT_MS;
    if (timeoutMs < 1) throw new UsageError("--timeout-ms must be at least 1");
    const addresses = bootstrap.split(",").map((a) => a.trim()).filter((a) => a.length > 0);
    if (addresses.length === 0) throw new UsageError("--bootstrap is empty");
    for (const a of addresses) {
      try {
        parseAddress(a);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    let connecting: Promise<KafkaClient> | null = null;
    const ctx: Context = {
      out,
      flags: parsed.flags,
      positionals: parsed.positionals,
      json: parsed.flags.get("json") === true,
      bootstrap,
      client: () =>
        (connecting ??= makeClient(bootstrap, timeoutMs).then((c) => {
          client = c;
          return c;
        })),
      stdin: opts.stdin ?? Bun.stdin.stream(),
      interrupted: opts.interrupted ?? new Promise<void>(() => {}),
    };
    await leaf.run(ctx);
    await out.flush();
    return EXIT_OK;
  } catch (error) {
    await out.flush().catch(() => {});
    if (error instanceof UsageError) {
      out.err(`takhin ${path}: ${error.message}`);
      out.err(leafUsage(path, leaf).trimEnd());
      return EXIT_USAGE;
    }
    out.err(`takhin ${path}: ${describeError(error)}`);
    if (env.TAKHIN_CLI_DEBUG && error instanceof Error && error.stack) out.err(error.stack);
    return EXIT_ERROR;
  } finally {
    (client as KafkaClient | null)?.close();
  }
}
