/**
 * Shared by the KIP-848 real-client suites (kip848-java.test.ts, kip848-librdkafka.test.ts): member
 * processes that print one JSON line per event (started, assigned / revoked / lost with their
 * partitions as "topic:partition", record, committed, closed) stamped with CLOCK_MONOTONIC
 * nanoseconds (Java's System.nanoTime, Python's time.monotonic_ns, Bun's process.hrtime share that
 * clock on Linux), what each owns now, a bounded wait, the no-two-owners check over every
 * member's ownership intervals, and a raw producer.
 */
import { expect } from "bun:test";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/protocol/record-batch.ts";
import { RawClient } from "../helpers/broker.ts";

export interface MemberProcess {
  lines: string[];
  /** SIGTERM (the member closes its consumer and leaves), SIGKILL after a grace period. */
  stop(graceMs?: number): Promise<unknown>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
}

export interface Member {
  name: string;
  proc: MemberProcess;
  /** CLOCK_MONOTONIC ns of its SIGKILL: the end of what it owned then. */
  killedAt: bigint | null;
}

/** Spawns a member that is not a JVM (Python): stdout lines collected, bounded. */
export function spawnLines(argv: string[]): MemberProcess {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const lines: string[] = [];
  const pump = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of proc.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const l of parts) if (lines.length < 200_000) lines.push(l);
    }
    if (rest) lines.push(rest);
  })();
  return {
    lines,
    async stop(graceMs = 15_000) {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(timer);
      await pump;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

export const events = (m: Member): any[] => m.proc.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));

/** What a member owns now, from its callbacks. */
export function owned(m: Member): Set<string> {
  const s = new Set<string>();
  for (const e of events(m)) {
    if (e.event === "assigned") for (const p of e.partitions) s.add(p);
    if (e.event === "revoked" || e.event === "lost") for (const p of e.partitions) s.delete(p);
    if (e.event === "closed") s.clear();
  }
  return s;
}

export async function until(what: string, pred: () => boolean, members: Member[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; members: ${members.map((m) => `${m.name} owns [${[...owned(m)].sort()}] tail ${m.proc.lines.slice(-3).join(" | ")}`).join("; ")}`);
    }
    await Bun.sleep(100);
  }
}

/** Every ownership interval of every member; no partition may have two at once. */
export function checkNoTwoOwners(members: Member[]): { intervals: number; partitions: number } {
  const byPartition = new Map<string, { member: string; from: bigint; to: bigint }[]>();
  const END = 2n ** 62n;
  for (const m of members) {
    const open = new Map<string, bigint>();
    const close = (p: string, t: bigint) => {
      const from = open.get(p);
      if (from === undefined) return;
      open.delete(p);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push({ member: m.name, from, to: t });
    };
    for (const e of events(m)) {
      const t = BigInt(e.t);
      if (e.event === "assigned") for (const p of e.partitions) if (!open.has(p)) open.set(p, t);
      if (e.event === "revoked" || e.event === "lost") for (const p of e.partitions) close(p, t);
      if (e.event === "closed") for (const p of [...open.keys()]) close(p, t);
    }
    for (const p of [...open.keys()]) close(p, m.killedAt ?? END);
  }
  let n = 0;
  for (const [p, list] of byPartition) {
    list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      expect(cur.from > prev.to, `${p}: ${cur.member} from ${cur.from} while ${prev.member} held it until ${prev.to}`).toBe(true);
    }
    n += list.length;
  }
  return { intervals: n, partitions: byPartition.size };
}

/** Appends `perPartition` records to each partition (values v<p>-<from+i>), acks=all. */
export async function produce(port: number, topic: string, partitions: number, perPartition: number, from: number): Promise<void> {
  const c = await RawClient.connect(port);
  const enc = new TextEncoder();
  const r = await c.call(Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{
      name: topic,
      partitionData: Array.from({ length: partitions }, (_, p) => ({
        index: p,
        records: buildRecordBatch({ records: Array.from({ length: perPartition }, (_, i) => ({ key: enc.encode(`k${p}`), value: enc.encode(`v${p}-${from + i}`) })) }),
      })),
    }],
  });
  c.close();
  for (const pr of r.responses[0].partitionResponses) expect(pr.errorCode).toBe(0);
}
