/**
 * Test helpers: an in-process broker on a free port with its own temporary data directory, and a
 * raw Kafka client over a real socket that sends frames and reads responses by correlation id
 * (raw-client.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrokerConfig } from "../../src/config/config.ts";
import { startBroker, type Broker, type StartOptions } from "../../src/server/broker.ts";
import { createLogger, type Logger } from "../../src/util/log.ts";

export interface TestBroker {
  broker: Broker;
  port: number;
  dataDir: string;
  bootstrap: string;
  logs: string[];
  stop(): Promise<void>;
}

/** A fresh directory under the run's temp folder (test/helpers/preload.ts removes it after the run). */
export function tempDir(prefix = "takhin-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts a broker on 127.0.0.1:0; its log lines are kept in `logs` (and printed with
 * TAKHIN_TEST_LOGS=1). `extra` passes further start options (e.g. test-sized group settings).
 */
export async function startTestBroker(
  overrides: Partial<BrokerConfig> = {},
  dataDir = tempDir(),
  extra: Pick<StartOptions, "groups" | "services" | "requestMetrics" | "tiered"> = {},
): Promise<TestBroker> {
  const logs: string[] = [];
  const log: Logger = createLogger({
    level: "debug",
    format: "text",
    sink: (line) => {
      if (logs.length < 20_000) logs.push(line);
      if (process.env.TAKHIN_TEST_LOGS) console.error(line);
    },
  });
  const broker = await startBroker({
    env: {},
    overrides: { host: "127.0.0.1", kafkaPort: 0, adminApiPort: 0, schemaRegistryPort: -1, httpProxyPort: -1, consolePort: -1, dataDir, ...overrides },
    log,
    ...extra,
  });
  return {
    broker,
    port: broker.kafkaPort,
    dataDir,
    bootstrap: `127.0.0.1:${broker.kafkaPort}`,
    logs,
    async stop() {
      await broker.stop(1000);
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// The raw test client lives in raw-client.ts (on src/client's socket layer); re-exported here.
export { decodeResponse, RawClient, requestFrame } from "./raw-client.ts";
