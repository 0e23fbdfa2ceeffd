/** Throughput figures and target verdicts shared by the storage and CRC benchmarks. */

export const GB = 1e9;

export function gbPerSecond(bytes: number, nanoseconds: number): number {
  return bytes / nanoseconds; // bytes/ns == GB/s
}

/** Average ns per iteration of a mitata result, by benchmark name. */
export function averagesByName(result: { benchmarks: unknown[] }): Map<string, number> {
  const out = new Map<string, number>();
  for (const trial of result.benchmarks as { alias?: string; runs?: { name?: string; stats?: { avg: number } }[] }[]) {
    for (const r of trial.runs ?? []) {
      if (r.name !== undefined && r.stats !== undefined) out.set(r.name, r.stats.avg);
    }
  }
  return out;
}

/** Prints whether a figure meets its target, and by how much it misses, with the reason. */
export function verdict(name: string, measuredGbps: number, targetGbps: number, whyIfMissed: string): boolean {
  const met = measuredGbps >= targetGbps;
  const figure = `${measuredGbps.toFixed(2)} GB/s (target >= ${targetGbps.toFixed(2)} GB/s)`;
  if (met) {
    console.log(`TARGET MET    ${name}: ${figure}`);
  } else {
    const missPct = ((targetGbps - measuredGbps) / targetGbps) * 100;
    console.log(`TARGET MISSED ${name}: ${figure}, short by ${missPct.toFixed(0)}%. Why: ${whyIfMissed}`);
  }
  return met;
}

export function envBytes(name: string, fallbackBytes: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallbackBytes;
  const match = /^(\d+(?:\.\d+)?)\s*([KMG]i?B?)?$/i.exec(raw.trim());
  if (match === null) throw new Error(`${name}: cannot read "${raw}" as a size (e.g. 64MiB)`);
  const unit = (match[2] ?? "").toUpperCase()[0];
  const scale = unit === "K" ? 1024 : unit === "M" ? 1024 ** 2 : unit === "G" ? 1024 ** 3 : 1;
  return Math.round(Number(match[1]) * scale);
}
