/**
 * The physical limits the broker is compared with, each run as its own process:
 *
 *   bun bench/e2e/limits.ts '{"mode":"recv","totalBytes":N,"warmBytes":W}'   prints PORT, then RESULT
 *   bun bench/e2e/limits.ts '{"mode":"send","port":P,"chunkBytes":C,"totalBytes":N}'
 *   bun bench/e2e/limits.ts '{"mode":"append","dir":D,"chunkBytes":C,"totalBytes":N,"warmBytes":W}'
 *
 * recv/send: raw loopback TCP between two Bun processes, writes of `chunkBytes` (the size of the
 * requests the broker gets), throughput measured at the receiver after `warmBytes`.
 * append: appends of `chunkBytes` into a new file in the data directory the way the broker's
 * segments take them — space reserved ahead with fallocate in chunks that double from 1 MiB to
 * 64 MiB, then positional writes — without anything else; measured after `warmBytes`; the file is
 * removed afterwards.
 */
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MAX_PREALLOCATE_CHUNK_BYTES, MIN_PREALLOCATE_CHUNK_BYTES } from "../../src/storage/config.ts";
import { preallocate } from "../../src/storage/file-io.ts";

interface Spec {
  mode: "recv" | "send" | "append";
  port?: number;
  dir?: string;
  chunkBytes?: number;
  totalBytes: number;
  warmBytes?: number;
}

const MAX_RUN_MS = 60_000;

function filled(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
}

async function recv(spec: Spec): Promise<void> {
  let got = 0;
  let tStart = 0;
  let fromBytes = 0;
  const warm = spec.warmBytes ?? 0;
  let finish!: (r: { bytes: number; seconds: number }) => void;
  const done = new Promise<{ bytes: number; seconds: number }>((r) => (finish = r));
  const l = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(_s, chunk) {
        got += chunk.length;
        if (tStart === 0 && got >= warm) {
          tStart = performance.now();
          fromBytes = got;
        }
        if (got >= spec.totalBytes) finish({ bytes: got - fromBytes, seconds: (performance.now() - tStart) / 1000 });
      },
    },
  });
  console.log(`PORT ${l.port}`);
  const r = await done;
  console.log(`RESULT ${JSON.stringify(r)}`);
  l.stop(true);
}

async function send(spec: Spec): Promise<void> {
  const chunk = filled(spec.chunkBytes!);
  let sent = 0;
  let pending: Uint8Array | null = null;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const pump = (s: { write(b: Uint8Array): number; end(): void }) => {
    for (;;) {
      if (pending) {
        const n = s.write(pending);
        if (n < pending.length) {
          pending = pending.subarray(Math.max(0, n));
          return;
        }
        pending = null;
      }
      if (sent >= spec.totalBytes) {
        s.end();
        finish();
        return;
      }
      sent += chunk.length;
      pending = chunk;
    }
  };
  await Bun.connect({
    hostname: "127.0.0.1",
    port: spec.port!,
    socket: {
      open: (s) => pump(s),
      drain: (s) => pump(s),
      data() {},
    },
  });
  await done;
}

function append(spec: Spec): void {
  const chunk = filled(spec.chunkBytes!);
  const path = join(spec.dir!, `append-limit-${process.pid}.bin`);
  const fd = openSync(path, "w");
  let written = 0;
  let reservedBytes = 0;
  let tStart = 0;
  let fromBytes = 0;
  const warm = spec.warmBytes ?? 0;
  try {
    while (written < spec.totalBytes) {
      if (written + chunk.length > reservedBytes) {
        const step = Math.min(Math.max(reservedBytes, MIN_PREALLOCATE_CHUNK_BYTES), MAX_PREALLOCATE_CHUNK_BYTES);
        const target = Math.max(written + chunk.length, reservedBytes + step);
        preallocate(fd, reservedBytes, target);
        reservedBytes = target;
      }
      written += writeSync(fd, chunk, 0, chunk.length, written);
      if (tStart === 0 && written >= warm) {
        tStart = performance.now();
        fromBytes = written;
      }
    }
    const seconds = (performance.now() - tStart) / 1000;
    console.log(`RESULT ${JSON.stringify({ bytes: written - fromBytes, seconds })}`);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec;
const guard = setTimeout(() => {
  console.error(`limits ${spec.mode}: time limit reached`);
  process.exit(3);
}, MAX_RUN_MS);
if (spec.mode === "recv") await recv(spec);
else if (spec.mode === "send") await send(spec);
else if (spec.mode === "append") append(spec);
else throw new Error(`unknown mode ${spec.mode}`);
clearTimeout(guard);
process.exit(0);
