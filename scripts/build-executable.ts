/**
 * Builds the broker as one self-contained executable (`bun build --compile src/main.ts`), for people
 * without Bun: `bun scripts/build-executable.ts [--outfile dist/takhin] [--target bun-linux-x64]`.
 * The binary carries Bun's runtime and every module; it reads the same YAML file and TAKHIN_*
 * variables as `bun run broker`. The C addon is not inside it: the TypeScript CRC-32C and batch
 * scanning run instead (src/native/index.ts says so once at start). Nor are the console's web pages
 * (it serves them from a directory): set TAKHIN_CONSOLE_PORT=-1. test/embed/executable.test.ts
 * builds it and smoke-tests it (start, produce, consume, stop).
 */
import { join, resolve } from "node:path";

export interface BuildOptions {
  outfile: string;
  /** Bun's cross-compilation target (bun-linux-x64, bun-linux-arm64, bun-darwin-arm64, ...); default this machine. */
  target?: string;
}

const ROOT = join(import.meta.dir, "..");

export async function buildExecutable(o: BuildOptions): Promise<{ code: number; output: string }> {
  const cmd = [process.execPath, "build", "--compile", join(ROOT, "src", "main.ts"), "--outfile", o.outfile];
  if (o.target) cmd.push("--target", o.target);
  const p = Bun.spawn(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, output: out + err };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const outfile = resolve(value("--outfile") ?? join(ROOT, "dist", "takhin"));
  const r = await buildExecutable({ outfile, target: value("--target") });
  process.stdout.write(r.output);
  if (r.code !== 0) process.exit(r.code);
  console.log(`built ${outfile}`);
}
