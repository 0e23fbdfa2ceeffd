/**
 * `startBroker()` in-process (Bun): one Takhin node on 127.0.0.1, port 0, a temporary data
 * directory, every HTTP surface off (embedded defaults: config.ts); its handle carries the
 * bootstrap address, the admin handle (admin.ts), the fault hooks (faults.ts) and stop(), which
 * also removes a temporary data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker as startNode, type Broker } from "../server/broker.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { EmbeddedAdmin } from "./admin.ts";
import { embeddedEnv } from "./config.ts";
import { FaultSet } from "./faults.ts";
import type { EmbeddedBroker, StartBrokerOptions } from "./types/api.d.ts";

export function embeddedLogger(level: StartBrokerOptions["logLevel"], nodeId?: number): Logger {
  const echo = process.env.TAKHIN_EMBED_LOGS === "1";
  return createLogger({
    level: echo ? "info" : (level ?? "error"),
    format: "text",
    sink: (line) => console.error(nodeId === undefined ? `[takhin] ${line}` : `[takhin ${nodeId}] ${line}`),
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), "takhin-embedded-"));
}

/** The in-process handle behind EmbeddedBroker, with the Broker object for code in this repository. */
export interface InProcessBroker extends EmbeddedBroker {
  readonly broker: Broker;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<InProcessBroker> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDataDir();
  const host = options.host ?? "127.0.0.1";
  let broker: Broker;
  try {
    broker = await startNode({
      env: embeddedEnv(options.config),
      overrides: { host, advertisedHost: host, kafkaPort: options.port ?? 0, dataDir },
      log: embeddedLogger(options.logLevel),
      leaderRebalance: { enabled: false },
    });
  } catch (e) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const bootstrap = `${host}:${broker.kafkaPort}`;
  const admin = new EmbeddedAdmin(bootstrap);
  const faults = new FaultSet(() => [broker]);
  let stopped: Promise<void> | null = null;
  return {
    bootstrap,
    host,
    port: broker.kafkaPort,
    nodeId: broker.context.nodeId,
    dataDir,
    admin,
    faults,
    broker,
    stop(graceMs = 1000) {
      stopped ??= (async () => {
        admin.close();
        await faults.clearAll();
        await broker.stop(graceMs);
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
