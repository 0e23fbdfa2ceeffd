/**
 * The Bun side of `takhin` under Node (node/index.mjs starts `bun child.ts '<json>'`): starts a
 * broker or a cluster in this process and serves its admin and fault calls over stdio, one JSON
 * object per line (wire.mjs encodes bigints and bytes):
 *
 *   argv[2]  {"kind": "broker" | "cluster", "nodes"?: n, "options": {...}}
 *   stdout   {"ready": {bootstrap, host, port, nodeId, dataDir, nodes?}}  once started, or
 *            {"failed": "<message>"}; then {"id": n, "ok": true, "result": ...} | {"id": n, "ok": false, "error": "<message>"}
 *   stdin    {"id": n, "method": "admin.<name>" | "faults.<name>" | "faults.clear" | "leaders" | "stop", "args": [...]}
 *
 * Fault calls answer a fault id; "faults.clear" with that id clears it. "stop" stops the broker
 * (removing a temporary data directory), answers, and exits; so does the end of stdin (the parent
 * went away), so no broker outlives its test run. Lines longer than MAX_CHILD_LINE_BYTES are refused.
 */
import { startBroker } from "./broker.ts";
import { startCluster } from "./cluster.ts";
import { decodeValue, encodeValue } from "./node/wire.mjs";
import type { EmbeddedBroker, EmbeddedCluster } from "./types/api.d.ts";

const MAX_CHILD_LINE_BYTES = 16 * 1024 * 1024;
const ADMIN_METHODS = new Set(["createTopic", "deleteTopic", "waitForGroupStable", "readRecords", "listOffsets", "committedOffsets"]);
const FAULT_METHODS = new Set(["failProduce", "delayResponses", "dropConnection", "pauseGroupCoordinator", "clearAll", "moveLeadership"]);

function send(message: unknown): void {
  process.stdout.write(JSON.stringify(encodeValue(message)) + "\n");
}

const spec = JSON.parse(process.argv[2] ?? "{}") as { kind?: string; nodes?: number; options?: Record<string, unknown> };
let handle: EmbeddedBroker | EmbeddedCluster;
try {
  handle = spec.kind === "cluster" ? await startCluster(spec.nodes ?? 3, spec.options ?? {}) : await startBroker(spec.options ?? {});
} catch (e) {
  send({ failed: (e as Error).message });
  process.exit(1);
}

if ("nodes" in handle) send({ ready: { bootstrap: handle.bootstrap, nodes: handle.nodes } });
else send({ ready: { bootstrap: handle.bootstrap, host: handle.host, port: handle.port, nodeId: handle.nodeId, dataDir: handle.dataDir } });

const clears = new Map<number, () => Promise<void>>();
let nextFaultId = 1;
let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= handle.stop();
  return stopping;
}

async function call(method: string, args: unknown[]): Promise<unknown> {
  const [scope, name] = method.split(".", 2) as [string, string | undefined];
  if (scope === "admin" && name && ADMIN_METHODS.has(name)) return (handle.admin as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args);
  if (scope === "faults" && name === "clear") {
    const clear = clears.get(args[0] as number);
    clears.delete(args[0] as number);
    await clear?.();
    return null;
  }
  if (scope === "faults" && name && FAULT_METHODS.has(name)) {
    const fn = (handle.faults as unknown as Record<string, ((...a: unknown[]) => Promise<unknown>) | undefined>)[name];
    if (!fn) throw new Error(`${method} is for clusters only`);
    const r = await fn.apply(handle.faults, args);
    if (typeof r !== "function") return r;
    const id = nextFaultId++;
    clears.set(id, r as () => Promise<void>);
    return { faultId: id };
  }
  if (method === "leaders" && "leaders" in handle) return handle.leaders(args[0] as string);
  throw new Error(`unknown call ${method}`);
}

let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  buffered += chunk;
  if (buffered.length > MAX_CHILD_LINE_BYTES) {
    process.stderr.write(`[takhin] a request line over ${MAX_CHILD_LINE_BYTES} bytes; stopping\n`);
    void stop().then(() => process.exit(1));
    return;
  }
  let nl: number;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line.trim() === "") continue;
    let msg: { id: number; method: string; args?: unknown[] };
    try {
      msg = decodeValue(JSON.parse(line)) as typeof msg;
    } catch {
      continue;
    }
    if (msg.method === "stop") {
      void stop().then(() => {
        send({ id: msg.id, ok: true, result: null });
        process.exit(0);
      });
      continue;
    }
    call(msg.method, msg.args ?? []).then(
      (result) => send({ id: msg.id, ok: true, result: result ?? null }),
      (e) => send({ id: msg.id, ok: false, error: (e as Error)?.message ?? String(e) }),
    );
  }
});
process.stdin.on("end", () => void stop().then(() => process.exit(0)));
