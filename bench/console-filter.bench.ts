/**
 * Console JavaScript filters (src/console/filter-sandbox): messages scanned per second, end to end
 * through runFilter (encoding on the host, IPC to the sandbox process, a fresh QuickJS instance, the scan).
 *
 *   bun bench/console-filter.bench.ts [messages=200000] [rounds=5]
 *
 * Prints, per filter, the best and median rounds in messages/s of wall time, and messages per
 * CPU-second (CPU time of the host and the sandbox processes together, so "per core"). Messages
 * are ~150-byte JSON values with a key and, for one in ten, a header. Every round's matched count
 * is checked against the same predicate evaluated on the host.
 */
import { readFileSync } from "node:fs";
import { closeFilterSandbox, filterSandboxPids, runFilter, warmFilterSandbox, type FilterMessage } from "../src/console/filter-sandbox/index.ts";

/** CPU seconds of this process plus the sandbox processes (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let ticks = 0;
  for (const pid of filterSandboxPids()) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  }
  return (own.user + own.system) / 1e6 + ticks / 100;
}

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 5);

const messages: FilterMessage[] = Array.from({ length: N }, (_, i) => ({
  topic: "orders",
  partition: i % 6,
  offset: String(1_000_000 + i),
  timestamp: 1_700_000_000_000 + i,
  key: `customer-${i % 1000}`,
  value: JSON.stringify({ id: i, customer: `customer-${i % 1000}`, amount: (i * 7) % 1000, currency: "EUR", items: [{ sku: `sku-${i % 50}`, qty: 1 + (i % 3) }] }),
  headers: (i % 10 === 0 ? { source: "web", trace: `t-${i}` } : {}) as Record<string, string>,
}));

const filters: Array<{ name: string; code: string; host: (m: FilterMessage) => boolean }> = [
  { name: "substring", code: `return value !== null && value.includes('"amount":99')`, host: (m) => m.value !== null && m.value.includes('"amount":99') },
  { name: "partition+key", code: `return partition === 3 && key.endsWith("7")`, host: (m) => m.partition === 3 && m.key!.endsWith("7") },
  { name: "JSON.parse", code: `return JSON.parse(value).amount > 990`, host: (m) => JSON.parse(m.value!).amount > 990 },
];

await warmFilterSandbox();
const limits = { timeoutMs: 60_000, memoryBytes: 64 * 1024 * 1024, maxScanned: N };
console.log(`${N} messages, ${ROUNDS} rounds, Bun ${Bun.version}`);
for (const f of filters) {
  const expected = messages.reduce((n, m) => n + (f.host(m) ? 1 : 0), 0);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    const res = await runFilter(f.code, messages, limits);
    const ms = performance.now() - t0;
    const c = cpuSeconds() - c0;
    if (res.error || res.matched.length !== expected || res.scanned !== N) throw new Error(`${f.name}: wrong answer ${JSON.stringify(res.error)} ${res.matched.length} != ${expected}`);
    wall.push((N / ms) * 1000);
    cpu.push(N / c);
  }
  wall.sort((a, b) => b - a);
  cpu.sort((a, b) => b - a);
  const fmt = (x: number) => `${Math.round(x).toLocaleString("en")}`;
  console.log(`${f.name.padEnd(14)} wall: best ${fmt(wall[0]!)} msg/s, median ${fmt(wall[ROUNDS >> 1]!)} msg/s; per CPU-second: best ${fmt(cpu[0]!)}, median ${fmt(cpu[ROUNDS >> 1]!)}  (${expected} matched)`);
}
closeFilterSandbox();
