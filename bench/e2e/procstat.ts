/**
 * CPU and memory of a process from /proc (Linux): /proc/<pid>/stat fields 14-15 (utime, stime in
 * clock ticks) and /proc/<pid>/status (VmRSS, RssAnon, RssFile in kB). A sampler polls RSS while a
 * run lasts and keeps the peak; CPU is the difference of two readings over the wall time between.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
export const CLOCK_TICKS_PER_SEC = 100;

export interface CpuReading {
  atMs: number;
  cpuSeconds: number;
}
export interface MemReading {
  rssMB: number;
  anonMB: number;
  fileMB: number;
}

/** Parses the utime+stime of a /proc/<pid>/stat line (the command name may contain spaces). */
export function parseStatCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
}

export function parseStatusMem(status: string): MemReading {
  const kb = (key: string) => {
    const m = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) / 1024 : NaN;
  };
  return { rssMB: kb("VmRSS"), anonMB: kb("RssAnon"), fileMB: kb("RssFile") };
}

export function readCpu(pid: number): CpuReading | null {
  try {
    return { atMs: performance.now(), cpuSeconds: parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8")) };
  } catch {
    return null;
  }
}

export function readMem(pid: number): MemReading | null {
  try {
    return parseStatusMem(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return null;
  }
}

/** CPU use between two readings, in percent of one core. */
export function cpuPercent(a: CpuReading, b: CpuReading): number {
  const wall = (b.atMs - a.atMs) / 1000;
  return wall > 0 ? ((b.cpuSeconds - a.cpuSeconds) / wall) * 100 : NaN;
}

/** CPU seconds per GB (10^9 bytes) moved; NaN without a finite reading or without bytes. */
export function cpuPerGB(cpuSeconds: number, bytes: number): number {
  return Number.isFinite(cpuSeconds) && bytes > 0 ? cpuSeconds / (bytes / 1e9) : NaN;
}

/** Polls a process's RSS every `everyMs` and keeps the peak and the mean. */
export class MemSampler {
  private timer: ReturnType<typeof setInterval> | null = null;
  peak: MemReading = { rssMB: 0, anonMB: 0, fileMB: 0 };
  private sum = 0;
  private n = 0;

  constructor(private readonly pid: number, private readonly everyMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  private sample(): void {
    const m = readMem(this.pid);
    if (!m) return;
    if (m.rssMB > this.peak.rssMB) this.peak = m;
    this.sum += m.rssMB;
    this.n++;
  }

  stop(): { peakRssMB: number; peakAnonMB: number; meanRssMB: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return { peakRssMB: this.peak.rssMB, peakAnonMB: this.peak.anonMB, meanRssMB: this.n ? this.sum / this.n : NaN };
  }
}
