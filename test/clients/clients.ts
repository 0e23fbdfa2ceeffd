/**
 * The real clients the discovery suite drives, shared by test/clients/discovery.test.ts and
 * scripts/capture-fixtures.ts. Each client runs as a subprocess (Node for the npm clients, the
 * system Python for the Python ones, kcat itself) with the bootstrap address as its argument, and
 * its output is turned into one normalised shape so every client is held to the same assertions.
 */
import { join } from "node:path";

export const SCRIPTS_DIR = join(import.meta.dir, "scripts");
/** The system interpreter: the Debian packages of confluent-kafka and kafka-python live there. */
export const PYTHON = "/usr/bin/python3";
export const NODE = "/usr/bin/node";
export const KCAT = "kcat";

export interface SeenBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface Discovery {
  client: string;
  version?: string;
  /** Undefined when the client does not report it. */
  clusterId?: string | null;
  controllerId?: number;
  brokers: SeenBroker[];
  /** Topic name and partition count. */
  topics: { name: string; partitions: number }[];
  /** Anything else the client printed, for the assertions specific to it. */
  raw: any;
}

export interface ClientSpec {
  /** Directory name under test/fixtures/requests/. */
  name: string;
  argv(bootstrap: string): string[];
  parse(stdout: string): Discovery;
}

function jsonScript(name: string, interpreter: string, script: string): ClientSpec {
  return {
    name,
    argv: (bootstrap) => [interpreter, join(SCRIPTS_DIR, script), bootstrap],
    parse(stdout) {
      const raw = JSON.parse(lastLine(stdout));
      return {
        client: name,
        version: raw.version,
        clusterId: raw.clusterId,
        controllerId: raw.controllerId,
        brokers: raw.brokers,
        topics: raw.topics.map((t: { name: string; partitions: number }) => ({ name: t.name, partitions: t.partitions })),
        raw,
      };
    },
  };
}

function lastLine(stdout: string): string {
  const lines = stdout.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

/** `kcat -L -J`: brokers as "host:port" names, no cluster id. */
export const kcatJson: ClientSpec = {
  name: "kcat",
  argv: (bootstrap) => [KCAT, "-L", "-J", "-b", bootstrap, "-m", "10", "-X", "client.id=takhin-discovery-kcat"],
  parse(stdout) {
    const raw = JSON.parse(lastLine(stdout));
    return {
      client: "kcat",
      controllerId: raw.controllerid,
      brokers: raw.brokers.map((b: { id: number; name: string }) => {
        const i = b.name.lastIndexOf(":");
        return { nodeId: b.id, host: b.name.slice(0, i), port: Number(b.name.slice(i + 1)) };
      }),
      topics: raw.topics.map((t: { topic: string; partitions: unknown[] }) => ({ name: t.topic, partitions: t.partitions.length })),
      raw,
    };
  },
};

/** `kcat -L`, the human-readable listing, parsed line by line. */
export const kcatText: ClientSpec = {
  name: "kcat-text",
  argv: (bootstrap) => [KCAT, "-L", "-b", bootstrap, "-m", "10"],
  parse(stdout) {
    const brokers: SeenBroker[] = [];
    const topics: { name: string; partitions: number }[] = [];
    let controllerId: number | undefined;
    let brokerCount = -1;
    let topicCount = -1;
    for (const line of stdout.split("\n")) {
      let m: RegExpMatchArray | null;
      if ((m = line.match(/^\s*(\d+) brokers:$/))) brokerCount = Number(m[1]);
      else if ((m = line.match(/^\s*(\d+) topics:$/))) topicCount = Number(m[1]);
      else if ((m = line.match(/^\s*broker (-?\d+) at (.+):(\d+)( \(controller\))?$/))) {
        brokers.push({ nodeId: Number(m[1]), host: m[2], port: Number(m[3]) });
        if (m[4]) controllerId = Number(m[1]);
      } else if ((m = line.match(/^\s*topic "([^"]+)" with (\d+) partitions:$/))) {
        topics.push({ name: m[1], partitions: Number(m[2]) });
      }
    }
    return { client: "kcat-text", controllerId, brokers, topics, raw: { brokerCount, topicCount, stdout } };
  },
};

export const kafkajs = jsonScript("kafkajs", NODE, "kafkajs.mjs");
export const platformatic = jsonScript("platformatic", NODE, "platformatic.mjs");
export const kafkaPython = jsonScript("kafka-python", PYTHON, "kafka_python.py");
export const confluentPython = jsonScript("confluent-kafka-python", PYTHON, "confluent.py");

/** The clients whose requests scripts/capture-fixtures.ts records. */
export const CAPTURED_CLIENTS: ClientSpec[] = [kcatJson, kafkajs, platformatic, kafkaPython, confluentPython];

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a client to completion, killing it (SIGKILL) after `timeoutMs`. Always waits for the
 * process to exit, so nothing is left behind when this returns.
 */
export async function runClient(argv: string[], timeoutMs = 30_000): Promise<RunResult> {
  const started = performance.now();
  const proc = Bun.spawn(argv, {
    cwd: SCRIPTS_DIR,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", NODE_NO_WARNINGS: "1" },
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { exitCode, stdout, stderr, timedOut, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
}
