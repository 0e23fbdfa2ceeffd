/**
 * Shared by the Kafka Connect tests (test/console/connect-*.test.ts): bounded waiting, reading a
 * topic to its end with kafkajs, the test's lines, and the at-least-once check of a sink file.
 */
import { existsSync, readFileSync } from "node:fs";
import kafkajs from "kafkajs";
import type { ConnectClient, ConnectorState } from "../../src/console/connect/client.ts";

const { Kafka, logLevel } = kafkajs;

export const WAIT_MS = 60_000;

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await Bun.sleep(100);
  }
}

export function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

export async function states(client: ConnectClient, name: string): Promise<ConnectorState[]> {
  const s = await client.status(name);
  return [s.connector.state, ...s.tasks.map((t) => t.state)];
}

export async function waitState(client: ConnectClient, name: string, state: ConnectorState, tasks = 1): Promise<void> {
  await until(`${name} ${state}`, async () => {
    const st = await states(client, name);
    return st.length === tasks + 1 && st.every((s) => s === state);
  });
}

/**
 * Every record value of a one-partition topic, in offset order: read from the start to the end
 * offset the broker reports once at least `expected` records are there.
 */
export async function topicValues(bootstrap: string, topic: string, expected: number): Promise<string[]> {
  const kafka = new Kafka({ clientId: "connect-test-reader", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  const values: string[] = [];
  await admin.connect();
  await consumer.connect();
  try {
    const end = await until(`${expected} records in ${topic}`, async () => {
      const [p] = await admin.fetchTopicOffsets(topic);
      return p && Number(p.high) >= expected ? Number(p.high) : undefined;
    });
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value === null ? "<null>" : message.value.toString("utf8"));
      },
    });
    await until(`${end} records read from ${topic}`, () => values.length >= end);
  } finally {
    await consumer.disconnect();
    await admin.disconnect();
  }
  return values;
}

/**
 * Lines Connect must carry byte for byte: tabs, quotes, backslashes, JSON-looking text. ASCII only:
 * FileStreamSource counts its position in chars but skips bytes when it resumes (InputStream.skip;
 * seen with javap in connect-file 4.3.1), so after non-ASCII text a restarted task re-reads lines —
 * Connect's behaviour, which would blur what these tests check of Takhin (docs/connect.md).
 */
export function lines(from: number, to: number, tag = "line"): string[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return i % 7 === 0 ? `${tag} ${i}\t"quoted" \\ {"json": ${i}, "s": "a,b;c"}` : `${tag} ${i}`;
  });
}

/**
 * True when `got` is `want` as an at-least-once sink may write it: reading `got` in order, each
 * line is either the next new line of `want` or one already seen (a replay from a committed
 * offset) — no line of `want` skipped — and every line of `want` is there. Lines must be unique.
 */
export function atLeastOnceReplay(want: string[], got: string[]): boolean {
  const index = new Map<string, number>();
  want.forEach((l, i) => index.set(l, i));
  let next = 0;
  let maxSeen = -1;
  for (const line of got) {
    const i = index.get(line);
    if (i === undefined) return false;
    if (i === next || i <= maxSeen) {
      next = i + 1;
      maxSeen = Math.max(maxSeen, i);
    } else return false;
  }
  return maxSeen === want.length - 1;
}
