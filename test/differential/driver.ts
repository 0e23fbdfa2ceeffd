/**
 * The raw-protocol driver of the differential suite: runs one scenario against one broker over
 * real sockets (test/helpers/broker.ts's RawClient), encoding requests and decoding answers with
 * our own schemas (src/protocol), and returns the normalised transcript: step label -> answer.
 *
 * An answer that never comes is part of the transcript too: `{ $noResponse: "closed" }` when the
 * broker closed the connection (Kafka's way with requests it cannot parse), `"timeout"` when it
 * stayed silent. The next step on that connection opens a new one.
 */
import { API_BY_KEY, ALL_APIS } from "../../src/protocol/apis.ts";
import { codecFor, isFlexible } from "../../src/protocol/codec.ts";
import { writeRequestHeader } from "../../src/protocol/header.ts";
import { Reader } from "../../src/protocol/reader.ts";
import type { ApiDef } from "../../src/protocol/schema.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { RawClient } from "../helpers/broker.ts";
import { normalise, type Identity } from "./normalise.ts";
import { isParallel, isSleep, type RequestStep, type Scenario } from "./scenario.ts";
import { resolve, type Vars } from "./template.ts";

export interface Target {
  name: "kafka" | "takhin";
  host: string;
  port: number;
  nodeId: number;
}

export type Transcript = Record<string, unknown>;

const DEFAULT_STEP_TIMEOUT_MS = 10_000;
const UNTIL_INTERVAL_MS = 100;
const UNTIL_DEFAULT_TRIES = 100;
const API_BY_NAME = new Map<string, ApiDef>(ALL_APIS.map((a) => [a.name, a]));

export function apiNamed(name: string): ApiDef {
  const a = API_BY_NAME.get(name);
  if (!a) throw new Error(`unknown API ${name}`);
  return a;
}

/** Request frame whose header may carry another version than the one its body is encoded at. */
function frame(api: ApiDef, bodyVersion: number, headerVersion: number, correlationId: number, body: unknown): Uint8Array {
  const w = new Writer();
  w.int32(0);
  const flexible = isFlexible(api.request, bodyVersion);
  writeRequestHeader(w, { apiKey: api.apiKey, apiVersion: headerVersion, correlationId, clientId: "takhin-differential" }, flexible);
  codecFor(api.request, bodyVersion).encode(w, body);
  const bytes = w.toBytes();
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
  return bytes;
}

function decode(api: ApiDef, version: number, bytes: Uint8Array, expectCorrelation: number): unknown {
  const r = new Reader(bytes);
  const correlationId = r.int32();
  if (correlationId !== expectCorrelation) return { $badCorrelationId: correlationId };
  if (isFlexible(api.response, version) && api.apiKey !== 18) r.uvarint();
  const body = codecFor(api.response, version).decode(r);
  if (r.remaining !== 0) return { $trailingBytes: r.remaining, body };
  return body;
}

/** Value at a path like `topics[0].partitions[1].errorCode` in a raw decoded response. */
export function at(value: unknown, path: string): unknown {
  let cur: any = value;
  for (const part of path.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad path ${path}`);
    if (m[1]) cur = cur?.[m[1]];
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) cur = cur?.[Number(idx[1])];
  }
  return cur;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") {
    try {
      return BigInt(a as any) === BigInt(b as any);
    } catch {
      return false;
    }
  }
  return a === b;
}

class Connections {
  private readonly conns = new Map<number, RawClient>();
  private correlation = 1;
  constructor(private readonly target: Target) {}

  async get(n: number): Promise<RawClient> {
    const c = this.conns.get(n);
    if (c && !c.closed) return c;
    const fresh = await RawClient.connect(this.target.port);
    this.conns.set(n, fresh);
    return fresh;
  }

  nextCorrelation(): number {
    return this.correlation++;
  }

  closeAll(): void {
    for (const c of this.conns.values()) if (!c.closed) c.close();
    this.conns.clear();
  }
}

async function sendOnce(conns: Connections, step: RequestStep, vars: Vars): Promise<unknown> {
  const api = apiNamed(step.api);
  const body = resolve(step.body ?? {}, vars);
  const c = await conns.get(step.conn ?? 0);
  const corr = conns.nextCorrelation();
  let next = c.frames.length;
  c.write(frame(api, step.version, step.headerVersion ?? step.version, corr, body));
  const deadline = Date.now() + (step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
  for (;;) {
    const frames = await c.waitFrames(next + 1, Math.max(1, deadline - Date.now()));
    if (frames.length <= next) return { $noResponse: c.closed ? "closed" : "timeout" };
    const f = frames[next]!;
    // A late answer to an earlier request that timed out: not this step's.
    if (f.length >= 4 && new DataView(f.buffer, f.byteOffset).getInt32(0) !== corr) {
      next++;
      continue;
    }
    try {
      return decode(API_BY_KEY.get(api.apiKey)!, step.decodeVersion ?? step.version, f, corr);
    } catch (e) {
      return { $decodeError: String((e as Error).message ?? e) };
    }
  }
}

async function runStep(conns: Connections, step: RequestStep, vars: Vars): Promise<unknown> {
  if (step.delayMs) await Bun.sleep(step.delayMs);
  let res = await sendOnce(conns, step, vars);
  if (step.until) {
    const tries = step.until.tries ?? UNTIL_DEFAULT_TRIES;
    const paths = Array.isArray(step.until.path) ? step.until.path : [step.until.path];
    const done = (r: unknown) => paths.every((p) => same(at(r, p), step.until!.equals));
    for (let i = 1; i < tries && !done(res); i++) {
      await Bun.sleep(UNTIL_INTERVAL_MS);
      res = await sendOnce(conns, step, vars);
    }
  }
  for (const [name, path] of Object.entries(step.capture ?? {})) vars[name] = at(res, path);
  return res;
}

export interface RunContext {
  /** Unique per scenario and run: every topic and group name of the scenario starts with it. */
  prefix: string;
  /** One timestamp shared by both targets of a run. */
  nowMs: bigint;
}

/** Runs every step of `sc` against `target`; returns step label -> normalised answer. */
export async function runScenario(target: Target, sc: Scenario, ctx: RunContext): Promise<Transcript> {
  const vars: Vars = {
    prefix: ctx.prefix,
    topic: `${ctx.prefix}t`,
    topic2: `${ctx.prefix}u`,
    group: `${ctx.prefix}g`,
    nodeId: target.nodeId,
    nodeIdString: String(target.nodeId),
    now: ctx.nowMs,
    ts7: ctx.nowMs + 7n,
    tsFuture: ctx.nowMs + 3_600_000n,
    bogusId: "AAAAAAAAAAAAAAAAAAAAAQ",
    unknownMember: "takhin-differential-nobody",
  };
  const identity: Identity = { target, prefix: ctx.prefix, canonical: new Map() };
  const conns = new Connections(target);
  const out: Transcript = {};
  const record = (step: RequestStep, index: string, res: unknown) => {
    if (step.compare === false) return;
    out[step.label ?? `${index}:${step.api}v${step.version}`] = normalise(res, step, identity);
  };
  try {
    for (let i = 0; i < sc.steps.length; i++) {
      const step = sc.steps[i]!;
      if (isSleep(step)) {
        await Bun.sleep(step.sleepMs);
      } else if (isParallel(step)) {
        const results = await Promise.all(step.parallel.map((s) => runStep(conns, s, vars)));
        // Normalised in declaration order, so canonical ids do not depend on which answer came first.
        step.parallel.forEach((s, j) => record(s, `${i}.${j}`, results[j]));
      } else {
        record(step, String(i), await runStep(conns, step, vars));
      }
    }
  } finally {
    conns.closeAll();
  }
  return out;
}
