/**
 * A local cluster of node processes (src/cluster-launcher.ts) for the quorum/shutdown tests: a free
 * port range, a temporary data directory, racks per node, and a way to wait for a condition.
 */
import { createServer } from "node:net";
import { startLocalCluster, type LocalCluster } from "../../src/cluster-launcher.ts";
import { tempDir } from "../helpers/broker.ts";

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** A base port P with P..P+n-1 and P+100..P+100+n-1 free right now. */
export async function freeBasePort(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = (await portFree(base + i)) && (await portFree(base + 100 + i));
    if (ok) return base;
  }
  throw new Error("no free port range found");
}

/** `adminApi`: each node serves its Admin API on its LocalNode.adminPort (the test preload turns it to port 0 otherwise). */
export async function startTestCluster(nodes: number, opts: { racks?: (id: number) => string | null; env?: Record<string, string>; adminApi?: boolean } = {}): Promise<LocalCluster> {
  const racks = opts.racks;
  const basePort = await freeBasePort(nodes);
  return startLocalCluster({
    nodes,
    basePort,
    dataDir: tempDir("takhin-quorum-"),
    env: { TAKHIN_LOG_LEVEL: "info", ...opts.env },
    nodeEnv: (id): Record<string, string> => ({
      ...(racks && racks(id) !== null ? { TAKHIN_BROKER_RACK: racks(id)! } : {}),
      ...(opts.adminApi ? { TAKHIN_ADMIN_API_PORT: String(basePort + 200 + id) } : {}),
    }),
    readyTimeoutMs: 90_000,
  });
}

/** Polls `f` until it returns a value other than undefined (or throws after `timeoutMs`). */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(stepMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}
