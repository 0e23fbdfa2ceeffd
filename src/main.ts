/**
 * `bun run broker`: starts Takhin with embedded defaults, a YAML file (TAKHIN_CONFIG or
 * --config <path> / --config=<path>) and TAKHIN_* environment variables. SIGINT/SIGTERM stop it
 * gracefully. `--help` prints usage (exit 0); bad arguments print usage (exit 2). A configuration
 * or start failure an operator can fix (busy port, locked data directory, node id mismatch) is one
 * line `takhin: ...` on stderr and exit code 2.
 */
import { parseArgs, usage, UsageError } from "./config/args.ts";
import { ConfigError, loadConfig, type BrokerConfig } from "./config/config.ts";
import { startBroker, type Broker } from "./server/broker.ts";
import { ServiceStartError } from "./server/lifecycle.ts";

function fail(line: string): never {
  console.error(`takhin: ${line}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`takhin: ${e.message}\n\n${usage()}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage());
  process.exit(0);
}

let config: BrokerConfig;
try {
  config = loadConfig({ file: args.configFile });
} catch (e) {
  if (e instanceof ConfigError) fail(`configuration error: ${e.message}`);
  throw e;
}

// Signal handlers go in before the start: the readiness line is printed inside startBroker, and a
// SIGTERM that follows it at once must still stop gracefully (exit 0), not by the default action.
let broker: Broker | null = null;
let stopping = false;
async function stopAndExit(): Promise<void> {
  await broker!.stop();
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (broker) void stopAndExit(); // else: stopped as soon as the start completes
  });
}

// SIGHUP: read the TLS certificates and the OAUTHBEARER JWKS again, without a restart (docs/security.md).
process.on("SIGHUP", () => {
  if (broker && !stopping) broker.reloadSecurity("SIGHUP");
});

try {
  broker = await startBroker({ config });
} catch (e) {
  // The cause of an unexpected failure was logged with its stack by the service host.
  if (e instanceof ServiceStartError) fail(`cannot start ${e.message}`);
  // Checks across keys that startBroker makes before any service starts (the cluster keys).
  if (e instanceof ConfigError) fail(`configuration error: ${e.message}`);
  throw e;
}
if (stopping) await stopAndExit();
