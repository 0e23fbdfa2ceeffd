/**
 * kill -9 under load: librdkafka (confluent-kafka-python, acks=all, idempotent) produces while the
 * broker process is SIGKILLed. After a restart on the same data directory every record the
 * producer saw acknowledged is served at its acknowledged offset, and offsets are dense.
 */
import { expect, test } from "bun:test";
import { removeDir, tempDir } from "../helpers/broker.ts";
import { spawnBroker } from "../helpers/broker-process.ts";
import { runClient, SCRIPTS_DIR } from "./clients.ts";
import { join } from "node:path";

const PARTITIONS = 3;
/** Acknowledged records to wait for before the kill, and the bound on that wait. */
const ACKS_BEFORE_KILL = 30_000;
const WAIT_FOR_ACKS_BOUND_MS = 60_000;

test("every record acknowledged before kill -9 survives the restart, at its offset", async () => {
  const dir = tempDir("takhin-crash-");
  const first = await spawnBroker(dir, { TAKHIN_NUM_PARTITIONS: String(PARTITIONS) });
  const producer = Bun.spawn(["/usr/bin/python3", join(SCRIPTS_DIR, "crash-producer.py"), `127.0.0.1:${first.port}`, "crash", "3000000"], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  const acked = new Map<string, string>();
  let text = "";
  const dec = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of producer.stdout as ReadableStream<Uint8Array>) {
      text += dec.decode(chunk, { stream: true });
      let i;
      while ((i = text.indexOf("\n")) >= 0) {
        const [tag, p, o, v] = text.slice(0, i).split(" ");
        text = text.slice(i + 1);
        if (tag === "ACK") acked.set(`${p}:${o}`, v);
      }
    }
  })();
  try {
    // Kill once enough acknowledgements arrived to span several batches on every partition, or at
    // the bound (a slow machine still kills under load): what is checked is that the producer is
    // still sending at the kill and that every acknowledged record survives, not a speed.
    const deadline = Date.now() + WAIT_FOR_ACKS_BOUND_MS;
    while (acked.size < ACKS_BEFORE_KILL && Date.now() < deadline && producer.exitCode === null) await Bun.sleep(20);
    expect(producer.exitCode).toBeNull(); // still producing: the kill lands mid-stream
    const ackedPartitions = new Set([...acked.keys()].map((k) => k.split(":")[0]));
    expect(ackedPartitions.size).toBe(PARTITIONS);
    await first.kill(); // SIGKILL while the producer is still sending
    await Bun.sleep(200);
    producer.kill("SIGKILL");
    await producer.exited;
    await reading;

    const second = await spawnBroker(dir);
    try {
      const dump = await runClient(["kcat", "-C", "-b", `127.0.0.1:${second.port}`, "-t", "crash", "-e", "-o", "beginning", "-q", "-f", "%p %o %s\\n"], 60_000);
      expect(dump.timedOut).toBe(false);
      const stored = new Map<string, string>();
      const perPartition = new Map<number, number[]>();
      for (const line of dump.stdout.split("\n")) {
        if (!line) continue;
        const [p, o, v] = line.split(" ");
        stored.set(`${p}:${o}`, v);
        const list = perPartition.get(Number(p)) ?? [];
        list.push(Number(o));
        perPartition.set(Number(p), list);
      }
      let missing = 0;
      for (const [key, value] of acked) if (stored.get(key) !== value) missing++;
      expect(missing).toBe(0);
      for (const [, offsets] of perPartition) {
        offsets.sort((a, b) => a - b);
        offsets.forEach((o, i) => expect(o).toBe(i));
      }
      console.log(`crash-durability: ${acked.size} acknowledged before kill -9, ${stored.size} stored after restart`);
    } finally {
      await second.stop();
    }
  } finally {
    producer.kill("SIGKILL");
    await first.kill();
    removeDir(dir);
  }
}, 180_000);
