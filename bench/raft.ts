/**
 * Raft throughput and commit latency in a 3-node in-process cluster.
 *
 *   bun bench/raft.ts [--seconds 3] [--window 256] [--payload-bytes 100]
 *
 * Each node runs the real driver loop (ready -> save -> send -> apply -> advance) over a store:
 * FileStore with fdatasync per save, FileStore without fsync, and MemoryStore. Messages move between
 * nodes through in-memory queues. A closed-loop client keeps `window` proposals outstanding at the
 * leader; a proposal's latency runs from propose() until the leader applies it (it is then
 * committed: durable on a majority). Reported: proposals committed per second, and p50/p99/max
 * commit latency in milliseconds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../src/raft/file-store.ts";
import { Raft } from "../src/raft/raft.ts";
import { SeededRandom } from "../src/raft/rand.ts";
import { MemoryStore, type LogStore } from "../src/raft/storage.ts";
import type { Message } from "../src/raft/types.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const SECONDS = arg("seconds", 3);
const WINDOW = arg("window", 256);
const PAYLOAD_BYTES = arg("payload-bytes", 100);
const MAX_PUMP_ROUNDS = 1000;
/** Each node compacts its log every this many applied entries, keeping memory bounded. */
const COMPACT_EVERY_ENTRIES = 20_000;
const EMPTY_STATE = new Uint8Array(0);

interface BenchNode {
  raft: Raft;
  store: LogStore;
  inbox: Message[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function runMode(name: string, makeStore: (id: number) => LogStore): string {
  const ids = [1, 2, 3];
  const nodes = new Map<number, BenchNode>();
  for (const id of ids) {
    const store = makeStore(id);
    const raft = new Raft(
      { id, random: new SeededRandom(id), maxInflightMsgs: 64, maxSizePerMsgBytes: 1024 * 1024 },
      { ...store.load(), bootstrapVoters: ids },
    );
    nodes.set(id, { raft, store, inbox: [] });
  }
  const proposedAt = new Map<number, number>(); // index -> time proposed
  const latencies: number[] = [];
  let committed = 0;

  /** One pass over every node: step its inbox, then handle its Ready. Returns whether anything happened. */
  const pump = (): boolean => {
    let busy = false;
    for (const n of nodes.values()) {
      const inbox = n.inbox;
      n.inbox = [];
      for (const m of inbox) n.raft.step(m);
      if (inbox.length > 0) busy = true;
      if (!n.raft.hasReady()) continue;
      busy = true;
      const rd = n.raft.ready();
      n.store.save(rd.hardState, rd.entries, rd.snapshot);
      for (const m of rd.messages) nodes.get(m.to)!.inbox.push(m);
      if (n.raft.role === "leader") {
        const now = performance.now();
        for (const e of rd.committedEntries) {
          const t = proposedAt.get(e.index);
          if (t === undefined) continue;
          proposedAt.delete(e.index);
          latencies.push(now - t);
          committed++;
        }
      }
      n.raft.advance();
      if (n.raft.log.applied - n.raft.log.snapshotIndex >= COMPACT_EVERY_ENTRIES) n.raft.compact(n.raft.log.applied, EMPTY_STATE);
    }
    return busy;
  };

  const leader = nodes.get(1)!;
  leader.raft.campaign();
  for (let i = 0; i < MAX_PUMP_ROUNDS && leader.raft.role !== "leader"; i++) pump();
  if (leader.raft.role !== "leader") throw new Error("no leader");
  for (let i = 0; i < MAX_PUMP_ROUNDS && pump(); i++);

  const payload = new Uint8Array(PAYLOAD_BYTES).fill(7);
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  while (performance.now() < deadline) {
    const now = performance.now();
    while (proposedAt.size < WINDOW) {
      const r = leader.raft.propose(payload);
      if (!r.ok) break;
      proposedAt.set(r.index, now);
    }
    pump();
  }
  const elapsedSeconds = (performance.now() - start) / 1000;
  for (const n of nodes.values()) n.store.close();
  const sorted = Float64Array.from(latencies).sort();
  const fmt = (v: number): string => v.toFixed(2).padStart(8);
  return `${name.padEnd(22)} ${String(Math.round(committed / elapsedSeconds)).padStart(9)} ${fmt(percentile(sorted, 50))} ${fmt(percentile(sorted, 99))} ${fmt(sorted[sorted.length - 1] ?? NaN)}`;
}

const root = mkdtempSync(join(tmpdir(), "takhin-raft-bench-"));
try {
  console.log(`3-node in-process Raft, ${SECONDS}s per mode, window ${WINDOW} proposals, payload ${PAYLOAD_BYTES} B`);
  console.log(`${"store".padEnd(22)} ${"commits/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(8)}`);
  console.log(runMode("file, fdatasync", (id) => FileStore.open(join(root, `fsync-${id}`), { fsync: true })));
  console.log(runMode("file, no fsync", (id) => FileStore.open(join(root, `nofsync-${id}`), { fsync: false })));
  console.log(runMode("memory", () => new MemoryStore()));
} finally {
  rmSync(root, { recursive: true, force: true });
}
