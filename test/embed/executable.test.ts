/**
 * The single-file executable (scripts/build-executable.ts, `bun build --compile`): built into a
 * temporary folder, started with no Bun on PATH and a free port, then kafkajs produces and
 * consumes through it, and SIGTERM stops it cleanly (exit 0) with the data on disk.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { buildExecutable } from "../../scripts/build-executable.ts";
import { tempDir } from "../helpers/broker.ts";

test("the compiled broker starts without Bun, serves kafkajs (produce, consume), and stops on SIGTERM", async () => {
  const dir = tempDir("takhin-exe-");
  const exe = join(dir, "takhin");
  const built = await buildExecutable({ outfile: exe });
  if (built.code !== 0) console.error(built.output);
  expect(built.code).toBe(0);

  const data = join(dir, "data");
  const p = Bun.spawn([exe], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: "/nonexistent", HOME: dir, TAKHIN_KAFKA_PORT: "0", TAKHIN_HOST: "127.0.0.1", TAKHIN_DATA_DIR: data, TAKHIN_ADMIN_API_PORT: "-1", TAKHIN_SCHEMA_REGISTRY_PORT: "-1", TAKHIN_HTTP_PROXY_PORT: "-1", TAKHIN_CONSOLE_PORT: "-1", TAKHIN_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" },
  });
  const killer = setTimeout(() => p.kill("SIGKILL"), 60_000);
  let logs = "";
  const port = await (async () => {
    const reader = p.stderr.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 0;
      logs += decoder.decode(value, { stream: true });
      const m = logs.match(/takhin ready kafka=[^ ]*:(\d+)/);
      if (m) {
        // Keep draining stderr so the child never blocks on a full pipe.
        void (async () => {
          for (;;) {
            const r = await reader.read();
            if (r.done) return;
            logs += decoder.decode(r.value, { stream: true });
          }
        })();
        return Number(m[1]);
      }
    }
  })();
  try {
    expect(port).toBeGreaterThan(0);
    const kafka = new Kafka({ clientId: "exe-smoke", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "smoke", numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "smoke", messages: [{ key: "k", value: "hello" }, { value: "world" }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "smoke-group", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "smoke", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const deadline = Date.now() + 30_000;
    while (seen.length < 2 && Date.now() < deadline) await Bun.sleep(20);
    await consumer.disconnect();
    expect(seen).toEqual(["hello", "world"]);
  } finally {
    p.kill("SIGTERM");
    const code = await p.exited;
    clearTimeout(killer);
    expect(code).toBe(0);
  }
  await Bun.sleep(50);
  expect(logs).toContain("takhin stopped");
  expect(existsSync(join(data, "meta.properties"))).toBe(true);
}, 90_000);
