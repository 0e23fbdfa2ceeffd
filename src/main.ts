/**
 * `bun run broker`: starts Takhin with embedded defaults, a YAML file (TAKHIN_CONFIG or
 * --config <path>) and TAKHIN_* environment variables. SIGINT/SIGTERM stop it gracefully.
 */
import { ConfigError, loadConfig } from "./config/config.ts";
import { startBroker } from "./server/broker.ts";

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

let config;
try {
  config = loadConfig({ file: argValue("--config") });
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`takhin: configuration error: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

const broker = await startBroker({ config });
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await broker.stop();
    process.exit(0);
  });
}
