/**
 * A million records round trip through kcat (librdkafka) under each codec, byte-exact.
 *
 *   bun scripts/roundtrip-million.ts [--records N] [--codecs none,gzip,...] [--bootstrap host:port]
 *
 * Writes N lines `key-<i>\t<value>` (values 40-120 bytes of seeded, partly repetitive text) to a
 * file, and for each codec: `kcat -P -z <codec> -K '\t'` produces the file to partition 0 of a new
 * topic, `kcat -C -e -o beginning -f '%k\t%s\n'` reads it back into another file, and the two files'
 * SHA-256 digests and sizes must match. Prints records/s and MB/s for both directions per codec.
 * Without --bootstrap it starts an in-process broker on a temporary data directory. Every kcat is
 * killed at its deadline. Exits non-zero when any round trip differs. The CI-sized run is
 * test/clients/million.test.ts.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "../test/helpers/broker.ts";

export type Codec = "none" | "gzip" | "snappy" | "lz4" | "zstd";
const KCAT = "kcat";

export interface RoundTrip {
  codec: Codec;
  records: number;
  bytes: number;
  produceMs: number;
  consumeMs: number;
  inputSha256: string;
  outputSha256: string;
  outputBytes: number;
  outputLines: number;
  ok: boolean;
}

/** N lines `key-<i>\t<value>\n`, seeded; returns the byte count. */
export async function writeInput(path: string, records: number, seed = 42): Promise<number> {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "ünïcødé", "данные", "値"];
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  const writer = Bun.file(path).writer();
  let chunk = "";
  for (let i = 0; i < records; i++) {
    let value = `v${i}`;
    const target = 40 + Math.floor(rnd() * 80);
    while (value.length < target) {
      if (rnd() < 0.5) value += ` ${words[Math.floor(rnd() * words.length)]}`;
      else for (let j = 0; j < 8; j++) value += alphabet[Math.floor(rnd() * 64)];
    }
    chunk += `key-${i}\t${value}\n`;
    if (chunk.length > 1 << 20) {
      await writer.write(chunk);
      chunk = "";
    }
  }
  await writer.write(chunk);
  await writer.end();
  return statSync(path).size;
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

async function run(argv: string[], opts: { stdin?: string; stdout?: string; timeoutMs: number }): Promise<number> {
  const proc = Bun.spawn(argv, {
    stdin: opts.stdin ? Bun.file(opts.stdin) : "ignore",
    stdout: opts.stdout ? Bun.file(opts.stdout) : "ignore",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs);
  const started = performance.now();
  try {
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    if (timedOut) throw new Error(`${argv.join(" ")}: killed after ${opts.timeoutMs} ms\n${stderr.slice(-2000)}`);
    if (code !== 0) throw new Error(`${argv.join(" ")}: exit ${code}\n${stderr.slice(-2000)}`);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
}

/** Produces `input` to `topic` (partition 0) under `codec` with kcat, reads it back, compares. */
export async function roundTrip(opts: { bootstrap: string; topic: string; codec: Codec; input: string; records: number; dir: string; timeoutMs: number }): Promise<RoundTrip> {
  const { bootstrap, topic, codec, input, dir, timeoutMs } = opts;
  const output = join(dir, `${topic}.out`);
  const produceMs = await run(
    [
      KCAT, "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-K", "\t", "-z", codec, "-q",
      "-X", "client.id=pc-million-kcat",
      "-X", "linger.ms=20",
      "-X", "batch.num.messages=10000",
      "-X", "queue.buffering.max.messages=500000",
      "-X", "queue.buffering.max.kbytes=1048576",
    ],
    { stdin: input, timeoutMs },
  );
  const consumeMs = await run(
    [KCAT, "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-X", "client.id=pc-million-kcat", "-X", "check.crcs=true", "-f", "%k\t%s\n"],
    { stdout: output, timeoutMs },
  );
  const [inputSha256, outputSha256] = await Promise.all([sha256(input), sha256(output)]);
  const outputBytes = statSync(output).size;
  let outputLines = 0;
  for await (const chunk of Bun.file(output).stream()) for (const b of chunk) if (b === 0x0a) outputLines++;
  const bytes = statSync(input).size;
  return {
    codec,
    records: opts.records,
    bytes,
    produceMs,
    consumeMs,
    inputSha256,
    outputSha256,
    outputBytes,
    outputLines,
    ok: inputSha256 === outputSha256 && outputBytes === bytes && outputLines === opts.records,
  };
}

function parseArgs(args: string[]): { records: number; codecs: Codec[]; bootstrap?: string } {
  const out: { records: number; codecs: Codec[]; bootstrap?: string } = { records: 1_000_000, codecs: ["none", "gzip", "snappy", "lz4", "zstd"] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === "--records") out.records = Number(v);
    else if (a === "--codecs") out.codecs = v.split(",") as Codec[];
    else if (a === "--bootstrap") out.bootstrap = v;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(out.records) || out.records < 1) throw new Error("--records must be a positive integer");
  return out;
}

if (import.meta.main) {
  const { records, codecs, bootstrap } = parseArgs(process.argv.slice(2));
  const dir = tempDir("takhin-million-");
  let tb: TestBroker | null = null;
  let failed = false;
  try {
    if (!bootstrap) tb = await startTestBroker();
    const target = bootstrap ?? tb!.bootstrap;
    const input = join(dir, "input.txt");
    const t0 = performance.now();
    const bytes = await writeInput(input, records);
    console.log(`input: ${records} records, ${(bytes / 1e6).toFixed(1)} MB, generated in ${Math.round(performance.now() - t0)} ms; broker ${target}${tb ? " (in-process)" : ""}`);
    console.log("codec   produce rec/s   MB/s  consume rec/s   MB/s  digest");
    for (const codec of codecs) {
      const topic = `million-${codec}-${Date.now()}`;
      tb?.broker.context.topics.create(topic, 1);
      const r = await roundTrip({ bootstrap: target, topic, codec, input, records, dir, timeoutMs: 600_000 });
      const rate = (ms: number) => Math.round((records / ms) * 1000).toString().padStart(13);
      const mbs = (ms: number) => ((bytes / 1e6 / ms) * 1000).toFixed(1).padStart(6);
      console.log(`${codec.padEnd(6)} ${rate(r.produceMs)} ${mbs(r.produceMs)} ${rate(r.consumeMs)} ${mbs(r.consumeMs)}  ${r.ok ? "identical" : `DIFFERENT (out ${r.outputLines} lines, ${r.outputBytes} bytes)`} ${r.outputSha256.slice(0, 16)}`);
      if (!r.ok) failed = true;
      removeDir(join(dir, `${topic}.out`));
    }
  } finally {
    await tb?.stop();
    if (tb) removeDir(tb.dataDir);
    removeDir(dir);
  }
  process.exit(failed ? 1 : 0);
}
