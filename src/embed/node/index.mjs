// `takhin` and `takhin/testing` under Node (vitest, jest): the broker runs on Bun, so startBroker()
// and startCluster() start it as a Bun child process (../child.ts) and talk to it over stdio, one
// JSON line per call (wire.mjs). The handles have the same shape as under Bun (types/api.d.ts).
// Bun is found as TAKHIN_BUN, else `bun` on PATH; without it the call fails saying so.
// Plain JavaScript, so Node runs it without a build step.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { decodeValue, encodeValue } from "./wire.mjs";

const CHILD = fileURLToPath(new URL("../child.ts", import.meta.url));
/** How long a child may take to say it is ready. */
const START_TIMEOUT_MS = 60_000;
/** Bounded buffering of the child's output while looking for line ends. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export { ErrorCode } from "./error-codes.mjs";

export class BunNotFoundError extends Error {}

function bunCommand() {
  return process.env.TAKHIN_BUN || "bun";
}

/** Starts the child and resolves with a caller once it printed its ready line. */
function startChild(spec) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(bunCommand(), [CHILD, JSON.stringify(encodeValue(spec))], { stdio: ["pipe", "pipe", "inherit"] });
    } catch (e) {
      reject(e);
      return;
    }
    const pending = new Map();
    let nextId = 1;
    let ready = false;
    let exited = false;
    let buffered = "";
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill("SIGKILL");
      reject(new Error(`takhin: the Bun child did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      if (e && e.code === "ENOENT") {
        reject(new BunNotFoundError(`takhin needs Bun to run the broker under Node: "${bunCommand()}" was not found. Install Bun (1.4.5 or later) and put it on PATH, or set TAKHIN_BUN to its path.`));
      } else reject(e);
    });
    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const err = new Error(`takhin: the Bun child exited (${signal ?? `code ${code}`})`);
      if (!ready) reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE_BYTES) {
        child.kill("SIGKILL");
        return;
      }
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let msg;
        try {
          msg = decodeValue(JSON.parse(line));
        } catch {
          continue; // not ours (a stray print): ignored
        }
        if (!ready && msg.failed !== undefined) {
          clearTimeout(timer);
          reject(new Error(`takhin: ${msg.failed}`));
          continue;
        }
        if (!ready && msg.ready !== undefined) {
          ready = true;
          clearTimeout(timer);
          resolve({ info: msg.ready, call, child });
          continue;
        }
        const p = pending.get(msg.id);
        if (!p) continue;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(msg.error));
      }
    });
    function call(method, args = []) {
      if (exited) return Promise.reject(new Error("takhin: the Bun child has exited"));
      const id = nextId++;
      return new Promise((res, rej) => {
        pending.set(id, { resolve: res, reject: rej });
        child.stdin.write(JSON.stringify(encodeValue({ id, method, args })) + "\n");
      });
    }
  });
}

function adminOf(call) {
  const names = ["createTopic", "deleteTopic", "waitForGroupStable", "readRecords", "listOffsets", "committedOffsets"];
  return Object.fromEntries(names.map((n) => [n, (...args) => call(`admin.${n}`, args)]));
}

function faultsOf(call, cluster) {
  const withClear = (name) => async (...args) => {
    const r = await call(`faults.${name}`, args);
    return () => call("faults.clear", [r.faultId]);
  };
  const faults = {
    failProduce: withClear("failProduce"),
    delayResponses: withClear("delayResponses"),
    dropConnection: withClear("dropConnection"),
    pauseGroupCoordinator: withClear("pauseGroupCoordinator"),
    clearAll: () => call("faults.clearAll", []),
  };
  if (cluster) faults.moveLeadership = (...args) => call("faults.moveLeadership", args);
  return faults;
}

function stopperOf(call, child) {
  let stopped = null;
  return () => {
    stopped ??= new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      call("stop", []).catch(() => {});
    });
    return stopped;
  };
}

/** Starts one broker (a Bun child process) on a free port with a temporary data directory. */
export async function startBroker(options = {}) {
  const { info, call, child } = await startChild({ kind: "broker", options });
  return { ...info, admin: adminOf(call), faults: faultsOf(call, false), stop: stopperOf(call, child) };
}

/** Starts an N-node cluster (in one Bun child process) on free ports. */
export async function startCluster(nodes, options = {}) {
  const { info, call, child } = await startChild({ kind: "cluster", nodes, options });
  return { ...info, admin: adminOf(call), faults: faultsOf(call, true), leaders: (topic) => call("leaders", [topic]), stop: stopperOf(call, child) };
}

/** Polls `probe` every 25 ms until it returns a value other than undefined; throws after `timeoutMs` naming `what`. */
export async function waitFor(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
