/**
 * Summarizes a V8/Bun .cpuprofile (as written by `bun --cpu-prof`): self time per function, from
 * the samples and their time deltas. Pure: takes the parsed JSON.
 *
 *   bun bench/e2e/profile.ts <file.cpuprofile> [top]     prints the top functions by self time
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}
export interface FunctionCost {
  name: string;
  location: string;
  selfMs: number;
  /** Share of the busy (non-idle) time, in percent. */
  pct: number;
}
export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  top: FunctionCost[];
  /** Self time per source file (busy share in percent), largest first. */
  byFile: { file: string; selfMs: number; pct: number }[];
  /**
   * Self time with native frames charged to their nearest caller in our own code (src/), so that
   * e.g. `writeSync` shows which function of ours called it.
   */
  byCaller: FunctionCost[];
}

const IDLE = new Set(["(idle)", "(program)", "(root)"]);

function shortUrl(url: string, root: string): string {
  if (!url) return "(native)";
  const path = url.startsWith("file://") ? url.slice(7) : url;
  return path.startsWith("/") && root ? relative(root, path) : path;
}

export function summarizeProfile(p: CpuProfile, topN = 15, root = ""): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  if (samples.length > 0) {
    // Bun's sampler records only while JavaScript (or native code it called) runs, and the delta
    // of the first sample after an idle stretch spans that stretch. So each sample stands for the
    // typical (median) sampling interval, and the rest of the wall time is idle.
    const sorted = deltas.slice(1).sort((a, b) => a - b);
    const interval = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 1000;
    for (const s of samples) selfUs.set(s, (selfUs.get(s) ?? 0) + interval);
  } else {
    const total = p.endTime - p.startTime;
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fn = new Map<string, { name: string; location: string; us: number }>();
  const caller = new Map<string, { name: string; location: string; us: number }>();
  const file = new Map<string, number>();
  let idleUs = 0;
  let sampledUs = 0;
  for (const [id, us] of selfUs) {
    sampledUs += us;
    const n = byId.get(id);
    if (!n) continue;
    const name = n.callFrame.functionName || "(anonymous)";
    if (IDLE.has(name)) {
      idleUs += us;
      continue;
    }
    const f = shortUrl(n.callFrame.url, root);
    const location = n.callFrame.url ? `${f}:${n.callFrame.lineNumber + 1}` : f;
    const key = `${name}@${location}`;
    const e = fn.get(key) ?? { name, location, us: 0 };
    e.us += us;
    fn.set(key, e);
    file.set(f, (file.get(f) ?? 0) + us);
    // The nearest frame of our own code above this one, and the frame just below it (what it called).
    let own: ProfileNode | undefined = n;
    let callee: ProfileNode = n;
    while (own && !own.callFrame.url.includes("/src/")) {
      callee = own;
      const up = parent.get(own.id);
      own = up === undefined ? undefined : byId.get(up);
    }
    const cname = own ? `${own.callFrame.functionName || "(anonymous)"}${callee !== own ? ` → ${callee.callFrame.functionName || "(anonymous)"}` : ""}` : name;
    const cloc = own ? `${shortUrl(own.callFrame.url, root)}:${own.callFrame.lineNumber + 1}` : location;
    const ck = `${cname}@${cloc}`;
    const ce = caller.get(ck) ?? { name: cname, location: cloc, us: 0 };
    ce.us += us;
    caller.set(ck, ce);
  }
  const busyUs = sampledUs - idleUs;
  const totalUs = Math.max(p.endTime - p.startTime, sampledUs);
  idleUs = totalUs - busyUs;
  const pct = (us: number) => (busyUs > 0 ? (us / busyUs) * 100 : 0);
  const top = [...fn.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, pct: pct(e.us) }));
  const byFile = [...file.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([f, us]) => ({ file: f, selfMs: us / 1000, pct: pct(us) }));
  const byCaller = [...caller.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, pct: pct(e.us) }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, busyMs: busyUs / 1000, top, byFile, byCaller };
}

if (import.meta.main) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: bun bench/e2e/profile.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  const s = summarizeProfile(JSON.parse(readFileSync(path, "utf8")), Number(process.argv[3] ?? 20), process.cwd());
  console.log(`total ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms`);
  for (const f of s.top) console.log(`${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.name}  ${f.location}`);
  console.log("\nby caller in src/ (native frames charged to the function of ours that called them):");
  for (const f of s.byCaller) console.log(`${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.name}  ${f.location}`);
  console.log("\nby file:");
  for (const f of s.byFile) console.log(`${f.pct.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.file}`);
}
