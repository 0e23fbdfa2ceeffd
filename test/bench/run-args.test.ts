/**
 * `bun run bench` argument parsing: --help and unknown flags print usage and start nothing; the
 * parse decides every command without running one. The spawned runs are bounded: a regression that
 * starts a benchmark is killed at the bound and fails.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseBenchArgs } from "../../bench/run.ts";

const RUN = join(import.meta.dir, "..", "..", "bench", "run.ts");
const SPAWN_BOUND_MS = 20_000;

async function runBench(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child = Bun.spawn(["bun", RUN, ...args], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), SPAWN_BOUND_MS);
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  const exitCode = await child.exited;
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

describe("bun run bench arguments", () => {
  test("parse: every command", () => {
    expect(parseBenchArgs([])).toEqual({ kind: "e2e", args: [] });
    expect(parseBenchArgs(["--quick"])).toEqual({ kind: "e2e", args: ["--quick"] });
    expect(parseBenchArgs(["--quick", "--data-dir=/tmp/x"]).kind).toBe("e2e");
    expect(parseBenchArgs(["--micro"])).toEqual({ kind: "micro", filter: "" });
    expect(parseBenchArgs(["storage"])).toEqual({ kind: "micro", filter: "storage" });
    expect(parseBenchArgs(["--bootstrap", "127.0.0.1:9092", "--whatever"]).kind).toBe("compare");
    expect(parseBenchArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseBenchArgs(["--quick", "-h"])).toEqual({ kind: "help" });
    for (const bad of [["--quik"], ["--data-dir="], ["-x"], ["a", "b"], ["--micro", "--quick"]]) {
      expect(parseBenchArgs(bad).kind).toBe("error");
    }
  });

  test("--help prints usage and exits 0 without starting a run", async () => {
    const r = await runBench(["--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("usage: bun run bench");
    expect(r.stdout).not.toContain("===");
  });

  test("an unknown flag prints usage and exits 2", async () => {
    const r = await runBench(["--no-such-flag"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown option --no-such-flag");
    expect(r.stderr).toContain("usage: bun run bench");
  });
});
