/**
 * The README, tried as a new user would: every fenced block in it is matched by exactly one rule
 * below, and the rule runs it as printed. The one change made before running is the bootstrap
 * address: `127.0.0.1:9092` becomes the test broker's address (a test must not depend on port
 * 9092 being free). Blocks that install packages or run for minutes are not executed here; their
 * rule checks that `.ci/run` runs the same commands, or names the suite that runs them. A block no
 * rule matches fails the test, so a new snippet cannot go untested.
 *
 * The configuration table is checked against the configuration module: every key, with its
 * environment variable, is documented.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeClusterKeys, describeKeys, loadConfig } from "../src/config/config.ts";
import { removeDir, startTestBroker, tempDir, type TestBroker } from "./helpers/broker.ts";

const REPO = join(import.meta.dir, "..");
const README = readFileSync(join(REPO, "README.md"), "utf8");
const CI_RUN = readFileSync(join(REPO, ".ci", "run"), "utf8");
const DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

interface Block {
  lang: string;
  code: string;
  line: number;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, code: body.join("\n"), line: start + 1 });
  }
  return blocks;
}

interface RunOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; stdin?: string } = {}): Promise<RunOutcome> {
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, ...opts.env },
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

let broker: TestBroker;
const scratch: string[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
  removeDir(broker.dataDir);
  for (const f of scratch) rmSync(f, { recursive: true, force: true });
});

function pointed(code: string): string {
  return code.replaceAll(DEFAULT_BOOTSTRAP, broker.bootstrap);
}

/** Writes `code` as a file in the repository root (so imports resolve as they do for a user there). */
function scriptFile(name: string, code: string): string {
  const file = join(REPO, `.readme-${process.pid}-${name}`);
  writeFileSync(file, code);
  scratch.push(file);
  return file;
}

function expectOk(r: RunOutcome, what: string): void {
  if (r.exitCode !== 0) throw new Error(`${what} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

interface Rule {
  name: string;
  matches(b: Block): boolean;
  check(b: Block): Promise<void> | void;
}

const RULES: Rule[] = [
  {
    name: "quick start: CI installs Bun with npm and runs bun install; `bun run broker` prints the readiness line",
    matches: (b) => b.lang === "sh" && b.code.trim() === "npm install -g bun@1.4.5 && bun install && bun run broker",
    async check(b) {
      const version = /bun@([\d.]+)/.exec(b.code)![1];
      expect(CI_RUN).toContain(`BUN_VERSION=${version}`);
      expect(CI_RUN).toContain('npm install -g "bun@$BUN_VERSION"');
      expect(CI_RUN).toMatch(/^bun install/m);
      // `bun run broker`, as printed, on a free port and its own data directory.
      const dataDir = tempDir("takhin-readme-");
      scratch.push(dataDir);
      const proc = Bun.spawn(["bun", "run", "broker"], {
        cwd: REPO,
        env: { ...process.env, TAKHIN_KAFKA_PORT: "0", TAKHIN_DATA_DIR: dataDir, TAKHIN_HOST: "127.0.0.1" },
        stdout: "pipe",
        stderr: "pipe",
      });
      let out = "";
      const decoder = new TextDecoder();
      const pump = async (stream: ReadableStream<Uint8Array>) => {
        for await (const chunk of stream) out += decoder.decode(chunk);
      };
      void pump(proc.stdout as ReadableStream<Uint8Array>);
      void pump(proc.stderr as ReadableStream<Uint8Array>);
      const deadline = Date.now() + 30_000;
      while (!/takhin ready/.test(out) && proc.exitCode === null && Date.now() < deadline) await Bun.sleep(50);
      proc.kill("SIGTERM");
      await proc.exited;
      const sample = fencedBlocks(README).find((x) => x.lang === "" && x.code.includes("takhin ready"))!;
      const shape = /INFO takhin ready kafka=\S+ advertised=\S+ dataDir=\S+ clusterId=\S+ nodeId=\d+ startupMs=[\d.]+/;
      expect(sample.code).toMatch(shape);
      expect(out).toMatch(shape);
    },
  },
  {
    name: "the readiness line sample (checked with the quick start)",
    matches: (b) => b.lang === "" && b.code.includes("takhin ready"),
    check: () => {},
  },
  {
    name: "the test command is what CI runs",
    matches: (b) => b.lang === "sh" && b.code.trim() === "bun run test",
    check: () => {
      expect(CI_RUN.trim().split("\n").at(-1)).toBe("bun run test");
    },
  },
  {
    name: "the apt-get line installs what .ci/run installs",
    matches: (b) => b.lang === "sh" && b.code.startsWith("apt-get update && apt-get install"),
    check(b) {
      expect(b.code).toContain("apt-get update");
      const packages = b.code.replace(/\\\n/g, " ").split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]+$/.test(w) && !["apt-get", "update", "install"].includes(w));
      expect(packages.length).toBeGreaterThan(5);
      for (const p of packages) expect(CI_RUN).toContain(p);
    },
  },
  {
    name: "the YAML example loads with the values it shows",
    matches: (b) => b.lang === "yaml" && b.code.includes("# takhin.yaml"),
    check(b) {
      const file = scriptFile("takhin.yaml", b.code);
      const cfg = loadConfig({ env: {}, file });
      const parsed = Bun.YAML.parse(b.code) as Record<string, unknown>;
      expect(cfg.kafkaPort).toBe(parsed.kafka_port as number);
      expect(cfg.dataDir).toBe(parsed.data_dir as string);
      expect(cfg.logLevel).toBe(parsed.log_level as "info");
    },
  },
  {
    name: "the embedding example runs and prints its bootstrap address",
    matches: (b) => b.lang === "ts" && b.code.includes("startBroker"),
    async check(b) {
      const dirs = [...b.code.matchAll(/dataDir: "([^"]+)"/g)].map((m) => m[1]!);
      scratch.push(...dirs);
      const r = await run(["bun", scriptFile("embed.ts", b.code)]);
      expectOk(r, "embedding example");
      expect(r.stdout).toMatch(/^bootstrap: 127\.0\.0\.1:\d+$/m);
    },
  },
  {
    name: "kcat lists the broker",
    matches: (b) => b.lang === "sh" && b.code.startsWith("kcat "),
    async check(b) {
      const r = await run(["bash", "-c", pointed(b.code)]);
      expectOk(r, "kcat");
      expect(r.stdout).toContain("1 brokers:");
    },
  },
  {
    name: "the JavaScript examples run under Node as ES modules, list topics and exit",
    matches: (b) => b.lang === "js",
    async check(b) {
      const name = /save as (\S+\.mjs)/.exec(b.code)?.[1];
      expect(name).toBeDefined();
      const topic = `readme-js-${Math.random().toString(36).slice(2, 8)}`;
      const made = await run(["kcat", "-b", broker.bootstrap, "-P", "-t", topic], { stdin: "x\n" });
      expectOk(made, "kcat -P");
      const r = await run(["node", scriptFile(name!, pointed(b.code))], { timeoutMs: 30_000 });
      expectOk(r, name!);
      expect(r.stdout).toContain(topic);
    },
  },
  {
    name: "the Python examples run with /usr/bin/python3",
    matches: (b) => b.lang === "python",
    async check(b) {
      expect(b.code).toContain("/usr/bin/python3");
      const r = await run(["/usr/bin/python3", "-c", pointed(b.code)], { timeoutMs: 30_000 });
      expectOk(r, "python example");
      expect(r.stdout.trim().split("\n").length).toBe(2);
    },
  },
  {
    name: "Apache Kafka's TopicCommand through the resolved classpath",
    matches: (b) => b.lang === "sh" && b.code.includes("org.apache.kafka.tools.TopicCommand"),
    async check(b) {
      const topic = `readme-java-${Math.random().toString(36).slice(2, 8)}`;
      expectOk(await run(["kcat", "-b", broker.bootstrap, "-P", "-t", topic], { stdin: "x\n" }), "kcat -P");
      const r = await run(["bash", "-c", pointed(b.code)], { timeoutMs: 90_000 });
      expectOk(r, "TopicCommand");
      expect(r.stdout.split("\n")).toContain(topic);
    },
  },
  {
    name: "the layout block names folders that exist",
    matches: (b) => b.lang === "" && /^src\/protocol\s/m.test(b.code),
    check(b) {
      const folders = [...b.code.matchAll(/(?:^|\s)((?:src|test|bench|native|peer|docs)\/[\w/-]*)/g)].map((m) => m[1]!.replace(/\/$/, ""));
      expect(folders.length).toBeGreaterThan(5);
      for (const f of folders) expect(existsSync(join(REPO, f)), f).toBe(true);
    },
  },
  {
    name: "benchmark commands: long runs, not executed here (test/bench runs the harness and the comparison on tiny workloads)",
    matches: (b) => b.lang === "sh" && /^(bun run bench|bun bin\/takhin-bench\.ts)/m.test(b.code),
    check(b) {
      for (const line of b.code.split("\n").filter((l) => l.trim() && !l.startsWith("#"))) {
        expect(line).toMatch(/^(bun run bench|bun bin\/takhin-bench\.ts|  --)/);
      }
    },
  },
];

describe("README", () => {
  const blocks = fencedBlocks(README);

  test("every fenced block is matched by exactly one rule", () => {
    const unmatched = blocks.filter((b) => RULES.filter((r) => r.matches(b)).length !== 1);
    expect(unmatched.map((b) => `line ${b.line}: ${b.code.split("\n")[0]}`)).toEqual([]);
  });

  for (const b of blocks) {
    const rule = RULES.find((r) => r.matches(b));
    if (!rule) continue;
    test(`line ${b.line}: ${rule.name}`, () => rule.check(b), 120_000);
  }

  test("the configuration table documents every key with its environment variable", () => {
    const section = README.slice(README.indexOf("## Configuration"), README.indexOf("## Embedding"));
    for (const k of [...describeKeys(), ...describeClusterKeys()]) {
      expect(section).toContain(`| \`${k.key}\` | \`${k.env}\` |`);
    }
  });
});
