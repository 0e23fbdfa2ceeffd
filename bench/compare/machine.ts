/**
 * A description of the machine the harness runs on (CPU model, cores, memory, disk, kernel, tool
 * versions), printed with every report so that results from different machines are never compared
 * blindly. Linux-first; every probe is bounded and optional ("?" when unknown).
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, version } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

export interface Machine {
  hostname: string;
  cpuModel: string;
  cores: number;
  memGiB: number;
  kernel: string;
  os: string;
  /** The disk under the local brokers' data directory: device, filesystem, size, rotational, model. */
  disk: string;
  loadAvg: string;
  bun: string;
  node: string;
  python: string;
  confluentKafka: string;
  librdkafka: string;
  commit: string;
}

function run(cmd: string[], timeoutMs = 5000): string {
  try {
    const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
    return r.exitCode === 0 ? r.stdout.toString().trim() : "";
  } catch {
    return "";
  }
}

function osName(): string {
  try {
    const m = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    return m ? m[1] : "?";
  } catch {
    return "?";
  }
}

/** `df -PT dir` then lsblk for the device's model and whether it rotates. */
export function describeDisk(dir: string): string {
  const df = run(["df", "-PT", dir]).split("\n")[1]?.split(/\s+/);
  if (!df || df.length < 7) return "?";
  const [device, fstype, blocks] = df;
  const sizeGiB = Math.round((Number(blocks) * 1024) / 2 ** 30);
  let extra = "";
  if (device.startsWith("/dev/")) {
    const parent = run(["lsblk", "-ndo", "PKNAME", device]) || device.slice(5);
    const model = run(["lsblk", "-ndo", "MODEL", `/dev/${parent}`]).trim();
    const rotaFlag = run(["lsblk", "-ndo", "ROTA", `/dev/${parent}`]).trim();
    const rota = rotaFlag === "1" ? "rotational (as the kernel reports it; virtual disks often say 1)" : rotaFlag === "0" ? "non-rotational" : "";
    const parts = [model, rota].filter(Boolean);
    if (parts.length) extra = `, ${parts.join(", ")}`;
  }
  return `${device} (${fstype}, ${sizeGiB} GiB${extra})`;
}

export function describeMachine(dataDir: string): Machine {
  const py = run(["/usr/bin/python3", "-c", "import sys, confluent_kafka as c; print(sys.version.split()[0]); print(c.version()[0]); print(c.libversion()[0])"]).split("\n");
  return {
    hostname: run(["hostname"]) || "?",
    cpuModel: cpus()[0]?.model ?? "?",
    cores: cpus().length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${release()} (${version()})`,
    os: osName(),
    disk: describeDisk(dataDir),
    loadAvg: loadavg().map((x) => x.toFixed(2)).join(" "),
    bun: Bun.version,
    node: run(["node", "--version"]) || "?",
    python: py[0] || "?",
    confluentKafka: py[1] || "?",
    librdkafka: py[2] || "?",
    commit: run(["git", "rev-parse", "--short", "HEAD"]) || "?",
  };
}
