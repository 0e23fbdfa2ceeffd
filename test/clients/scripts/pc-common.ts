/**
 * Shared pieces of the produce/consume, idempotence and million-record client suites: a
 * deterministic record generator, the JSON shape every client script reads and prints, a
 * subprocess runner (bounded, killed at its deadline, with stdin and a per-line stdout callback),
 * a kcat output parser that is binary-safe for keys and values, and a recorder of the API versions
 * each client used, taken from the broker's own handler registry.
 */
import { join } from "node:path";
import type { TestBroker } from "../../helpers/broker.ts";
import { Outbox } from "../../helpers/outbox.ts";

export const PC_SCRIPTS_DIR = import.meta.dir;
export const NODE = "/usr/bin/node";
/** The system interpreter: the Debian packages of confluent-kafka and kafka-python live there. */
export const PYTHON = "/usr/bin/python3";
export const KCAT = "kcat";

export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
export const ALL_CODECS: Codec[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** One record as the scripts exchange it: bytes as base64, null kept as null. */
export interface WireRecord {
  p: number;
  k: string | null;
  v: string | null;
  /** Header name (UTF-8 text) and value (base64). */
  h: [string, string][];
  ts: number;
}

/** One consumed record: the produced fields plus where it was found and the timestamp type. */
export interface ConsumedRecord extends WireRecord {
  t: string;
  o: number;
  /** 0 = CreateTime, 1 = LogAppendTime, when the client reports it. */
  tt?: number;
}

/** mulberry32: small, seeded, good enough to spread bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/**
 * `n` records over `partitions` partitions with: binary keys (every byte value appears), some null
 * keys, binary values mixed with compressible text, empty and null values, a few 20 KB values,
 * zero to three headers with UTF-8 names, and strictly increasing CreateTime timestamps starting
 * `ageMs` in the past. Header values avoid ',', '=' and '\n' so kcat's `%h` output stays parseable,
 * and NUL, at which kcat's `%h` stops printing a header value.
 */
export function generateRecords(n: number, partitions: number, seed: number, ageMs = 600_000): WireRecord[] {
  const rnd = prng(seed);
  const bytes = (len: number, avoid: Set<number> = new Set()): Uint8Array => {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      let b = Math.floor(rnd() * 256);
      while (avoid.has(b)) b = (b + 1) & 0xff;
      out[i] = b;
    }
    return out;
  };
  const headerAvoid = new Set([0x00, 0x2c, 0x3d, 0x0a]);
  const base = Date.now() - ageMs;
  const text = new TextEncoder();
  const names = ["trace-id", "ünïcødé-名前", "bin", "empty"];
  const out: WireRecord[] = [];
  for (let i = 0; i < n; i++) {
    const nullValue = i % 23 === 7;
    const nullKey = i % 17 === 5 && !nullValue;
    const key = nullKey ? null : Buffer.concat([text.encode(`key-${i}-`), bytes(Math.floor(rnd() * 9))]);
    let value: Uint8Array | null;
    if (nullValue) value = null;
    else if (i % 29 === 3) value = new Uint8Array(0);
    else {
      const big = i % 97 === 50;
      const repeat = text.encode(`value ${i} `.repeat(big ? 1500 : 1 + Math.floor(rnd() * 20)));
      value = Buffer.concat([bytes(Math.floor(rnd() * (big ? 4000 : 200))), repeat]);
    }
    const h: [string, string][] = [];
    for (let j = 0; j < i % 4; j++) {
      const name = names[(i + j) % names.length];
      h.push([name, name === "empty" ? "" : b64(bytes(1 + Math.floor(rnd() * 40), headerAvoid))]);
    }
    out.push({ p: (i * 7 + (i >> 2)) % partitions, k: key ? b64(key) : null, v: value ? b64(value) : null, h, ts: base + i * 3 });
  }
  return out;
}

export interface ProcResult {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  /** The raw stdout bytes (absent when `maxStdout` bounded it). */
  stdoutBytes?: Uint8Array;
  stderr: string;
  ms: number;
}

export interface ProcOptions {
  timeoutMs: number;
  stdin?: Uint8Array | string | "pipe";
  env?: Record<string, string>;
  /** Called for every complete stdout line as it arrives. */
  onLine?: (line: string) => void;
  /** Receives the process once spawned (to write to its stdin). */
  onSpawn?: (proc: Bun.Subprocess<"pipe", "pipe", "pipe">) => void;
  /** Keep only the last this many characters of stdout (default: everything). */
  maxStdout?: number;
}

/** Runs a process to completion and kills it (SIGKILL) at the deadline; always reaps it. */
export async function runProc(argv: string[], opts: ProcOptions): Promise<ProcResult> {
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    cwd: PC_SCRIPTS_DIR,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", NODE_NO_WARNINGS: "1", ...opts.env },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs);
  try {
    if (opts.stdin !== "pipe") {
      if (opts.stdin !== undefined) proc.stdin.write(opts.stdin);
      proc.stdin.end();
    }
    opts.onSpawn?.(proc);
    const chunks: Uint8Array[] = [];
    const readOut = async (): Promise<string> => {
      const decoder = new TextDecoder();
      let all = "";
      let partial = "";
      for await (const chunk of proc.stdout) {
        if (opts.maxStdout === undefined) chunks.push(chunk);
        const s = decoder.decode(chunk, { stream: true });
        all += s;
        if (opts.maxStdout !== undefined && all.length > opts.maxStdout * 2) all = all.slice(-opts.maxStdout);
        if (opts.onLine) {
          partial += s;
          const lines = partial.split("\n");
          partial = lines.pop() ?? "";
          for (const l of lines) opts.onLine(l);
        }
      }
      return all;
    };
    const [stdout, stderr, exitCode] = await Promise.all([readOut(), new Response(proc.stderr).text(), proc.exited]);
    const stdoutBytes = opts.maxStdout === undefined ? new Uint8Array(Buffer.concat(chunks)) : undefined;
    return { exitCode, timedOut, stdout, stdoutBytes, stderr, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
}

/** The last stdout line as JSON; throws with the whole context when the run failed. */
export function lastJson(name: string, res: ProcResult): any {
  const context = () => `${name}: exit=${res.exitCode} timedOut=${res.timedOut} after ${Math.round(res.ms)} ms\nstdout tail:\n${res.stdout.slice(-3000)}\nstderr tail:\n${res.stderr.slice(-4000)}`;
  if (res.timedOut || res.exitCode !== 0) throw new Error(context());
  const last = res.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${context()}\n(last line is not JSON)`);
  }
}

/** Runs a JSON-spec client script: `interpreter script spec.json`, spec written to a temp file. */
export async function runScript(interpreter: string, script: string, spec: unknown, dir: string, timeoutMs: number, extra: Partial<ProcOptions> = {}): Promise<any> {
  const specPath = join(dir, `spec-${script}-${Math.random().toString(36).slice(2)}.json`);
  await Bun.write(specPath, JSON.stringify(spec));
  const res = await runProc([interpreter, join(PC_SCRIPTS_DIR, script), specPath], { timeoutMs, ...extra });
  return lastJson(script, res);
}

/**
 * Parses `kcat -C -f 'R %t %p %o %T %K %S %h\n%k%s\n'` output. Keys and values are read by the
 * printed lengths (-1 = null), so they may hold any byte; headers are `name=value` joined by ','.
 */
export function parseKcat(out: Uint8Array): ConsumedRecord[] {
  const records: ConsumedRecord[] = [];
  const dec = new TextDecoder("utf-8", { fatal: true });
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`kcat output: unterminated line at ${pos}`);
    const line = out.subarray(pos, nl);
    pos = nl + 1;
    // The header part is raw bytes; split the fixed fields off by spaces first.
    const fields: Uint8Array[] = [];
    let start = 0;
    for (let i = 0; i < line.length && fields.length < 7; i++) {
      if (line[i] === 0x20) {
        fields.push(line.subarray(start, i));
        start = i + 1;
      }
    }
    const headerBytes = line.subarray(start);
    const [tag, topic, p, o, ts, klen, vlen] = fields.map((f) => dec.decode(f));
    if (tag !== "R") throw new Error(`kcat output: unexpected line ${dec.decode(line)}`);
    const kl = Number(klen);
    const vl = Number(vlen);
    const key = kl >= 0 ? out.subarray(pos, pos + kl) : null;
    pos += Math.max(0, kl);
    const value = vl >= 0 ? out.subarray(pos, pos + vl) : null;
    pos += Math.max(0, vl);
    if (out[pos] !== 0x0a) throw new Error(`kcat output: record ${topic}/${p}@${o} not followed by a newline`);
    pos++;
    const h: [string, string][] = [];
    if (headerBytes.length > 0) {
      let s = 0;
      for (let i = 0; i <= headerBytes.length; i++) {
        if (i === headerBytes.length || headerBytes[i] === 0x2c) {
          const part = headerBytes.subarray(s, i);
          const eq = part.indexOf(0x3d);
          h.push([dec.decode(part.subarray(0, eq)), b64(part.subarray(eq + 1))]);
          s = i + 1;
        }
      }
    }
    records.push({ t: topic, p: Number(p), o: Number(o), ts: Number(ts), k: key ? b64(key) : null, v: value ? b64(value) : null, h });
  }
  return records;
}

export const KCAT_FORMAT = "R %t %p %o %T %K %S %h\\n%k%s\\n";

/**
 * Records, per client id, every API and version the broker dispatched, by a request middleware on
 * this broker (nothing outside the test changes). Returns a live view; pass the
 * previous one to keep recording into it across a broker restart.
 */
export function recordApiVersions(tb: TestBroker, seen = new Map<string, Map<string, Set<number>>>()): Map<string, Map<string, Set<number>>> {
  tb.broker.context.middleware.use({
    name: "record-api-versions",
    handle(ctx, _req, next) {
      const client = ctx.clientId ?? "(null)";
      let apis = seen.get(client);
      if (!apis) seen.set(client, (apis = new Map()));
      let vs = apis.get(ctx.api.name);
      if (!vs) apis.set(ctx.api.name, (vs = new Set()));
      vs.add(ctx.apiVersion);
      return next();
    },
  });
  return seen;
}

/** "Produce v9, Fetch v12, ..." for one client id, or for ids starting with a prefix. */
export function versionsUsed(seen: Map<string, Map<string, Set<number>>>, clientPrefix: string): Record<string, number[]> {
  const out: Record<string, Set<number>> = {};
  for (const [client, apis] of seen) {
    if (!client.startsWith(clientPrefix)) continue;
    for (const [api, vs] of apis) for (const v of vs) (out[api] ??= new Set()).add(v);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

/** The records expected in each partition, in produce order (one producer, ordered delivery). */
export function byPartition<T extends { p: number }>(records: T[], partitions: number): T[][] {
  const out: T[][] = Array.from({ length: partitions }, () => []);
  for (const r of records) out[r.p].push(r);
  return out;
}

/** The fields compared byte-exact: partition, key, value, headers (order kept), timestamp. */
export function comparable(r: WireRecord): WireRecord {
  return { p: r.p, k: r.k, v: r.v, h: r.h.map(([n, v]) => [n, v] as [string, string]), ts: r.ts };
}


/** Splits a byte stream into Kafka frames (size prefix kept). */
class Framer {
  private buf = new Uint8Array(0);
  push(data: Uint8Array): Uint8Array[] {
    const merged = new Uint8Array(this.buf.length + data.length);
    merged.set(this.buf);
    merged.set(data, this.buf.length);
    const frames: Uint8Array[] = [];
    let off = 0;
    while (merged.length - off >= 4) {
      const size = new DataView(merged.buffer, merged.byteOffset + off).getInt32(0);
      if (size < 0 || size > 256 << 20) throw new Error(`frame size ${size}`);
      if (merged.length - off - 4 < size) break;
      frames.push(merged.slice(off, off + 4 + size));
      off += 4 + size;
    }
    this.buf = merged.slice(off);
    return frames;
  }
}

/**
 * A TCP proxy in front of the broker that loses Produce responses: every `dropEvery`-th Produce
 * request is forwarded and appended by the broker, but when its response comes back the proxy
 * closes the client's connection instead of delivering it. The producer must retry the batch, and
 * the broker must recognise the retry as a duplicate. Point the broker's advertised port here.
 */
export function startLossyProxy(brokerPort: number, dropEvery: number) {
  let produceRequests = 0;
  const stats = { connections: 0, produceRequests: 0, dropped: 0 };
  const listener = Bun.listen<{ toBroker: Outbox; toClient: Outbox; up: import("bun").Socket<any> | null; inFrames: Framer; outFrames: Framer; doomed: Set<number>; closed: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        stats.connections++;
        const st = { toBroker: new Outbox(), toClient: new Outbox(), up: null as import("bun").Socket<any> | null, inFrames: new Framer(), outFrames: new Framer(), doomed: new Set<number>(), closed: false };
        st.toClient.attach(client);
        client.data = st;
        Bun.connect({
          hostname: "127.0.0.1",
          port: brokerPort,
          socket: {
            data(_up, d) {
              if (st.closed) return;
              for (const f of st.outFrames.push(d)) {
                const correlationId = new DataView(f.buffer, f.byteOffset).getInt32(4);
                if (st.doomed.has(correlationId)) {
                  stats.dropped++;
                  st.closed = true;
                  client.end();
                  _up.end();
                  return;
                }
                st.toClient.write(f);
              }
            },
            drain: () => st.toBroker.flush(),
            close: () => void client.end(),
            error: () => void client.end(),
          },
        }).then(
          (up) => {
            if (st.closed) return void up.end();
            st.up = up;
            st.toBroker.attach(up);
            st.toBroker.flush();
          },
          () => void client.end(),
        );
      },
      data(client, d) {
        const st = client.data;
        for (const f of st.inFrames.push(d)) {
          const view = new DataView(f.buffer, f.byteOffset);
          if (view.getInt16(4) === 0) {
            stats.produceRequests++;
            if (++produceRequests % dropEvery === 0) st.doomed.add(view.getInt32(8));
          }
          st.toBroker.write(f);
        }
      },
      drain(client) {
        client.data.toClient.flush();
      },
      close(client) {
        client.data.closed = true;
        client.data.up?.end();
      },
      error() {},
    },
  });
  return { port: listener.port, stats, stop: () => listener.stop(true) };
}
